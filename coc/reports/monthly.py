"""What the monthly report says, as plain data: built from the same core queries the
dashboard uses, so the printed figures are the screen's figures.

Citizens' names never enter a report: dossiers and documents are counted, not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from coc import fmt
from coc.config import Settings
from coc.errors import CocError
from coc.indicators import measures, tthc
from coc.indicators.catalog import Catalog
from coc.indicators.context import MeasureContext
from coc.indicators.query import IndicatorRow, indicator_rows, last_updated
from coc.periods import Period, parse_period
from coc.reports.texts import text
from coc.store.db import Store
from coc.store.models import Alert, Device, ExplanationRequest
from coc.timeutil import VN_TZ, as_utc

# The order the summary and the lists use: what the chairperson must act on comes first.
# The words are coc.indicators.status's verdicts, grouped for a printed summary.
STATUS_ORDER = ("missed", "at_risk", "behind", "on_track", "met", "not_assessed")
_GROUPED = {
    "missed": "missed",
    "at_risk": "at_risk",
    "behind": "behind",
    "near": "behind",
    "on_track": "on_track",
    "met": "met",
    "exceeded": "met",
}


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    name: str
    pillar: str
    unit: str
    decimals: int
    status: str  # one of STATUS_ORDER
    actual: float | None
    target: float | None
    completion: float | None
    previous: float | None  # the month before
    last_year: float | None  # the same month a year earlier
    trend: tuple[float | None, ...]  # 12 months ending with the period
    explanations: tuple[str, ...] = ()


@dataclass(frozen=True)
class PillarSummary:
    pillar: str
    name: str
    counts: dict[str, int]  # status → number of indicators


@dataclass(frozen=True)
class ScoreLine:
    code: str
    name: str
    max_points: float
    points: float | None
    items: tuple[tuple[str, str, float | None, float, float | None], ...]
    # (item, name, rate %, max points, points)


@dataclass(frozen=True)
class Backlog:
    dossiers_received: int
    dossiers_late: int
    documents_with_deadline: int
    documents_overdue: int


@dataclass(frozen=True)
class AlertCount:
    severity: str
    opened: int
    still_open: int


@dataclass(frozen=True)
class UptimeLine:
    kind: str  # camera | speaker | sensor
    devices: int
    uptime: float | None  # mean percent of the month's elapsed days


@dataclass(frozen=True)
class Section:
    """A section another feature adds (loudspeaker bulletins, citizen field reports)."""

    title: str
    rows: tuple[tuple[str, str], ...]  # (label, formatted value)


@dataclass(frozen=True)
class MonthlyReport:
    commune: str
    province: str
    org_unit: str
    period: Period
    generated_at: datetime
    data_as_of: datetime | None
    pillars: tuple[PillarSummary, ...]
    attention: tuple[IndicatorLine, ...]  # missed and at risk, worst first
    indicators: tuple[IndicatorLine, ...]  # every indicator, by pillar then catalog order
    scorecard: tuple[ScoreLine, ...]
    score_points: float | None  # points of the items COC could compute
    score_reach: float  # the most those items can give
    backlog: Backlog
    alerts: tuple[AlertCount, ...]
    uptime: tuple[UptimeLine, ...]
    extra: tuple[Section, ...] = field(default=())


def status_of(row: IndicatorRow) -> str:
    """The report's status for one indicator row: the dashboard's own verdict
    (coc.indicators.status), with a provisional month, no target or no data as "not
    assessed"."""
    return _GROUPED.get(row.status, "not_assessed")


def _same_month_last_year(period: Period) -> str:
    return f"{period.year - 1}{period.start.month:02d}" if period.kind == "month" else ""


def _lines(
    session: Session, catalog: Catalog, org_unit: str, period: Period, lang: str, now: datetime
) -> list[IndicatorLine]:
    rows = indicator_rows(session, catalog, org_unit, period.code, lang, now=now)
    last_year_code = _same_month_last_year(period)
    last_year = (
        {
            r.code: r.actual
            for r in indicator_rows(session, catalog, org_unit, last_year_code, lang, now=now)
        }
        if last_year_code
        else {}
    )
    lines = []
    for r in rows:
        ind = catalog.get(r.code)
        lines.append(
            IndicatorLine(
                code=r.code,
                name=r.name,
                pillar=r.pillar,
                unit=r.unit,
                decimals=ind.decimals,
                status=status_of(r),
                actual=r.actual,
                target=r.target,
                completion=r.completion,
                previous=r.previous,
                last_year=last_year.get(r.code),
                trend=r.trend,
            )
        )
    return lines


