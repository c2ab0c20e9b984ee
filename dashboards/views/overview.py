"""Overview: indicator tiles grouped by pillar, the last update and stale-source warnings."""

from __future__ import annotations

from typing import Any

from dash import html

from coc import fmt
from coc.indicators import calendar
from coc.indicators.query import IndicatorRow, by_urgency
from coc.periods import parse_period
from coc.store.runs import stale_sources
from dashboards import data, periods, reports, state, units
from dashboards.components import tile
from dashboards.i18n import PILLAR_ORDER, t
from dashboards.labels import source_name

ACT_FIRST = ("at_risk", "missed")


def act_first(rows: list[IndicatorRow]) -> tuple[list[IndicatorRow], list[IndicatorRow]]:
    """(missed and at-risk, by urgency; the others, by urgency): what the chairperson must
    act on comes first."""
    ordered = by_urgency(rows)
    return [r for r in ordered if r.status in ACT_FIRST], [
        r for r in ordered if r.status not in ACT_FIRST
    ]


def pillar_sections(
    rows: list[IndicatorRow], lang: str, links: bool = True, period: str | None = None
) -> list[html.Section]:
    """Missed and at-risk indicators first, then one section per pillar in the fixed order,
    the most urgent first within each."""
    st = state.get()

    def tiles(items: list[IndicatorRow]) -> list[html.Div]:
        return [
            tile(
                r,
                lang,
                st.catalog.get(r.code).decimals,
                href=(periods.href(f"/chi-tieu/{r.code}", period or r.period) if links else None),
            )
            for r in items
        ]

    urgent, rest = act_first(rows)
    sections = []
    if urgent:
        sections.append(
            html.Section(
                [
                    html.H2(t("calendar_act_first", lang), className="pillar-title"),
                    html.Div(tiles(urgent), className="tiles"),
                ],
                className="pillar pillar-act",
                id="pillar-act-first",
            )
        )
    for pillar in PILLAR_ORDER:
        items = [r for r in rest if r.pillar == pillar]
        if not items:
            continue
        sections.append(
            html.Section(
                [
                    html.H2(st.catalog.pillar_name(pillar, lang), className="pillar-title"),
                    html.Div(tiles(items), className="tiles"),
                ],
                className="pillar",
                id=f"pillar-{pillar}",
            )
        )
    return sections


def period_title(period: str, lang: str) -> str:
    """'Tháng 12/2026 (đến ngày 02/12)' for a month in progress, else the period's label."""
    label = parse_period(period).label(lang)
    now = state.get().now()
    if calendar.in_progress(parse_period(period), now):
        label += f" ({calendar.to_day_label(calendar.local_day(now), lang)})"
    return label


def freshness(lang: str, org_unit: str | None = None) -> list[Any]:
    """Last-updated time and a warning line per stale source."""
    out: list[Any] = [
        html.Div(
            f"{t('updated', lang)}: {fmt.moment(data.last_updated(org_unit), lang)}",
            className="last-updated",
            id="last-updated",
        )
    ]
    st = state.get()
    for item in stale_sources(st.store, st.settings, st.now()):
        name = source_name(item.source, st.settings, lang)
        text = (
            t("stale", lang, source=name, when=fmt.moment(item.last_ok, lang))
            if item.last_ok
            else t("stale_never", lang, source=name)
        )
        out.append(html.Div(["⚠ ", text], className="stale-warning"))
    return out


def render(params: dict[str, Any]) -> Any:
    """The desk version: linked tiles under a heading per pillar."""
    lang = state.lang(params)
    period = data.period_param(params)
    unit = units.chosen(params)
    rows = data.rows_for(period, lang, unit)
    return [
        html.Div(
            [
                html.H1(
                    f"{t('overview_heading', lang)} – {period_title(period, lang)}",
                    className="page-title",
                ),
                html.Div(freshness(lang, unit), className="freshness"),
                html.A(
                    t("report_button", lang),
                    href=reports.link(period, lang),
                    className="report-button",
                    id="report-button",
                ),
            ],
            className="page-head",
        ),
        *pillar_sections(rows, lang, period=period),
        html.Details(
            [html.Summary(t("calendar_projection", lang)),
             html.P(t("calendar_how_projection", lang))],
            className="how-judged", id="overview-how-judged",
        ),
    ]  # fmt: skip
