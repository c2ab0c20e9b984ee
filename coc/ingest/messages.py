"""Frozen dataclasses every MQTT message becomes at the boundary."""

from __future__ import annotations

from dataclasses import dataclass, field

from coc.ingest.records import Rejected as Rejected  # the one Rejected, re-exported

ONLINE_STATES = frozenset({"online", "recording", "playing", "idle"})
STATES = ONLINE_STATES | {"offline", "fault"}


@dataclass(frozen=True, slots=True)
class Reading:
    device_id: str
    key: str
    ts: int  # ms since epoch, UTC
    value: float


@dataclass(frozen=True, slots=True)
class Telemetry:
    readings: tuple[Reading, ...]
    rejected: tuple[Rejected, ...] = ()
    pending: tuple[str, ...] = ()  # unknown devices to auto-register as "pending"


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    device_id: str
    kind: str  # camera | speaker | sensor
    state: str
    ts: int
    reason: str = "status"  # status | will
    pending: bool = False

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
