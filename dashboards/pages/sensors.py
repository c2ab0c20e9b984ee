"""Cảm biến: live values, a roll-up chart (5-minute or hourly by span) and alert history."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboards import state
from dashboards.components import card, live_callback, live_page, refresh_seconds
from dashboards.i18n import t
from dashboards.views import sensors as view

dash.register_page(
    __name__, nav="nav_sensors", path="/cam-bien", name="Cảm biến", title="Cảm biến", order=5
)
P = "sensors"


def layout(**kwargs: Any) -> html.Div:
    params = dict(kwargs)
    lang = state.lang(params)
    options = view.series_options(view.live(lang), lang)
    first = options[0]["value"] if options else None
    refresh = state.get().settings.dashboard.refresh_s
    controls = html.Div(
        [
            dcc.Dropdown(options, first, id="sensors-series", clearable=False,
                         style={"minWidth": "420px"}),
            dcc.RadioItems(
                [{"label": t(f"range_{k}", lang), "value": v}
                 for k, v in (("day", "1d"), ("week", "7d"), ("month", "30d"))],
                "1d", id="sensors-range", inline=True,
            ),
        ],
        className="filters",
    )  # fmt: skip
    return html.Div(
        [
            html.H1(t("nav_sensors", lang), className="page-title"),
            card(
                t("range", lang),
                controls,
                html.Div(view.chart(first, "1d", lang), id="sensors-chart"),
            ),
            dcc.Interval(id="sensors-chart-tick", interval=refresh_seconds(params, refresh) * 1000),
            dcc.Store(id="sensors-lang", data=lang),
            live_page(P, view.render, params, refresh),
        ]
    )


live_callback(P, view.render)


@callback(
    Output("sensors-chart", "children"),
    Input("sensors-series", "value"),
    Input("sensors-range", "value"),
    Input("sensors-chart-tick", "n_intervals"),
    Input("sensors-lang", "data"),
    prevent_initial_call=True,
)
def update_chart(choice: str | None, span: str, _n: int, lang: str) -> Any:
    return view.chart(choice, span or "1d", lang or "vi")


@callback(
    Output("sensor-graph", "figure"),
    Input("sensor-graph", "relayoutData"),
    State("sensors-series", "value"),
    State("sensors-range", "value"),
    State("sensors-lang", "data"),
    prevent_initial_call=True,
)
def zoom(
    relayout: dict[str, Any] | None, choice: str | None, span: str | None, lang: str | None = None
) -> Any:
    """Zooming re-queries the visible range, at 5-minute resolution once it is ≤ 2 days."""
    window = view.zoomed(relayout)
    if window is None:
        return dash.no_update
    fig = view.chart_figure(choice, *window, lang=lang or "vi")
    if fig is None:
        return dash.no_update
    fig.update_layout(uirevision=f"{choice}|{span}")
    return fig
