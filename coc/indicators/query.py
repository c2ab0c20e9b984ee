"""Read-side queries the dashboard and API share: indicator rows with completion and trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from coc.indicators.catalog import Catalog, IndicatorDef
from coc.indicators.engine import band, completion
from coc.periods import Period, months_between, parse_period
from coc.store.models import DataValue, Target
from coc.store.values import default_combos
from coc.timeutil import as_utc


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    pillar: str
    unit: str
    source: str
    direction: str
    actual: float | None  # the period's value (year to date for sums)
    numerator: float | None
    denominator: float | None
    target: float | None
    completion: float | None
    band: str | None
    previous: float | None
    change: float | None
    last_updated: datetime | None
    trend: tuple[float | None, ...]  # 12 months ending with the period


def _values(
    session: Session, org_unit: str, periods: list[str]
) -> dict[tuple[str, str], DataValue]:
    stmt = select(DataValue).where(
        DataValue.org_unit == org_unit,
        DataValue.period.in_(periods),
        DataValue.deleted.is_(False),
        default_combos(),
    )
    return {(dv.indicator_code, dv.period): dv for dv in session.scalars(stmt)}


def targets(session: Session, org_unit: str, year: int) -> dict[str, float]:
    stmt = select(Target.indicator_code, Target.value).where(
        Target.org_unit == org_unit, Target.year == year
    )
    return {code: float(v) for code, v in session.execute(stmt)}


def _ytd(
    ind: IndicatorDef, values: dict[tuple[str, str], DataValue], period: Period
) -> float | None:
    months = months_between(f"{period.year}01", period.months()[-1].code)
    parts = [values[(ind.code, m.code)].value for m in months if (ind.code, m.code) in values]
    parts = [p for p in parts if p is not None]
    return float(sum(parts)) if parts else None


def indicator_rows(
    session: Session,
    catalog: Catalog,
    org_unit: str,
    period_code: str,
    lang: str = "vi",
    include_elements: bool = False,
) -> list[IndicatorRow]:
    period = parse_period(period_code)
    previous = period.previous()
    last_month = period.months()[-1]
    trend_months = months_between(_back(last_month, 11), last_month.code)
    ytd_months = months_between(f"{period.year}01", last_month.code)
    wanted = {
        period.code,
        previous.code,
        *(m.code for m in trend_months),
        *(m.code for m in ytd_months),
    }
    values = _values(session, org_unit, sorted(wanted))
    goals = targets(session, org_unit, period.year)
    rows: list[IndicatorRow] = []
    for ind in catalog.indicators:
        if ind.kind != "indicator" and not include_elements:
            continue
        dv = values.get((ind.code, period.code))
        actual = dv.value if dv else None
        if ind.aggregation == "sum" and period.kind == "month":
            actual = _ytd(ind, values, period)
        prev = values.get((ind.code, previous.code))
        prev_value = prev.value if prev else None
        target = goals.get(ind.code)
        pct = completion(actual, target, ind.direction)
        rows.append(
            IndicatorRow(
                code=ind.code,
                name=ind.name(lang),
                pillar=ind.pillar,
                unit=ind.unit,
                source=ind.source,
                direction=ind.direction,
                actual=actual,
                numerator=dv.numerator if dv else None,
                denominator=dv.denominator if dv else None,
                target=target,
                completion=pct,
                band=band(pct, ind.bands),
                previous=prev_value,
                change=None
                if actual is None or prev_value is None or ind.aggregation == "sum"
                else actual - prev_value,
                last_updated=dv.last_updated if dv else None,
                trend=tuple(
                    (values[(ind.code, m.code)].value if (ind.code, m.code) in values else None)
                    for m in trend_months
                ),
            )
        )
    return rows


def _back(month: Period, steps: int) -> str:
    for _ in range(steps):
        month = month.previous()
    return month.code


def series(
    session: Session, code: str, org_unit: str, first: str, last: str
) -> list[tuple[str, float | None]]:
    """Monthly values of one indicator between two month codes (None where missing)."""
    months = [m.code for m in months_between(first, last)]
    stmt = select(DataValue.period, DataValue.value).where(
        DataValue.indicator_code == code,
        DataValue.org_unit == org_unit,
        DataValue.period.in_(months),
        DataValue.deleted.is_(False),
        default_combos(),
    )
    found = dict(session.execute(stmt).all())
    return [(m, found.get(m)) for m in months]


def last_updated(session: Session, org_unit: str) -> datetime | None:
    """When any value of the org unit last changed (the dashboard's "updated at")."""
    value = session.scalar(
        select(func.max(DataValue.last_updated)).where(DataValue.org_unit == org_unit)
    )
    return as_utc(value) if value else None
