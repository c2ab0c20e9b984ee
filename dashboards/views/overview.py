"""Overview: indicator tiles grouped by pillar, the last update and stale-source warnings."""

from __future__ import annotations

from typing import Any

from dash import html

from coc import fmt
from coc.indicators.query import IndicatorRow
from coc.periods import parse_period
from coc.store.runs import stale_sources
from dashboards import data, reports, state
from dashboards.components import tile
from dashboards.i18n import PILLAR_ORDER, t


def pillar_sections(rows: list[IndicatorRow], lang: str, links: bool = True) -> list[html.Section]:
    """One section per pillar in the fixed order, tiles in catalog order."""
    st = state.get()
    sections = []
    for pillar in PILLAR_ORDER:
        items = [r for r in rows if r.pillar == pillar]
        if not items:
            continue
        tiles = [
            tile(
                r,
                lang,
                st.catalog.get(r.code).decimals,
                href=f"/chi-tieu/{r.code}" if links else None,
            )
            for r in items
        ]
        sections.append(
            html.Section(
                [
                    html.H2(st.catalog.pillar_name(pillar, lang), className="pillar-title"),
                    html.Div(tiles, className="tiles"),
                ],
                className="pillar",
                id=f"pillar-{pillar}",
            )
        )
    return sections


def freshness(lang: str) -> list[Any]:
    """Last-updated time and a warning line per stale source."""
    out: list[Any] = [
        html.Div(
            f"{t('updated', lang)}: {fmt.moment(data.last_updated(), lang)}",
            className="last-updated",
            id="last-updated",
        )
    ]
    st = state.get()
    for item in stale_sources(st.store, st.settings, st.now()):
        text = (
            t("stale", lang, source=item.source, when=fmt.moment(item.last_ok, lang))
            if item.last_ok
            else t("stale_never", lang, source=item.source)
        )
        out.append(html.Div(["⚠ ", text], className="stale-warning"))
    return out


def render(params: dict[str, Any]) -> Any:
    """The desk version: linked tiles under a heading per pillar."""
    lang = state.lang(params)
    period = data.period_param(params)
    rows = data.rows_for(period, lang)
    return [
        html.Div(
            [
                html.H1(
                    f"{t('overview_heading', lang)} – {parse_period(period).label(lang)}",
                    className="page-title",
                ),
                html.Div(freshness(lang), className="freshness"),
                html.A(
                    t("report_button", lang),
                    href=reports.link(period, lang),
                    className="report-button",
                    id="report-button",
                ),
            ],
            className="page-head",
        ),
        *pillar_sections(rows, lang),
    ]
