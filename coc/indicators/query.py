"""Read-side queries the dashboard and API share: indicator rows with completion and trend."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from coc.indicators import calendar, status, validation
from coc.indicators.catalog import Catalog, IndicatorDef
from coc.indicators.status import URGENCY
from coc.periods import Period, months_between, parse_period
from coc.store.models import DataValue, Target
from coc.store.values import default_combos
from coc.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    pillar: str
    unit: str
    source: str
    direction: str
    actual: float | None  # the shown period's own value (the month's, also for sums)
    numerator: float | None
    denominator: float | None
    target: float | None
    completion: float | None  # real figure (may exceed 100); `bar` is capped
    band: str | None  # the colour of `status` (coc.indicators.status.STATUS_BAND)
    previous: float | None
    change: float | None
    last_updated: datetime | None
    trend: tuple[float | None, ...]  # 12 months ending with the period
    period: str = ""  # the page's period
    shown_period: str | None = None  # the period `actual` is for (may be earlier)
    late: bool = False  # older than the indicator's reporting lag allows
    expected: str | None = None  # the month that should be in, when late
    partial: bool = False  # a month still in progress: to date, not final
    ytd: float | None = None  # year to date of a summed indicator
    show_ytd: bool = False
    cumulative: bool = False  # compared with its yearly target year to date
    status: str = "no_data"  # coc.indicators.status.STATUS_BAND key
    projection: float | None = None
    path: float | None = None
    flags: tuple[str, ...] = ()  # messages of open validation flags on the shown value
    held: bool = False  # not sent upward until a clerk confirms or corrects it

    @property
    def bar(self) -> float | None:
        return None if self.completion is None else min(100.0, max(0.0, self.completion))

    @property
    def exceeded(self) -> bool:
        return self.completion is not None and self.completion > 100.0

    @property
    def urgency(self) -> int:
        return URGENCY.get(self.status, len(URGENCY))


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


def _year_points(
    ind: IndicatorDef, values: dict[tuple[str, str], DataValue], month: Period
) -> list[tuple[int, float]]:
    """(month number, value) of the year up to `month`, months with a value only."""
    out = []
    for m in months_between(f"{month.year}01", month.code):
        dv = values.get((ind.code, m.code))
        if dv is not None and dv.value is not None:
            out.append((m.start.month, float(dv.value)))
    return out


def _shown(
    ind: IndicatorDef, own: dict[str, float | None], period: Period, now: datetime
) -> calendar.Shown:
    """The value a row shows. A snapshot (devices online) is only computed while its month
    runs, so on the latest complete month or later it shows the current one, as final."""
    if ind.snapshot and period.kind == "month":
        code = period.code
        if code >= calendar.expected_month(ind.lag_days, now):
            code = max(code, calendar.month_of_now(now))
        return replace(
            calendar.shown_value(own, code, ind.lag_days, now), partial=False, late=False
        )
    return calendar.shown_value(own, period.code, ind.lag_days, now)


def _value(values: dict[tuple[str, str], DataValue], code: str, period: str) -> float | None:
    dv = values.get((code, period))
    return None if dv is None or dv.value is None else float(dv.value)


def indicator_rows(
    session: Session,
    catalog: Catalog,
    org_unit: str,
    period_code: str,
    lang: str = "vi",
    include_elements: bool = False,
    now: datetime | None = None,
) -> list[IndicatorRow]:
    """One row per indicator for the page's period at `now`: the latest value at or before
    the period (labelled with its own period, late when older than the lag allows), its
    status against the yearly target, and its open validation flags."""
    now = now or utcnow()
    period = parse_period(period_code)
    last_month = period.months()[-1]
    span = months_between(_back(last_month, 24), last_month.code)
    trend_months = span[-12:]
    wanted = {period.code, period.previous().code, *(m.code for m in span)}
    values = _values(session, org_unit, sorted(wanted))
    years = {m.year for m in span}
    goals = {y: targets(session, org_unit, y) for y in years}
    flags = validation.flags_by_code(session, catalog, org_unit, [m.code for m in span])
    rows: list[IndicatorRow] = []
    for ind in catalog.indicators:
        if ind.kind != "indicator" and not include_elements:
            continue
        own = {p: dv.value for (c, p), dv in values.items() if c == ind.code}
        shown = _shown(ind, own, period, now)
        dv = values.get((ind.code, shown.period)) if shown.period else None
        actual = shown.value
        shown_p = parse_period(shown.period) if shown.period else period
        cumulative = ind.aggregation == "sum" and shown_p.kind == "month"
        ytd = None
        if cumulative and actual is not None:
            ytd = float(sum(v for _, v in _year_points(ind, values, shown_p)))
        target = goals.get(shown_p.year, {}).get(ind.code)
        month = shown_p.start.month if shown_p.kind == "month" else None
        if shown_p.kind == "quarter":
            month = shown_p.months()[-1].start.month
        verdict = status.judge(
            value=ytd if cumulative else actual,
            target=target,
            direction=ind.direction,
            bands=ind.bands,
            cumulative=cumulative,
            month=month,
            year_so_far=_year_points(ind, values, shown_p.months()[-1]),
            partial=shown.partial,
            final=ind.snapshot or shown_p.kind == "year",
            baseline=_value(values, ind.code, f"{shown_p.year - 1}12"),
        )
        prev = values.get((ind.code, shown_p.previous().code))
        prev_value = prev.value if prev else None
        own_flags = flags.get((ind.code, shown.period or ""), [])
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
                completion=verdict.completion,
                band=verdict.band,
                previous=prev_value,
                change=None if actual is None or prev_value is None else actual - prev_value,
                last_updated=dv.last_updated if dv else None,
                trend=tuple(
                    (values[(ind.code, m.code)].value if (ind.code, m.code) in values else None)
                    for m in trend_months
                ),
                period=period.code,
                shown_period=shown.period,
                late=shown.late,
                expected=shown.expected,
                partial=shown.partial,
                ytd=ytd,
                show_ytd=ind.show_ytd,
                cumulative=cumulative,
                status=verdict.status,
                projection=verdict.projection,
                path=verdict.path,
                flags=tuple(dict.fromkeys(f.message(lang) for f in own_flags)),
                held=bool(own_flags),
            )
        )
    return rows


def by_urgency(rows: list[IndicatorRow]) -> list[IndicatorRow]:
    """Missed and at-risk first (what the chairperson must act on), catalog order within."""
    return sorted(rows, key=lambda r: r.urgency)


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
