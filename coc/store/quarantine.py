"""Quarantine: bad records are kept with their raw payload and the reason, never dropped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.engine import Connection
from sqlmodel import Session

from coc.store.db import Store
from coc.store.models import AuditLog, Quarantine
from coc.timeutil import utcnow


def raw_text(payload: Any) -> str:
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="backslashreplace")
    if isinstance(payload, str):
        return payload
    return json.dumps(payload, ensure_ascii=False, default=str)


def quarantine_row(source: str, payload: Any, reason: str, context: str | None = None) -> dict:
    """A quarantine row for Core bulk inserts (ingest paths that batch writes)."""
    return {
        "source": source,
        "raw": raw_text(payload),
        "reason": reason,
        "context": context,
        "received_at": utcnow(),
        "status": "open",
    }


def add(
    session: Session, source: str, payload: Any, reason: str, context: str | None = None
) -> Quarantine:
    item = Quarantine(**quarantine_row(source, payload, reason, context))
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
    store: Store, source: str | None = None, *, resolved: bool = False, limit: int = 100
) -> list[Item]:
    """Quarantined records, newest first: the open ones (or all with `resolved`), of one
    source or all. `coc quarantine list` and the review page show this."""
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
    """Insert quarantine rows, skipping payloads already held from the same source.

    Pulling an overlapping page again, a resent push or re-importing the same file must
    change nothing, so a raw payload is kept once per source (whatever its resolution).
    Returns how many rows were new.
    """
    if not rows:
        return 0
    wanted = list({(r["source"], r["raw"]) for r in rows})
    held: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), 400):
        cond = tuple_(Quarantine.source, Quarantine.raw).in_(wanted[start : start + 400])
        held.update(
            (a, b) for a, b in conn.execute(select(Quarantine.source, Quarantine.raw).where(cond))
        )
    fresh, seen = [], set()
    for row in rows:
        key = (row["source"], row["raw"])
        if key in held or key in seen:
            continue
        seen.add(key)
        fresh.append(row)
    if fresh:
        conn.execute(Quarantine.__table__.insert(), fresh)
    return len(fresh)
