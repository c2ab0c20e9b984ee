"""Change stamps of tables that read-side caches key on: a stamp changes whenever a row
is written, so a memoised page result is reused exactly until the data behind it moves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from coc.store.models import DataValue, DeviceEvent, Dossier, Target, ValidationFlag


def values_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever a data value, target or validation flag is written: newest stamps
    and row counts."""
    dv = session.execute(select(func.max(DataValue.last_updated), func.count(DataValue.id))).one()
    tg = session.execute(select(func.max(Target.updated_at), func.count(Target.id))).one()
    vf = session.execute(
        select(
            func.count(ValidationFlag.id),
            func.max(ValidationFlag.opened_at),
            func.max(ValidationFlag.resolved_at),
        )
    ).one()
    return (*dv, *tg, *vf)


def dossiers_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever a dossier is added or changed (upserts touch updated_at)."""
    return tuple(
        session.execute(select(func.count(Dossier.id), func.max(Dossier.updated_at))).one()
    )


def events_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever a device state-change event is written."""
    return tuple(
        session.execute(select(func.count(DeviceEvent.id), func.max(DeviceEvent.id))).one()
    )
