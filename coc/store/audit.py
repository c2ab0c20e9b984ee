"""Audit log: who changed what, when, old value and new value."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from coc.store.models import AuditLog


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_key: str,
    old: Any = None,
    new: Any = None,
    detail: str | None = None,
) -> None:
    session.add(
        AuditLog(
            actor=actor,
            action=action,
            entity=entity,
            entity_key=entity_key,
            old_value=_text(old),
            new_value=_text(new),
            detail=detail,
        )
    )


def recent(session: Session, limit: int = 200) -> list[AuditLog]:
    return list(session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)))
