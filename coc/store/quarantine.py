"""Quarantine: bad records are kept with their raw payload and the reason, never dropped."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

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


def list_open(session: Session, source: str | None = None, limit: int = 100) -> list[Quarantine]:
    stmt = select(Quarantine).where(Quarantine.status == "open")
    if source:
        stmt = stmt.where(Quarantine.source == source)
    stmt = stmt.order_by(Quarantine.id.desc()).limit(limit)
    return list(session.scalars(stmt))


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
