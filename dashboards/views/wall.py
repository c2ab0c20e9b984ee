"""The chairperson's wall screen: dark, large, no interaction; tiles, ticker, device counts."""

from __future__ import annotations

from typing import Any

from dash import html

from coc import fmt
from coc.periods import parse_period
from dashboards import access, data, state
from dashboards.components import tile
from dashboards.i18n import PILLAR_ORDER, t
from dashboards.views import bulletins
from dashboards.views.overview import freshness

ICONS = {"critical": "⛔", "warning": "⚠", "info": "ℹ"}


def ticker(lang: str) -> html.Div:
    alerts = data.open_alerts(lang)
    if not alerts:
        return html.Div(
            html.Span(f"✔ {t('wall_no_alerts', lang)}", className="ticker-inner"),
            className="ticker calm",
            id="wall-ticker",
        )
    items = [
        f"{ICONS.get(a.level, '⚠')} {a.text}"
        + (f" ({fmt.moment(a.since, lang)})" if a.since else "")
        for a in alerts
    ]
    return html.Div(
        html.Span(
            f"{t('wall_alerts', lang)} ({len(alerts)}):   " + "   •   ".join(items),
            className="ticker-inner",
        ),
        className="ticker" if len(alerts) > 3 else "ticker static",
        id="wall-ticker",
    )


def device_count(kind: str, key: str, lang: str) -> html.Div:
    online, total = data.device_counts().get(kind, (0, 0))
    return html.Div(
        [html.Span(t(key, lang) + ": "), html.B(f"{online}/{total}")],
        className="wall-count",
        id=f"wall-count-{kind}",
    )


def wall_tiles(period: str, lang: str) -> html.Div:
    """All indicator tiles in pillar order, a label cell opening each pillar."""
    st = state.get()
    rows = data.rows_for(period, lang)
    cells: list[Any] = []
    for pillar in PILLAR_ORDER:
        items = [r for r in rows if r.pillar == pillar]
        if not items:
            continue
        cells.append(
            html.Div(st.catalog.pillar_name(pillar, lang), className="pillar-cell"),
        )
        cells.extend(tile(r, lang, st.catalog.get(r.code).decimals) for r in items)
    return html.Div(cells, className="wall-tiles", id="wall-tiles")


def render_overview(params: dict[str, Any]) -> Any:
    """One header row (place, period, device counts, alerts, freshness), then the tiles."""
    lang = state.lang(params)
    period = data.period_param(params)
    st = state.get()
    now = fmt.moment(st.now(), lang)
    return [
        html.Div(
            [
                html.Div(
                    [
                        html.H1(st.settings.commune.name, className="page-title"),
                        html.Div(
                            f"{t('overview_heading', lang)} – {parse_period(period).label(lang)}"
                            f" · {now}",
                            className="wall-sub",
                        ),
                    ],
                    className="wall-title",
                ),
                device_count("camera", "cameras_online", lang),
                device_count("speaker", "speakers_online", lang),
                ticker(lang),
                bulletins.wall_strip(lang, access.has_role("approver")),
                html.Div(freshness(lang), className="freshness"),
            ],
            className="wall-bar",
        ),
        wall_tiles(period, lang),
    ]
