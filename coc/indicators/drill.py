"""The rows behind an indicator: which dossiers, documents or devices pull it down.

Derived from the indicator's formula and the measures' own row sets, never restated: for a
higher-is-better ratio the rows in the denominator that miss the numerator, for a
lower-is-better ratio the rows the numerator counts, for a single measure its rows (or,
for satisfaction, the dossiers that lower it). Citizen names are masked unless the viewer
may see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, not_, select
from sqlmodel import Session

from coc.indicators import facts, tthc
from coc.indicators.catalog import IndicatorDef
from coc.indicators.context import MeasureContext
from coc.periods import parse_period
from coc.store.models import Device, Document, Dossier

Kind = Literal["dossier", "document", "device"]


@dataclass(frozen=True)
class DossierRow:
    code: str  # MaHoSo
    procedure: str
    applicant: str  # masked unless names may be shown
    received: datetime | None
    due: datetime | None
    finished: datetime | None
    channel: int | None  # KenhThucHien: 1 in person, 2 online, 3 post
    on_time: bool


@dataclass(frozen=True)
class DocumentRow:
    number: str
    summary: str
    issued: datetime | None
    deadline: datetime | None
    completed: datetime | None
    handler: str


@dataclass(frozen=True)
class DeviceRow:
    device_id: str
    name: str
    hamlet: str
    state: str
    last_seen: datetime | None


@dataclass(frozen=True)
class Behind:
    kind: Kind
    rows: list[Any]  # DossierRow | DocumentRow | DeviceRow
    masked: bool = False


def mask_name(name: str | None) -> str:
    """'Nguyễn Văn An' → 'N***** V** A*': initials stay so a clerk can still talk about it."""
    if not name:
        return ""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())


def selection(ind: IndicatorDef) -> tuple[str, str | None] | None:
    """(measure whose rows to list, measure whose rows to leave out), from the formula."""
    formula = ind.formula
    if formula.get("type") == "measure":
        return str(formula["name"]), None
    if formula.get("type") != "ratio":
        return None
    num, den = (str(formula.get(k, "")) for k in ("numerator", "denominator"))
    if not (num.startswith("measure:") and den.startswith("measure:")):
        return None
    num, den = num.removeprefix("measure:"), den.removeprefix("measure:")
    return (num, None) if ind.direction == "lower" else (den, num)


def _context(session: Session, org_unit: str, period: str, now: datetime) -> MeasureContext:
    return MeasureContext(session, org_unit, parse_period(period), now)


def dossiers(
    session: Session,
    include: str,
    exclude: str | None,
    org_unit: str,
    period: str,
    now: datetime,
    show_names: bool,
) -> Behind | None:
    """The period's dossiers `include` keeps and `exclude` does not (TTHC predicates)."""
    keep = tthc.drag_down(include) if exclude is None else tthc.PREDICATES.get(include)
    drop = tthc.PREDICATES.get(exclude) if exclude else None
    if keep is None or (exclude and drop is None):
        return None
    ctx = _context(session, org_unit, period, now)
    rows = [
        _dossier_row(d, f.on_time, show_names)
        for d, f in tthc.judged(ctx)
        if keep(f) and not (drop and drop(f))
    ]
    return Behind("dossier", rows, masked=not show_names)


def _dossier_row(d: Dossier, on_time: bool, show_names: bool) -> DossierRow:
    return DossierRow(
        code=d.MaHoSo,
        procedure=d.TenTTHC or d.MaTTHC or "",
        applicant=(d.ChuHoSo or "") if show_names else mask_name(d.ChuHoSo),
        received=d.NgayTiepNhan,
        due=d.NgayHenTra,
        finished=d.NgayKetThucXuLy,
        channel=d.KenhThucHien,
        on_time=on_time,
    )


def _fact_rows(
    session: Session, include: str, exclude: str | None, org_unit: str, period: str, now: datetime
) -> Behind | None:
    """Documents or devices in `include`'s row set and not in `exclude`'s (same table)."""
    rows = facts.ROW_SETS.get(include)
    other = facts.ROW_SETS.get(exclude) if exclude else None
    if rows is None or (exclude and (other is None or other.table is not rows.table)):
        return None
    if rows.table not in (Document, Device):
        return None  # work files have no list of their own
    ctx = _context(session, org_unit, period, now)
    where = [*rows.scope(ctx), *rows.conditions(ctx.as_of)]
    if other is not None:
        where.append(not_(and_(*other.conditions(ctx.as_of))))
    if rows.table is Document:
        stmt = select(Document).where(*where).order_by(Document.issued_date, Document.id)
        return Behind("document", [_document_row(d) for d in session.scalars(stmt)])
    stmt = select(Device).where(*where).order_by(Device.device_id)
    return Behind("device", [_device_row(d) for d in session.scalars(stmt)])


def _document_row(d: Document) -> DocumentRow:
    return DocumentRow(
        number="/".join(x for x in (d.number, d.symbol) if x),
        summary=d.summary or "",
        issued=d.issued_date,
        deadline=d.deadline,
        completed=d.completed_date,
        handler=d.handler or "",
    )


def _device_row(d: Device) -> DeviceRow:
    return DeviceRow(d.device_id, d.name, d.hamlet or "", d.state, d.last_seen)


def rows_of(
    session: Session,
    include: str,
    exclude: str | None,
    org_unit: str,
    period: str,
    now: datetime,
    show_names: bool = False,
) -> Behind | None:
    """The rows `include` counts and `exclude` does not, or None for other measures."""
    if include in tthc.MEASURES:
        return dossiers(session, include, exclude, org_unit, period, now, show_names)
    return _fact_rows(session, include, exclude, org_unit, period, now)


def rows_behind(
    session: Session,
    ind: IndicatorDef,
    org_unit: str,
    period: str,
    now: datetime,
    show_names: bool,
) -> Behind | None:
    """The rows behind `ind` for the period, or None when it has no stored facts to list."""
    chosen = selection(ind)
    if chosen is None:
        return None
    return rows_of(session, *chosen, org_unit, period, now, show_names)
