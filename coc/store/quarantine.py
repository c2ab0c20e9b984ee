"""Quarantine: bad records are kept with their raw payload and the reason, never dropped.

Each row carries a dedupe key that names the message, not just its payload: the record's
key (a connector record's natural key, an imported file and row, an MQTT topic and packet
id) plus the payload, plus for MQTT the moment it arrived. Pulling the same page again or
re-importing the same file adds nothing; the same bad payload from another device, or from
the same device later, is a second row. A QoS-1 redelivery (MQTT DUP flag) of a message
already held matches it by `message_key` and adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.engine import Connection
from sqlmodel import Session

from coc.scope import Scope
from coc.store.db import Store
from coc.store.models import AuditLog, Quarantine

# the rows themselves are built without SQL (the MQTT writer builds them before the ORM loads)
from coc.store.quarantine_rows import dedupe_key as dedupe_key
from coc.store.quarantine_rows import quarantine_row as quarantine_row
from coc.store.quarantine_rows import raw_text as raw_text
from coc.timeutil import utcnow


def open_keys(conn: Connection, source: str, keys: set[str]) -> set[str]:
    """Which of these dedupe keys the source holds open (not yet handled by a clerk)."""
    held: set[str] = set()
    wanted = sorted(keys)
    for start in range(0, len(wanted), 400):
        stmt = select(Quarantine.dedupe_key).where(
            Quarantine.source == source,
            Quarantine.dedupe_key.in_(wanted[start : start + 400]),
            Quarantine.status == "open",
        )
        held.update(conn.execute(stmt).scalars())
    return held


def add(
    session: Session,
    source: str,
    payload: Any,
    reason: str,
    context: str | None = None,
    *,
    key: str,
) -> Quarantine:
    item = Quarantine(**quarantine_row(source, payload, reason, context, key=key))
    session.add(item)
    return item


@dataclass(frozen=True)
class Item:
    """One quarantined record as a clerk reviews it."""

    id: int
    source: str
    status: str  # open | accepted | rejected
    reason: str
    context: str | None
    raw: str
    received_at: datetime | None


def listing(
    store: Store,
    source: str | None = None,
    *,
    resolved: bool = False,
    limit: int = 100,
    scope: Scope | None = None,
) -> list[Item]:
    """Quarantined records, newest first: the open ones (or all with `resolved`), of one
    source or all. `coc quarantine list` and the review page show this. A record names no
    org unit, so a person bound to some org units only (`scope`) sees none."""
    if scope is not None and scope.restricted:
        return []
    stmt = select(Quarantine)
    if not resolved:
        stmt = stmt.where(Quarantine.status == "open")
    if source:
        stmt = stmt.where(Quarantine.source == source)
    stmt = stmt.order_by(Quarantine.id.desc()).limit(limit)
    with store.session() as session:
        return [
            Item(int(q.id or 0), q.source, q.status, q.reason, q.context, q.raw, q.received_at)
            for q in session.scalars(stmt)
        ]


def count_open(session: Session) -> int:
    stmt = select(func.count()).select_from(Quarantine).where(Quarantine.status == "open")
    return int(session.scalar(stmt) or 0)


def resolve(
    session: Session, item_id: int, status: str, actor: str, note: str | None = None
) -> Quarantine:
    """Mark an item accepted or rejected; the decision goes to the audit log."""
    if status not in ("accepted", "rejected"):
        raise ValueError("trạng thái phải là 'accepted' hoặc 'rejected'")
    item = session.get(Quarantine, item_id)
    if item is None:
        raise LookupError(f"không có bản ghi cách ly số {item_id}")
    old = item.status
    item.status, item.resolved_by, item.resolved_at = status, actor, utcnow()
    session.add(
        AuditLog(
            actor=actor,
            action=status[:-2] if status.endswith("ed") else status,
            entity="quarantine",
            entity_key=str(item_id),
            old_value=old,
            new_value=status,
            detail=note,
        )
    )
    return item


def insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert quarantine rows (from `quarantine_row`), skipping messages already held.

    A row is held when its source already has its dedupe key, or, for a redelivery, its
    message key. Returns how many rows were new.
    """
    if not rows:
        return 0
    held = _held(conn, Quarantine.dedupe_key, {(r["source"], r["dedupe_key"]) for r in rows})
    again = {(r["source"], r["message_key"]) for r in rows if r.get("redelivered")}
    held_messages = _held(conn, Quarantine.message_key, again) if again else set()
    fresh, seen, seen_messages = [], set(), set()
    for row in rows:
        key = (row["source"], row["dedupe_key"])
        message = (row["source"], row["message_key"])
        if key in held or key in seen:
            continue
        if row.get("redelivered") and (message in held_messages or message in seen_messages):
            continue
        seen.add(key)
        seen_messages.add(message)
        fresh.append({k: v for k, v in row.items() if k != "redelivered"})
    if fresh:
        conn.execute(Quarantine.__table__.insert(), fresh)
    return len(fresh)


def _held(conn: Connection, column: Any, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (source, key) pairs the table already holds, asked 400 at a time."""
    pairs = list(wanted)
    held: set[tuple[str, str]] = set()
    for start in range(0, len(pairs), 400):
        cond = tuple_(Quarantine.source, column).in_(pairs[start : start + 400])
        held.update((a, b) for a, b in conn.execute(select(Quarantine.source, column).where(cond)))
    return held
