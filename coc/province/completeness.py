"""Reporting completeness as DHIS2 shows it: who has not reported a period yet, and each
commune's reporting rate and on-time reporting rate.

A commune that registers completeness (DHIS2's completeDataSetRegistrations, pushed or
pulled) has reported a period when it marked the period complete, on time when the
registration's date is no later than `timely_days` after the period ended (DHIS2's
"timely days"). A commune that has never registered anything falls back to its values: it
has reported a period when the province holds at least one live value of it (pushed or
pulled, not rolled up), on time when the first one arrived within `timely_days`.
Rates count only periods that have ended: a period still running is not yet expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from coc.approval.complete import registered
from coc.periods import parse_period
from coc.province.hierarchy import Hierarchy
from coc.province.rollup import ROLLUP
from coc.store.locks import approved_pairs
from coc.store.models import DataValue
from coc.timeutil import utcnow


@dataclass(frozen=True)
class PeriodReport:
    period: str
    reported: bool
    first_received: datetime | None
    on_time: bool
    values: int
    by: str = "values"  # what says it was reported: "registration" or "values"
    approved: bool = False  # the commune's approver approved the period


@dataclass(frozen=True)
class CommuneReporting:
    code: str
    name: str
    periods: tuple[PeriodReport, ...]
    expected: int  # periods that have ended
    reported: int  # of the expected
    on_time: int  # of the expected

    @property
    def rate(self) -> float | None:
        """Reporting rate %: reports received ÷ reports expected × 100."""
        return None if not self.expected else self.reported / self.expected * 100

    @property
    def on_time_rate(self) -> float | None:
        """Reporting rate on time %: reports on time ÷ reports expected × 100."""
        return None if not self.expected else self.on_time / self.expected * 100


def _firsts(
    session: Session, codes: list[str], periods: list[str]
) -> dict[tuple[str, str], tuple[datetime, int]]:
    stmt = (
        select(
            DataValue.org_unit,
            DataValue.period,
            func.min(DataValue.created_at),
            func.count(DataValue.id),
        )
        .where(
            DataValue.org_unit.in_(codes),
            DataValue.period.in_(periods),
            DataValue.deleted.is_(False),
            DataValue.source != ROLLUP,
        )
        .group_by(DataValue.org_unit, DataValue.period)
    )
    return {(ou, period): (first, count) for ou, period, first, count in session.execute(stmt)}


def reporting(
    session: Session,
    hierarchy: Hierarchy,
    periods: list[str],
    timely_days: int = 15,
    now: datetime | None = None,
) -> list[CommuneReporting]:
    """Each commune's reports for the periods, sorted by on-time rate, then rate, then code."""
    now = now or utcnow()
    parsed = [parse_period(p) for p in periods]
    codes, wanted = hierarchy.commune_codes(), [p.code for p in parsed]
    firsts = _firsts(session, codes, wanted)
    registering, dates = registered(session, codes, wanted)
    approved = approved_pairs(session, ((c, p) for c in codes for p in wanted))
    out = []
    for unit in hierarchy.communes:
        reports, expected, reported, on_time = [], 0, 0, 0
        by = "registration" if unit.code in registering else "values"
        for period in parsed:
            first, count = firsts.get((unit.code, period.code), (None, 0))
            if by == "registration":
                first = dates.get((unit.code, period.code))
            due = period.end_utc + timedelta(days=timely_days)
            timely = first is not None and first <= due
            reports.append(
                PeriodReport(
                    period.code,
                    first is not None,
                    first,
                    timely,
                    count,
                    by,
                    (unit.code, period.code) in approved,
                )
            )
            if period.end_utc <= now:
                expected += 1
                reported += first is not None
                on_time += timely
        out.append(
            CommuneReporting(unit.code, unit.name, tuple(reports), expected, reported, on_time)
        )
    out.sort(key=lambda r: (-(r.on_time_rate or 0), -(r.rate or 0), r.code))
    return out


def missing(session: Session, hierarchy: Hierarchy, period: str) -> list[tuple[str, str]]:
    """(code, name) of the communes that have not reported `period` yet."""
    rows = reporting(session, hierarchy, [period], now=parse_period(period).end_utc)
    return sorted((r.code, r.name) for r in rows if not r.periods[0].reported)
