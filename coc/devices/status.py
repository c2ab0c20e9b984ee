"""Derived device status: status messages, last wills, telemetry and inactivity timeouts.

Status is never edited by hand; every change is a DeviceEvent so uptime can be computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection

from coc.ingest.messages import ONLINE_STATES, StatusUpdate
from coc.store.db import Store
from coc.store.models import Device, DeviceEvent
from coc.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class StatusChange:
    device_id: str
    kind: str
    previous: str
    state: str
    online: bool
    at: datetime
    reason: str


def ms_to_dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _current(conn: Connection, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    ids = list(ids)
    if not ids:
        return {}
    stmt = select(
        Device.device_id,
        Device.kind,
        Device.state,
        Device.online,
        Device.last_seen,
        Device.state_since,
    ).where(Device.device_id.in_(ids))
    return {r.device_id: dict(r._mapping) for r in conn.execute(stmt)}


def _record(conn: Connection, changes: list[StatusChange]) -> None:
    if not changes:
        return
    conn.execute(
        DeviceEvent.__table__.insert(),
        [
            {
                "device_id": c.device_id,
                "ts": c.at,
                "state": c.state,
                "previous": c.previous,
                "online": c.online,
                "reason": c.reason,
            }
            for c in changes
        ],
    )
    conn.execute(
        update(Device)
        .where(Device.device_id == bindparam("b_id"))
        .values(
            state=bindparam("b_state"), online=bindparam("b_online"), state_since=bindparam("b_at")
        ),
        [
            {"b_id": c.device_id, "b_state": c.state, "b_online": c.online, "b_at": c.at}
            for c in changes
        ],
    )


def register_pending(conn: Connection, pending: Mapping[str, str], org_unit: str) -> None:
    """Unknown devices seen while auto-registration is on are added as 'pending'."""
    if not pending:
        return
    known = _current(conn, pending)
    rows = [
        {
            "device_id": device_id,
            "org_unit": org_unit,
            "kind": kind,
            "name": device_id,
            "registration": "pending",
            "state": "unknown",
            "online": False,
            "updated_at": utcnow(),
        }
        for device_id, kind in pending.items()
        if device_id not in known
    ]
    if rows:
        conn.execute(Device.__table__.insert(), rows)


def mark_seen(conn: Connection, seen: Mapping[str, int]) -> list[StatusChange]:
    """Telemetry proves a device is reachable: update last_seen, bring it back online."""
    if not seen:
        return []
    current = _current(conn, seen)
    changes: list[StatusChange] = []
    params = []
    for device_id, ms in seen.items():
        row = current.get(device_id)
        if row is None:
            continue
        at = ms_to_dt(ms)
        if row["last_seen"] is None or as_utc(row["last_seen"]) < at:
            params.append({"b_id": device_id, "b_seen": at})
        if row["state"] in ("offline", "unknown"):
            changes.append(
                StatusChange(device_id, row["kind"], row["state"], "online", True, at, "telemetry")
            )
    if params:
        conn.execute(
            update(Device)
            .where(Device.device_id == bindparam("b_id"))
            .values(last_seen=bindparam("b_seen")),
            params,
        )
    _record(conn, changes)
    return changes


def apply_status(conn: Connection, statuses: Iterable[StatusUpdate]) -> list[StatusChange]:
    """Apply status messages in time order; a message older than the state is ignored."""
    statuses = sorted(statuses, key=lambda s: s.ts)
    if not statuses:
        return []
    current = _current(conn, {s.device_id for s in statuses})
    changes: list[StatusChange] = []
    for s in statuses:
        row = current.get(s.device_id)
        if row is None:
            continue
        at = ms_to_dt(s.ts)
        since = row["state_since"]
        if since is not None and as_utc(since) > at:
            continue
        online = s.state in ONLINE_STATES
        if online:
            conn.execute(update(Device).where(Device.device_id == s.device_id).values(last_seen=at))
        if s.state != row["state"]:
            change = StatusChange(
                s.device_id, row["kind"], row["state"], s.state, online, at, s.reason
            )
            changes.append(change)
            row.update(state=s.state, online=online, state_since=at)
    _record(conn, changes)
    return changes


def check_timeouts(
    store: Store, default_timeouts: Mapping[str, int], now: datetime | None = None
) -> list[StatusChange]:
    """Devices silent longer than their inactivity timeout are marked offline."""
    now = now or utcnow()
    with store.write_conn() as conn:
        rows = conn.execute(
            select(
                Device.device_id,
                Device.kind,
                Device.state,
                Device.last_seen,
                Device.inactivity_timeout_s,
            ).where(Device.online.is_(True))
        ).all()
        changes = []
        for r in rows:
            timeout = r.inactivity_timeout_s or default_timeouts.get(r.kind, 900)
            if r.last_seen is None or (now - as_utc(r.last_seen)).total_seconds() > timeout:
                changes.append(
                    StatusChange(r.device_id, r.kind, r.state, "offline", False, now, "timeout")
                )
        _record(conn, changes)
    return changes
