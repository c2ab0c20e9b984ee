"""What a measure is: a named number computed from stored facts for one org unit and period.

Formulas in the catalog refer to measures as `measure:<name>`. A measure returns a number,
or None when it cannot be computed (no facts), which the engine keeps distinct from zero.
The modules that define measures (`facts`, `tthc`) import only this; the registry that
names them all is `coc.indicators.measures`. A measure may also come broken down by a
dimension (`BreakdownFn`): the same count per category option, for disaggregated values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from coc.periods import Period
from coc.timeutil import as_utc


@dataclass(frozen=True)
class MeasureContext:
    session: Session
    org_unit: str
    period: Period
    now: datetime  # "now" for judging open dossiers; fixed in tests

    @property
    def as_of(self) -> datetime:
        """The moment open dossiers and documents are judged at: the end of the period,
        or now while the period is in progress, so a past period's value depends only on
        the records, never on when it is computed (Decision 766: "chưa có trạng thái hoàn
        thành → lấy ngày cuối kỳ báo cáo")."""
        return min(as_utc(self.now), self.period.end_utc)


MeasureFn = Callable[[MeasureContext], float | None]
# A measure broken down by a dimension (e.g. a report's category or hamlet): option code →
# number, for the options that have any; the engine serves them as disaggregated values.
BreakdownFn = Callable[[MeasureContext, str], dict[str, float]]
