"""Field-report measures for the catalog (PA_* indicators) and the row conditions they
count, which the screens and `month_summary` (coc.fieldreports.queries) count too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from coc.indicators.context import MeasureContext, MeasureFn
from coc.store.models import FieldReport

OPEN = ("moi", "da_tiep_nhan", "dang_xu_ly")  # the deadline runs


def counted() -> Any:
    """Reports that count: not waiting in moderation, not refused as spam."""
    spam = (FieldReport.state == "tu_choi") & FieldReport.moderation_reason.is_not(None)
    return (FieldReport.state != "cho_kiem_duyet") & ~spam


def on_time() -> Any:
    return FieldReport.handled_at.is_not(None) & (FieldReport.handled_at <= FieldReport.deadline)


def overdue(now: datetime) -> Any:
    """Handled after the deadline, or still open past it (judged against now)."""
    late_done = FieldReport.handled_at.is_not(None) & (
        FieldReport.handled_at > FieldReport.deadline
    )
    late_open = (
        FieldReport.handled_at.is_(None)
        & FieldReport.state.in_(OPEN)
        & (FieldReport.deadline < now)
    )
    return late_done | late_open


def _count(ctx: MeasureContext, column: Any, *conditions: Any) -> float:
    stmt = (
        select(func.count())
        .select_from(FieldReport)
        .where(
            FieldReport.org_unit == ctx.org_unit,
            column >= ctx.period.start_utc,
            column < ctx.period.end_utc,
            counted(),
            *conditions,
        )
    )
    return float(ctx.session.scalar(stmt) or 0)


MEASURES: dict[str, MeasureFn] = {
    "fieldreports_received": lambda ctx: _count(ctx, FieldReport.received_at),
    "fieldreports_overdue": lambda ctx: _count(
        ctx, FieldReport.received_at, overdue(min(ctx.now, ctx.period.end_utc))
    ),
    "fieldreports_handled": lambda ctx: _count(ctx, FieldReport.handled_at),
    "fieldreports_handled_on_time": lambda ctx: _count(ctx, FieldReport.handled_at, on_time()),
}
