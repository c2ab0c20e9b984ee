"""Built-in measures over stored facts: documents, work files and devices.

Each measure is a named set of rows (SQL conditions over one table) and counts them; the
drill-down (`coc.indicators.drill`) lists the same sets, so a number and the rows behind it
can never disagree. The TTHC (Decision 766) measures live in `coc.indicators.tthc`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from coc.indicators.context import MeasureContext, MeasureFn
from coc.store.models import Device, Document, WorkFile
from coc.store.types import UTCDateTime

# A document counts in the period the commune handled it: incoming ones by the day they
# arrived (received_date), outgoing ones by their issue date.
handled_day = func.coalesce(Document.received_date, Document.issued_date, type_=UTCDateTime())

Conditions = Callable[[datetime], tuple[Any, ...]]  # as_of → SQL conditions


@dataclass(frozen=True)
class RowSet:
    """The rows one measure counts: a table, the scope of an org unit and period, and
    the measure's own conditions (which may depend on the moment judged at, `as_of`)."""

    table: Any
    conditions: Conditions

    def scope(self, ctx: MeasureContext) -> tuple[Any, ...]:
        if self.table is Document:
            return (
                Document.org_unit == ctx.org_unit,
                handled_day >= ctx.period.start_utc,
                handled_day < ctx.period.end_utc,
                Document.status != "cancelled",
            )
        if self.table is WorkFile:
            return (
                WorkFile.org_unit == ctx.org_unit,
                WorkFile.opened_date >= ctx.period.start_utc,
                WorkFile.opened_date < ctx.period.end_utc,
            )
        # devices are a snapshot: the org unit's configured devices, whatever the period
        return (Device.org_unit == ctx.org_unit, Device.registration == "config")

    def count(self, ctx: MeasureContext) -> float:
        stmt = (
            select(func.count())
            .select_from(self.table)
            .where(*self.scope(ctx), *self.conditions(ctx.as_of))
        )
        return float(ctx.session.scalar(stmt) or 0)


def overdue(as_of: datetime) -> Any:
    """An incoming document past its deadline as of `as_of` (the end of the period, or now
    while it is in progress): completed before `as_of` but after the deadline, or still
    open at `as_of` (not completed, or completed later) with the deadline passed. So a
    past period's count never changes with the day it is computed."""
    done = Document.completed_date.is_not(None) & (Document.completed_date < as_of)
    late_done = done & (Document.completed_date > Document.deadline)
    late_open = ~done & (Document.deadline < as_of)
    return late_done | late_open


IN, OUT = Document.direction == "in", Document.direction == "out"

ROW_SETS: dict[str, RowSet] = {
    "docs_out": RowSet(Document, lambda now: (OUT,)),
    "docs_out_signed": RowSet(Document, lambda now: (OUT, Document.signed.is_(True))),
    "docs_all": RowSet(Document, lambda now: ()),
    "docs_electronic": RowSet(Document, lambda now: (Document.electronic.is_(True),)),
    "docs_in_with_deadline": RowSet(Document, lambda now: (IN, Document.deadline.is_not(None))),
    "docs_in_overdue": RowSet(
        Document, lambda now: (IN, Document.deadline.is_not(None), overdue(now))
    ),
    "work_files": RowSet(WorkFile, lambda now: ()),
    "work_files_online": RowSet(WorkFile, lambda now: (WorkFile.online.is_(True),)),
    "cameras": RowSet(Device, lambda now: (Device.kind == "camera",)),
    "cameras_online": RowSet(
        Device, lambda now: (Device.kind == "camera", Device.online.is_(True))
    ),
    "speakers": RowSet(Device, lambda now: (Device.kind == "speaker",)),
    "speakers_online": RowSet(
        Device, lambda now: (Device.kind == "speaker", Device.online.is_(True))
    ),
}

MEASURES: dict[str, MeasureFn] = {name: rows.count for name, rows in ROW_SETS.items()}
