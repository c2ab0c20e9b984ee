"""Field-report measures for the catalog (PA_* indicators) and the row conditions they
count, which the screens and `month_summary` (coc.fieldreports.queries) count too.

Each measure also comes broken down (`BREAKDOWNS`) by the report's category (dimension
`linh_vuc`, option = the category key) and hamlet (`thon`, option = `hamlet_code` of the
name): counts only, so the upward feed carries aggregates and never a report."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from coc.indicators.context import BreakdownFn, MeasureContext, MeasureFn
from coc.store.models import FieldReport

OPEN = ("moi", "da_tiep_nhan", "dang_xu_ly")  # the deadline runs
NO_HAMLET = "khong_ro"


def hamlet_code(name: str | None) -> str:
    """A hamlet's code in the feed's disaggregation: its name folded to ASCII, without
    the word "thôn", e.g. "Thôn Kỳ Dương" → "ky_duong"; no hamlet → "khong_ro"."""
    text = unicodedata.normalize("NFD", (name or "").replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.findall(r"[a-z0-9]+", text)
    if len(words) > 1 and words[0] in ("thon", "xom", "ap", "ban", "buon", "lang"):
        words = words[1:]
    return "_".join(words)[:24] or NO_HAMLET


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


def _where(ctx: MeasureContext, column: Any, conditions: tuple[Any, ...]) -> tuple[Any, ...]:
    return (
        FieldReport.org_unit == ctx.org_unit,
        column >= ctx.period.start_utc,
        column < ctx.period.end_utc,
        counted(),
        *conditions,
    )


def _count(ctx: MeasureContext, column: Any, *conditions: Any) -> float:
    stmt = select(func.count()).select_from(FieldReport).where(*_where(ctx, column, conditions))
    return float(ctx.session.scalar(stmt) or 0)


# dimension → (the column grouped on, its value → option code)
DIMENSIONS: dict[str, tuple[Any, Any]] = {
    "linh_vuc": (FieldReport.category, str),
    "thon": (FieldReport.hamlet, hamlet_code),
}


def _count_by(ctx: MeasureContext, dimension: str, column: Any, *conditions: Any) -> dict:
    group, code = DIMENSIONS[dimension]
    stmt = select(group, func.count()).where(*_where(ctx, column, conditions)).group_by(group)
    out: dict[str, float] = {}
    for value, n in ctx.session.execute(stmt):
        option = code(value)
        out[option] = out.get(option, 0.0) + float(n)
    return out


def _overdue(ctx: MeasureContext) -> Any:
    return overdue(min(ctx.now, ctx.period.end_utc))


MEASURES: dict[str, MeasureFn] = {
    "fieldreports_received": lambda ctx: _count(ctx, FieldReport.received_at),
    "fieldreports_overdue": lambda ctx: _count(ctx, FieldReport.received_at, _overdue(ctx)),
    "fieldreports_handled": lambda ctx: _count(ctx, FieldReport.handled_at),
    "fieldreports_handled_on_time": lambda ctx: _count(ctx, FieldReport.handled_at, on_time()),
}

BREAKDOWNS: dict[str, BreakdownFn] = {
    "fieldreports_received": lambda ctx, d: _count_by(ctx, d, FieldReport.received_at),
    "fieldreports_overdue": lambda ctx, d: _count_by(
        ctx, d, FieldReport.received_at, _overdue(ctx)
    ),
    "fieldreports_handled": lambda ctx, d: _count_by(ctx, d, FieldReport.handled_at),
    "fieldreports_handled_on_time": lambda ctx, d: _count_by(
        ctx, d, FieldReport.handled_at, on_time()
    ),
}
