"""State of long-running services (MQTT ingester, scheduler) that `/api/v1/health` reports.

The service itself calls `set_status` when its state changes (the ingester's supervisor
every few seconds, as a heartbeat); health and the dashboard only read, through
`ingester_liveness`, which also turns a heartbeat that stopped into "down".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from coc import fmt
from coc.store.lite import LiteStore
from coc.timeutil import parse_datetime, utcnow

if TYPE_CHECKING:
    from coc.config import Settings
    from coc.store.db import Store
    from coc.store.models import ServiceStatus

# Plain SQL on a LiteStore: the ingest process reports without loading the ORM.
_UPSERT = (
    "INSERT INTO service_status (name, state, detail, data, updated_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (name) DO UPDATE SET state = excluded.state, detail = excluded.detail, "
    "data = excluded.data, updated_at = excluded.updated_at"
)

STATES = ("ok", "degraded", "down", "stopped", "unknown")
INGESTER = "ingester"


@dataclass(frozen=True)
class Status:
    name: str
    state: str
    detail: str | None
    updated_at: datetime | None
    data: dict[str, Any] | None = None


def set_status(
    store: Store | LiteStore,
    name: str,
    state: str,
    detail: str | None = None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Record a service's state (one of STATES) with a short detail; an upsert on `name`."""
    if state not in STATES:
        raise ValueError(f"unknown service state {state!r}; use one of {STATES}")
    if isinstance(store, LiteStore):
        with store.write_conn() as sql:
            at = sql.time(now or utcnow())
            sql.run(_UPSERT, (name, state, detail, sql.json(data), at))
        return
    from coc.store.models import ServiceStatus
    from coc.store.upsert import upsert_rows

    row = {
        "name": name,
        "state": state,
        "detail": detail,
        "data": data,
        "updated_at": now or utcnow(),
    }
    with store.write_conn() as conn:
        upsert_rows(conn, ServiceStatus, [row], ["name"])


def _status(row: ServiceStatus) -> Status:
    return Status(row.name, row.state, row.detail, row.updated_at, row.data)


def get_status(store: Store, name: str) -> Status | None:
    from coc.store.models import ServiceStatus

    with store.session() as session:
        row = session.get(ServiceStatus, name)
    return None if row is None else _status(row)


def all_status(store: Store) -> list[Status]:
    from sqlalchemy import select

    from coc.store.models import ServiceStatus

    with store.session() as session:
        rows = session.scalars(select(ServiceStatus).order_by(ServiceStatus.name)).all()
    return [_status(r) for r in rows]


@dataclass(frozen=True)
class IngesterLiveness:
    """Whether the MQTT ingester really works: its two threads, its last message, restarts.

    state: ok | degraded (running, but restarted lately, stalled or not connected) | down
    (a thread dead, or no heartbeat) | stopped (shut down cleanly) | unknown (never
    reported) | not_configured (no mqtt.url).
    """

    state: str
    detail: str | None = None
    network_alive: bool | None = None
    writer_alive: bool | None = None
    connected: bool | None = None
    last_received_at: datetime | None = None
    last_stored_at: datetime | None = None
    queued: int | None = None
    restarts: int = 0
    last_restart_at: datetime | None = None
    heartbeat_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def stale_after_s(settings: Settings) -> float:
    """A heartbeat older than this means the ingester process is gone (three missed beats)."""
    return max(3 * settings.mqtt.supervise_s, 15.0)


def ingester_liveness(store: Store, settings: Settings, *, now: datetime) -> IngesterLiveness:
    """The ingester's liveness as its supervisor last reported it, judged against `now`."""
    if not settings.mqtt.url:
        return IngesterLiveness("not_configured")
    row = get_status(store, INGESTER)
    if row is None:
        return IngesterLiveness("unknown", "bộ thu MQTT chưa báo trạng thái")
    data = row.data or {}
    state, detail = row.state, row.detail
    beat = row.updated_at
    late = beat is not None and now - beat > timedelta(seconds=stale_after_s(settings))
    if late and state not in ("stopped", "unknown"):
        state = "down"
        detail = f"bộ thu MQTT không còn báo nhịp từ {fmt.moment(beat)}"
    return IngesterLiveness(
        state=state,
        detail=detail,
        network_alive=data.get("network"),
        writer_alive=data.get("writer"),
        connected=data.get("connected"),
        last_received_at=parse_datetime(data.get("lastReceivedAt")),
        last_stored_at=parse_datetime(data.get("lastStoredAt")),
        queued=data.get("queued"),
        restarts=int(data.get("restarts") or 0),
        last_restart_at=parse_datetime(data.get("lastRestartAt")),
        heartbeat_at=beat,
    )
