"""Built-in measures over stored facts: documents, work files and devices.

The TTHC (Decision 766) measures live in `coc.indicators.tthc`.
"""

from __future__ import annotations

from sqlalchemy import func, select

from coc.indicators import tthc  # noqa: F401  (registers the Decision 766 measures)
from coc.indicators.measures import MeasureContext, measure
from coc.store.models import Device, Document, WorkFile
from coc.store.types import UTCDateTime

# A document counts in the period the commune handled it: incoming ones by the day they
# arrived (received_date), outgoing ones by their issue date.
handled_day = func.coalesce(Document.received_date, Document.issued_date, type_=UTCDateTime())


def _count(ctx: MeasureContext, *conditions: object) -> float:
    stmt = (
        select(func.count())
        .select_from(Document)
        .where(
            Document.org_unit == ctx.org_unit,
            handled_day >= ctx.period.start_utc,
            handled_day < ctx.period.end_utc,
            Document.status != "cancelled",
            *conditions,
        )
    )
    return float(ctx.session.scalar(stmt) or 0)


@measure("docs_out")
def docs_out(ctx: MeasureContext) -> float:
    return _count(ctx, Document.direction == "out")


@measure("docs_out_signed")
def docs_out_signed(ctx: MeasureContext) -> float:
    return _count(ctx, Document.direction == "out", Document.signed.is_(True))


@measure("docs_all")
def docs_all(ctx: MeasureContext) -> float:
    return _count(ctx)


@measure("docs_electronic")
def docs_electronic(ctx: MeasureContext) -> float:
    return _count(ctx, Document.electronic.is_(True))


@measure("docs_in_with_deadline")
def docs_in_with_deadline(ctx: MeasureContext) -> float:
    return _count(ctx, Document.direction == "in", Document.deadline.is_not(None))


@measure("docs_in_overdue")
def docs_in_overdue(ctx: MeasureContext) -> float:
    """Incoming documents past their deadline: finished late, or still open after it.

    "Open" means no completed_date; an open document is judged against now.
    """
    now = ctx.now
    late_done = (Document.completed_date.is_not(None)) & (
        Document.completed_date > Document.deadline
    )
    late_open = (Document.completed_date.is_(None)) & (Document.deadline < now)
    return _count(
        ctx, Document.direction == "in", Document.deadline.is_not(None), late_done | late_open
    )


def _work_files(ctx: MeasureContext, *conditions: object) -> float:
    stmt = (
        select(func.count())
        .select_from(WorkFile)
        .where(
            WorkFile.org_unit == ctx.org_unit,
            WorkFile.opened_date >= ctx.period.start_utc,
            WorkFile.opened_date < ctx.period.end_utc,
            *conditions,
        )
    )
    return float(ctx.session.scalar(stmt) or 0)


@measure("work_files")
def work_files(ctx: MeasureContext) -> float:
    return _work_files(ctx)


@measure("work_files_online")
def work_files_online(ctx: MeasureContext) -> float:
    return _work_files(ctx, WorkFile.online.is_(True))


def _devices(ctx: MeasureContext, kind: str, active_only: bool) -> float:
    stmt = (
        select(func.count())
        .select_from(Device)
        .where(
            Device.org_unit == ctx.org_unit, Device.kind == kind, Device.registration == "config"
        )
    )
    if active_only:
        stmt = stmt.where(Device.online.is_(True))
    return float(ctx.session.scalar(stmt) or 0)


@measure("cameras")
def cameras(ctx: MeasureContext) -> float:
    return _devices(ctx, "camera", False)


@measure("cameras_online")
def cameras_online(ctx: MeasureContext) -> float:
    return _devices(ctx, "camera", True)


@measure("speakers")
def speakers(ctx: MeasureContext) -> float:
    return _devices(ctx, "speaker", False)


@measure("speakers_online")
def speakers_online(ctx: MeasureContext) -> float:
    return _devices(ctx, "speaker", True)
