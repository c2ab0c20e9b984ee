"""Derived device status: status messages, last wills, telemetry and inactivity timeouts.

Status is never edited by hand; every change is a DeviceEvent so uptime can be computed.
The statements are plain SQL (`coc.store.lite.Sql`): the MQTT writer runs them without the
ORM, and every other caller hands in its SQLAlchemy connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from coc.ingest.messages import ONLINE_STATES, StatusUpdate
from coc.store.lite import Sql, sql_of
from coc.timeutil import utcnow

if TYPE_CHECKING:
    from coc.store.db import Store

_COLUMNS = ("device_id", "kind", "state", "online", "last_seen", "state_since")


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


def _current(sql: Sql, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    found = sql.rows_in(
        f"SELECT {', '.join(_COLUMNS)} FROM device WHERE device_id IN ({{ids}})", ids
    )
    current = {}
    for row in found:
        item = dict(zip(_COLUMNS, row, strict=True))
        item["online"] = bool(item["online"])
        item["last_seen"] = sql.read_time(item["last_seen"])
        item["state_since"] = sql.read_time(item["state_since"])
        current[item["device_id"]] = item
    return current


def _record(sql: Sql, changes: list[StatusChange]) -> None:
    if not changes:
        return
    sql.many(
        "INSERT INTO device_event (device_id, ts, state, previous, online, reason) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (c.device_id, sql.time(c.at), c.state, c.previous, sql.flag(c.online), c.reason)
            for c in changes
        ],
    )
    sql.many(
        "UPDATE device SET state = ?, online = ?, state_since = ?, updated_at = ? "
        "WHERE device_id = ?",
        [
            (c.state, sql.flag(c.online), sql.time(c.at), sql.time(utcnow()), c.device_id)
            for c in changes
        ],
    )


def register_pending(conn: Any, pending: Mapping[str, str], org_unit: str) -> None:
    """Unknown devices seen while auto-registration is on are added as 'pending'."""
    if not pending:
        return
    sql = sql_of(conn)
    known = _current(sql, pending)
    now = sql.time(utcnow())
    sql.many(
        "INSERT INTO device (device_id, org_unit, kind, name, registration, state, online, "
        "updated_at) VALUES (?, ?, ?, ?, 'pending', 'unknown', ?, ?)",
        [
            (device_id, org_unit, kind, device_id, sql.flag(False), now)
            for device_id, kind in pending.items()
            if device_id not in known
        ],
    )


def mark_seen(conn: Any, seen: Mapping[str, int]) -> list[StatusChange]:
    """Telemetry proves a device is reachable: update last_seen, bring it back online."""
    if not seen:
        return []
    sql = sql_of(conn)
    current = _current(sql, seen)
    changes: list[StatusChange] = []
    params = []
    now = sql.time(utcnow())
    for device_id, ms in seen.items():
        row = current.get(device_id)
        if row is None:
            continue
        at = ms_to_dt(ms)
        if row["last_seen"] is None or row["last_seen"] < at:
            params.append((sql.time(at), now, device_id))
        if row["state"] in ("offline", "unknown"):
            changes.append(
                StatusChange(device_id, row["kind"], row["state"], "online", True, at, "telemetry")
            )
    _set_last_seen(sql, params)
    _record(sql, changes)
    return changes


SEEN_CHUNK = 400  # devices per statement on SQLite (3 parameters each)


def _set_last_seen(sql: Sql, params: list[tuple[Any, Any, str]]) -> None:
    """(last_seen, updated_at, device_id) rows. On SQLite one `UPDATE … FROM` a few
    hundred devices at a time: every statement step hands the GIL over, and a batch from
    500 devices was 500 steps (15 % of the ingester's writer). PostgreSQL: executemany."""
    if sql.dialect != "sqlite":
        sql.many("UPDATE device SET last_seen = ?, updated_at = ? WHERE device_id = ?", params)
        return
    for start in range(0, len(params), SEEN_CHUNK):
        part = params[start : start + SEEN_CHUNK]
        rows = " UNION ALL ".join(["SELECT ? AS seen, ? AS at, ? AS id"] * len(part))
        sql.run(
            f"UPDATE device SET last_seen = v.seen, updated_at = v.at FROM ({rows}) AS v "
            "WHERE device.device_id = v.id",
            [value for row in part for value in row],
        )


def apply_status(conn: Any, statuses: Iterable[StatusUpdate]) -> list[StatusChange]:
    """Apply status messages in time order; a message older than the state is ignored."""
    statuses = sorted(statuses, key=lambda s: s.ts)
    if not statuses:
        return []
    sql = sql_of(conn)
    current = _current(sql, {s.device_id for s in statuses})
    changes: list[StatusChange] = []
    for s in statuses:
        row = current.get(s.device_id)
        if row is None:
            continue
        at = ms_to_dt(s.ts)
        since = row["state_since"]
        if since is not None and since > at:
            continue
        online = s.state in ONLINE_STATES
        if online:
            sql.run(
                "UPDATE device SET last_seen = ?, updated_at = ? WHERE device_id = ?",
                (sql.time(at), sql.time(utcnow()), s.device_id),
            )
        if s.state != row["state"]:
            change = StatusChange(
                s.device_id, row["kind"], row["state"], s.state, online, at, s.reason
            )
            changes.append(change)
            row.update(state=s.state, online=online, state_since=at)
    _record(sql, changes)
    return changes


def check_timeouts(
    store: Store, default_timeouts: Mapping[str, int], now: datetime | None = None
) -> list[StatusChange]:
    """Devices silent longer than their inactivity timeout are marked offline."""
    now = now or utcnow()
    with store.write_conn() as conn:
        sql = sql_of(conn)
        rows = sql.rows(
            "SELECT device_id, kind, state, last_seen, inactivity_timeout_s FROM device "
            "WHERE online = ?",
            (sql.flag(True),),
        )
        changes = []
        for device_id, kind, state, last_seen, timeout_s in rows:
            timeout = timeout_s or default_timeouts.get(kind, 900)
            seen = sql.read_time(last_seen)
            if seen is None or (now - seen).total_seconds() > timeout:
                changes.append(
                    StatusChange(device_id, kind, state, "offline", False, now, "timeout")
                )
        _record(sql, changes)
    return changes
