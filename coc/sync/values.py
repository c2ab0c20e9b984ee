"""Data values on the wire (DHIS2 dataValueSets shape) and the keyset page query both the
feed and the push job use, so a pulled page and a pushed page carry the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlmodel import Session

from coc.store.models import DataValue, HeldValue
from coc.timeutil import as_utc, iso_utc

STANDARD_FIELDS = ("dataElement", "period", "orgUnit", "value")


@dataclass(frozen=True)
class Position:
    """A keyset position in (last_updated, id) order: the last row of the previous page."""

    last_updated: datetime
    id: int


def number_text(value: float | None) -> str:
    """DHIS2 values are strings: 12.0 → "12", 97.5 → "97.5", None → ""."""
    if value is None:
        return ""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def to_wire(dv: DataValue, standard_only: bool = False) -> dict[str, Any]:
    """One stored value as a dataValue; `standard_only` for a generic DHIS2 endpoint."""
    out: dict[str, Any] = {
        "dataElement": dv.indicator_code,
        "period": dv.period,
        "orgUnit": dv.org_unit,
        "value": number_text(dv.value),
    }
    add_dhis2_fields(out, dv)
    if standard_only:
        if dv.deleted:
            out["deleted"] = True
        return out
    if dv.numerator is not None:
        out["numerator"] = number_text(dv.numerator)
    if dv.denominator is not None:
        out["denominator"] = number_text(dv.denominator)
    out["lastUpdated"] = iso_utc(dv.last_updated)
    out["deleted"] = bool(dv.deleted)
    return out


def add_dhis2_fields(out: dict[str, Any], dv: DataValue) -> None:
    """Combos, comment, follow-up and storedBy, each only when it says something (a
    default combo, no comment, no follow-up are left out, as DHIS2 clients expect)."""
    if dv.category_option_combo:
        out["categoryOptionCombo"] = dv.category_option_combo
    if dv.attribute_option_combo:
        out["attributeOptionCombo"] = dv.attribute_option_combo
    if dv.comment:
        out["comment"] = dv.comment
    if dv.followup:
        out["followup"] = True
    if dv.stored_by:
        out["storedBy"] = dv.stored_by


def page(
    session: Session,
    *,
    since: datetime | None = None,
    before: datetime | None = None,
    after: Position | None = None,
    period: str | None = None,
    org_unit: str | None = None,
    limit: int = 1000,
) -> list[DataValue]:
    """Values with since ≤ last_updated < before, after `after`, in (last_updated, id) order.

    Keyset order is stable under concurrent writes: a value changed mid-read gets a newer
    last_updated and so appears again later, never skipped. Values held back by an open
    validation flag (`coc.indicators.validation`) are left out until it is resolved; the
    release touches their last_updated so they come after the watermark.
    """
    held = exists().where(
        HeldValue.org_unit == DataValue.org_unit,
        HeldValue.indicator_code == DataValue.indicator_code,
        HeldValue.period == DataValue.period,
    )
    stmt = select(DataValue).where(~held)
    if since is not None:
        stmt = stmt.where(DataValue.last_updated >= as_utc(since))
    if before is not None:
        stmt = stmt.where(DataValue.last_updated < as_utc(before))
    if after is not None:
        at = as_utc(after.last_updated)
        stmt = stmt.where(
            or_(
                DataValue.last_updated > at,
                and_(DataValue.last_updated == at, DataValue.id > after.id),
            )
        )
    if period:
        stmt = stmt.where(DataValue.period == period)
    if org_unit:
        stmt = stmt.where(DataValue.org_unit == org_unit)
    stmt = stmt.order_by(DataValue.last_updated, DataValue.id).limit(limit)
    return list(session.scalars(stmt))
