"""Remove what the pulled sources brought for one org unit, so a sample commune can be
rebuilt for another day without leaving the old day's records behind (`coc demo`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_

from coc.store.db import Store
from coc.store.models import (
    ConnectorCursor,
    DataValue,
    Document,
    Dossier,
    HeldValue,
    ValidationFlag,
    WorkFile,
)

PULLED = ("reporting", "computed")  # data value sources a pull (and its refresh) writes


def clear_pulled(store: Store, org_unit: str, connectors: Iterable[str]) -> dict[str, int]:
    """Delete the org unit's documents, work files, dossiers, pulled and computed values,
    validation flags and the connectors' cursors; values people entered are kept.
    Returns the rows deleted per table."""
    out: dict[str, int] = {}
    with store.write_conn() as conn:
        for model in (Document, WorkFile, Dossier, HeldValue, ValidationFlag):
            table = model.__table__  # type: ignore[attr-defined]
            out[table.name] = conn.execute(
                delete(table).where(table.c.org_unit == org_unit)
            ).rowcount
        values = DataValue.__table__  # type: ignore[attr-defined]
        out["data_value"] = conn.execute(
            delete(values).where(values.c.org_unit == org_unit, values.c.source.in_(PULLED))
        ).rowcount
        cursors = ConnectorCursor.__table__  # type: ignore[attr-defined]
        names = list(connectors)  # a stream's cursor is "<source>:<stream>"
        match = or_(
            cursors.c.connector.in_(names), *(cursors.c.connector.like(f"{n}:%") for n in names)
        )
        out["connector_cursor"] = conn.execute(delete(cursors).where(match)).rowcount
    return out