def _attention(lines: list[IndicatorLine]) -> list[IndicatorLine]:
    wanted = [line for line in lines if line.status in ("missed", "at_risk")]
    return sorted(wanted, key=lambda x: (STATUS_ORDER.index(x.status), x.completion or 0.0, x.code))


def _pillars(catalog: Catalog, lines: list[IndicatorLine], lang: str) -> list[PillarSummary]:
    out = []
    for pillar in dict.fromkeys(line.pillar for line in lines):
        counts = dict.fromkeys(STATUS_ORDER, 0)
        for line in lines:
            if line.pillar == pillar:
                counts[line.status] += 1
        out.append(PillarSummary(pillar, catalog.pillar_name(pillar, lang), counts))
    return out


def _scorecard(
    session: Session, org_unit: str, period: Period, now: datetime, lang: str
) -> tuple[list[ScoreLine], float | None, float]:
    """Decision 766 by the portal's groups and points: the points of the items COC can
    compute, never scaled up, and the most those items can give."""
    card = tthc.scorecard(session, org_unit, period, now)
    lines = [
        ScoreLine(
            g.spec.code,
            g.spec.name_en if lang == "en" else g.spec.name_vi,
            sum(i.spec.points for i in g.items),
            g.points,
            tuple(
                (
                    i.spec.code,
                    i.spec.name_en if lang == "en" else i.spec.name_vi,
                    i.rate,
                    i.spec.points,
                    i.points,
                )
                for i in g.items
            ),
        )
        for g in card.groups
    ]
    return lines, card.points, card.computed_max


def _backlog(session: Session, org_unit: str, period: Period, now: datetime) -> Backlog:
    ctx = MeasureContext(session, org_unit, period, now)

    def count(name: str) -> int:
        return int(measures.get(name)(ctx) or 0)

    return Backlog(
        dossiers_received=count("dossiers_received"),
        dossiers_late=count("dossiers_late"),
        documents_with_deadline=count("docs_in_with_deadline"),
        documents_overdue=count("docs_in_overdue"),
    )


def _alerts(session: Session, period: Period) -> list[AlertCount]:
    opened = dict(
        session.execute(
            select(Alert.severity, func.count())
            .where(Alert.opened_at >= period.start_utc, Alert.opened_at < period.end_utc)
            .group_by(Alert.severity)
        ).all()
    )
    still_open = dict(
        session.execute(
            select(Alert.severity, func.count())
            .where(
                Alert.opened_at < period.end_utc,
                (Alert.cleared_at.is_(None)) | (Alert.cleared_at >= period.end_utc),
            )
            .group_by(Alert.severity)
        ).all()
    )
    return [
        AlertCount(sev, int(opened.get(sev, 0)), int(still_open.get(sev, 0)))
        for sev in ("critical", "warning", "info")
    ]


def _days(period: Period, now: datetime) -> list[date]:
    today = as_utc(now).astimezone(VN_TZ).date()
    days, cursor = [], period.start
    while cursor < period.end and cursor <= today:
        days.append(cursor)
        cursor += timedelta(days=1)
    return days


def _uptime(session: Session, org_unit: str, period: Period, now: datetime) -> list[UptimeLine]:
    from coc.devices.queries import uptime

    out = []
    devices = session.scalars(select(Device).where(Device.org_unit == org_unit)).all()
    days = _days(period, now)
    for kind in ("camera", "speaker", "sensor"):
        ids = [d.device_id for d in devices if d.kind == kind]
        if not ids:
            continue
        shares = [uptime(session, i, day, now) for i in ids for day in days]
        known = [s for s in shares if s is not None]
        out.append(UptimeLine(kind, len(ids), sum(known) / len(known) if known else None))
    return out


