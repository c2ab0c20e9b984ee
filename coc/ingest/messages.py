"""The immutable values every MQTT message becomes at the boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from coc.ingest.records import Rejected as Rejected  # the one Rejected, re-exported

ONLINE_STATES = frozenset({"online", "recording", "playing", "idle"})
STATES = ONLINE_STATES | {"offline", "fault"}


class Reading(NamedTuple):
    """Immutable like the dataclasses here, but a tuple: a drain makes a million of them."""

    device_id: str
    key: str
    ts: int  # ms since epoch, UTC
    value: float


class Telemetry(NamedTuple):
    """A named tuple too: one is made for every telemetry message."""

    readings: tuple[Reading, ...]
    rejected: tuple[Rejected, ...] = ()
    pending: tuple[str, ...] = ()  # unknown devices to auto-register as "pending"


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """A loudspeaker cluster's report on a bulletin (see coc.bulletins.reports)."""

    device_id: str
    bulletin_id: str
    state: str  # received | playing | done | failed
    ts: int  # ms since epoch
    reason: str | None = None
    occurrence: str | None = None


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    device_id: str
    kind: str  # camera | speaker | sensor
    state: str
    ts: int
    reason: str = "status"  # status | will
    pending: bool = False
    delivery: DeliveryReport | None = None  # a loudspeaker's report about a bulletin

    @property
    def online(self) -> bool:
        return self.state in ONLINE_STATES


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed topic: what the message is about."""

    kind: str  # telemetry | gateway | status
    device_kind: str | None = None
    device_id: str | None = None


Parsed = Telemetry | StatusUpdate | Rejected


@dataclass(frozen=True)
class Limits:
    """What the parser needs to know besides the message: known devices and bounds."""

    devices: dict[str, tuple[str, dict[str, tuple[float, float]]]] = field(default_factory=dict)
    auto_register: bool = False
    max_future_ms: int = 300_000
    max_age_ms: int = 30 * 86_400_000
