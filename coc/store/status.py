"""State of long-running services (MQTT ingester, scheduler) that `/api/v1/health` reports.

The service itself calls `set_status` when its state changes; health only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from coc.store.db import Store
from coc.store.models import ServiceStatus
from coc.store.upsert import upsert_rows
from coc.timeutil import utcnow

STATES = ("ok", "degraded", "down", "unknown")


@dataclass(frozen=True)
class Status:
    name: str
    state: str
    detail: str | None
    updated_at: datetime | None


def set_status(store: Store, name: str, state: str, detail: str | None = None) -> None:
    """Record a service's state (one of STATES) with a short detail; an upsert on `name`."""
    if state not in STATES:
        raise ValueError(f"unknown service state {state!r}; use one of {STATES}")
    row = {"name": name, "state": state, "detail": detail, "updated_at": utcnow()}
    with store.write_conn() as conn:
        upsert_rows(conn, ServiceStatus, [row], ["name"])


def get_status(store: Store, name: str) -> Status | None:
    with store.session() as session:
        row = session.get(ServiceStatus, name)
    if row is None:
        return None
    return Status(row.name, row.state, row.detail, row.updated_at)


def all_status(store: Store) -> list[Status]:
    with store.session() as session:
        rows = session.scalars(select(ServiceStatus).order_by(ServiceStatus.name)).all()
    return [Status(r.name, r.state, r.detail, r.updated_at) for r in rows]