def _explanations(session: Session, org_unit: str, period: Period) -> dict[str, tuple[str, ...]]:
    """indicator code → the answers given to explanation requests about this period."""
    stmt = (
        select(ExplanationRequest.indicator_code, ExplanationRequest.answer)
        .where(
            ExplanationRequest.org_unit == org_unit,
            ExplanationRequest.period == period.code,
            ExplanationRequest.status == "answered",
            ExplanationRequest.answer.is_not(None),
        )
        .order_by(ExplanationRequest.id)
    )
    out: dict[str, list[str]] = {}
    for code, answer in session.execute(stmt):
        out.setdefault(code, []).append(answer)
    return {code: tuple(answers) for code, answers in out.items()}


def value_text(line: IndicatorLine, value: float | None, lang: str) -> str:
    """One of the line's figures in its unit, Vietnamese or English number format."""
    if value is None:
        return "—"
    if line.unit == "%":
        return fmt.percent(value, lang)
    return f"{fmt.number(value, line.decimals, lang)} {line.unit}".strip()


BULLETIN_CODES = ("BAN_TIN_PHAT", "PHUT_PHAT_THANH", "TY_LE_BAN_TIN_DEN_LOA")


def bulletin_section(lines: list[IndicatorLine], lang: str) -> Section | None:
    """Loudspeaker bulletins of the month, from their catalog indicators."""
    by_code = {line.code: line for line in lines}
    shown = [by_code[c] for c in BULLETIN_CODES if c in by_code]
    if not shown:
        return None
    return Section(
        text("bulletins", lang),
        tuple((line.name, value_text(line, line.actual, lang)) for line in shown),
    )


def fieldreport_section(
    store: Store, settings: Settings, period: Period, now: datetime, lang: str
) -> Section | None:
    """Citizens' field reports of the month (counts by category and hamlet, no names)."""
    from coc.fieldreports.categories import load_categories
    from coc.fieldreports.queries import month_summary

    try:
        categories = load_categories(settings)
    except CocError:
        categories = None
    summary = month_summary(
        store, settings.commune.code, period, now=now, categories=categories, lang=lang
    )
    total = summary["total"]
    if not total["received"] and not total["open"]:
        return None

    def row(item: dict) -> tuple[str, str]:
        on_time = fmt.percent(item["on_time_pct"], lang)
        return (
            item["name"],
            text(
                "fieldreport_row",
                lang,
                received=item["received"],
                handled=item["handled"],
                on_time=on_time,
                overdue=item["overdue"],
            ),
        )

    rows = [row(total)] + [row(r) for r in summary["by_category"]]
    rows += [row(r) for r in summary["by_hamlet"]]
    return Section(text("fieldreports", lang), tuple(rows))


def build(
    store: Store,
    catalog: Catalog,
    settings: Settings,
    period_code: str,
    now: datetime,
    lang: str = "vi",
    extra: tuple[Section, ...] = (),
) -> MonthlyReport:
    """The report of one month (or any period) for the commune of `settings`."""
    period = parse_period(period_code)
    org_unit = settings.commune.code
    with store.session() as session:
        answers = _explanations(session, org_unit, period)
        lines = [
            replace(line, explanations=answers.get(line.code, ()))
            for line in _lines(session, catalog, org_unit, period, lang, now)
        ]
        scorecard, points, reach = _scorecard(session, org_unit, period, now, lang)
        report = MonthlyReport(
            commune=settings.commune.name,
            province=settings.commune.province_name,
            org_unit=org_unit,
            period=period,
            generated_at=as_utc(now),
            data_as_of=last_updated(session, org_unit),
            pillars=tuple(_pillars(catalog, lines, lang)),
            attention=tuple(_attention(lines)),
            indicators=tuple(lines),
            scorecard=tuple(scorecard),
            score_points=points,
            score_reach=reach,
            backlog=_backlog(session, org_unit, period, now),
            alerts=tuple(_alerts(session, period)),
            uptime=tuple(_uptime(session, org_unit, period, now)),
            extra=extra,
        )
    sections = [
        bulletin_section(lines, lang),
        fieldreport_section(store, settings, period, now, lang),
    ]
    return replace(report, extra=(*[x for x in sections if x], *extra))
