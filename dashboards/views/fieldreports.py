"""Field reports at a glance (everyone, and the wall): this month's received and on-time
counts, open and overdue reports, a map of open reports, and the tallies by category and
hamlet. Codes, categories and hamlets only: no name, phone or description."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from dash import html

from coc import fmt
from coc.fieldreports import queries, service
from coc.periods import month_of
from dashboards import state, units
from dashboards.components import card, graph, kpi
from dashboards.fieldreports_public import intake
from dashboards.figures import BAND_COLOURS, _base_layout, _rings, boundary
from dashboards.i18n import t


def report_map(
    points: Sequence[dict[str, Any]], labels: dict[str, str], dark: bool = False
) -> go.Figure:
    """Open reports over the commune boundary on lon/lat axes (offline): amber while in
    time, red when overdue. Each point: code, category (a name), lat, lon, overdue."""
    traces: list[Any] = [
        go.Scatter(x=[p[0] for p in ring], y=[p[1] for p in ring], mode="lines", fill="toself",
                   fillcolor="rgba(44,127,184,0.08)", line={"color": "#2c7fb8", "width": 2},
                   hoverinfo="skip", showlegend=False)
        for ring in _rings(boundary())
    ]  # fmt: skip
    for late in (False, True):
        items = [p for p in points if bool(p["overdue"]) == late]
        if not items:
            continue
        traces.append(go.Scatter(
            x=[p["lon"] for p in items], y=[p["lat"] for p in items], mode="markers",
            name=labels["overdue" if late else "open"],
            text=[f"{p['code']} – {p['category']}" for p in items],
            hovertemplate="%{text}<extra></extra>",
            marker={"size": 16, "symbol": "triangle-up" if late else "circle",
                    "color": BAND_COLOURS["red" if late else "amber"],
                    "line": {"width": 1, "color": "#333"}},
        ))  # fmt: skip
    fig = go.Figure(traces)
    fig.update_layout(
        **_base_layout(dark, height=480),
        xaxis={"title": "", "showgrid": False, "zeroline": False},
        yaxis={"title": "", "showgrid": False, "zeroline": False, "scaleanchor": "x"},
        legend={"orientation": "h", "y": -0.08},
        separators=",.",
    )
    return fig


def tally_chart(names: Sequence[str], received: Sequence[int], handled: Sequence[int],
                labels: dict[str, str], dark: bool = False) -> go.Figure:  # fmt: skip
    ys = list(names)[::-1]
    fig = go.Figure([
        go.Bar(y=ys, x=list(received)[::-1], orientation="h", name=labels["received"],
               marker={"color": "#2c7fb8"}),
        go.Bar(y=ys, x=list(handled)[::-1], orientation="h", name=labels["handled"],
               marker={"color": BAND_COLOURS["green"]}),
    ])  # fmt: skip
    top = max([*received, *handled, 1])
    fig.update_layout(**_base_layout(dark, height=max(220, 40 * len(ys) + 90)), barmode="group",
                      yaxis={"automargin": True},
                      xaxis={"rangemode": "tozero", "tick0": 0, "dtick": max(1, -(-top // 8))},
                      legend={"orientation": "h", "y": -0.15}, separators=",.")  # fmt: skip
    return fig


def render(params: dict[str, Any]) -> list[Any]:
    app = state.get()
    lang = state.lang(params)
    dark = bool(params.get("wall"))
    now = app.now()
    cats = intake().categories
    scope = units.scope()
    stats = queries.stats(app.store, units.chosen(params), month_of(now), now=now)
    points = [
        {**p, "code": service.shown_code(p["code"]), "category": cats.name(p["category"], lang)}
        for p in queries.open_points(app.store, now=now, scope=scope)
    ]
    open_count, overdue = queries.open_counts(app.store, now=now, scope=scope)
    labels = {
        "open": t("fr_open_reports", lang), "overdue": t("fr_overdue_reports", lang),
        "received": t("fr_received_month", lang), "handled": t("fr_handled", lang),
    }  # fmt: skip
    received = fmt.number(stats.total.received, 0, lang)
    tiles = html.Div([
        kpi(t("fr_received_month", lang), received, "fr-kpi-received"),
        kpi(t("fr_on_time", lang), fmt.percent(stats.total.on_time_pct, lang), "fr-kpi-ontime"),
        kpi(t("fr_open_reports", lang), fmt.number(open_count, 0, lang), "fr-kpi-open"),
        kpi(t("fr_overdue_reports", lang), fmt.number(overdue, 0, lang), "fr-kpi-overdue"),
    ], className="kpis")  # fmt: skip
    by_cat = sorted(stats.by_category.items(), key=lambda kv: cats.name(kv[0], lang))
    by_hamlet = sorted(stats.by_hamlet.items())
    return [
        html.H1(t("fr_title", lang), className="page-title"),
        html.A(t("fr_send", lang), href="/phan-anh", className="btn", id="fr-form-link")
        if not dark else None,
        tiles,
        card(t("fr_map_title", lang), graph(report_map(points, labels, dark), "fr-map-graph")),
        card(t("fr_by_category", lang), graph(tally_chart(
            [cats.name(k, lang) for k, _ in by_cat], [v.received for _, v in by_cat],
            [v.handled for _, v in by_cat], labels, dark), "fr-by-category")),
        card(t("fr_by_hamlet", lang), graph(tally_chart(
            [k or t("fr_no_hamlet", lang) for k, _ in by_hamlet],
            [v.received for _, v in by_hamlet], [v.handled for _, v in by_hamlet], labels, dark),
            "fr-by-hamlet")),
    ]  # fmt: skip
