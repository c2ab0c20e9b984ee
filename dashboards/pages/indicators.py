"""Chỉ tiêu: every indicator with actual, target, completion %, change and status."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboards import data, periods, state, units
from dashboards.i18n import t
from dashboards.views import indicators as view

dash.register_page(
    __name__, nav="nav_indicators", path="/chi-tieu", name="Chỉ tiêu", title="Chỉ tiêu", order=2
)


def layout(**kwargs: Any) -> html.Div:
    params = dict(kwargs)
    lang = state.lang(params)
    period = data.period_param(params)
    unit = units.chosen(params)
    options = view.filter_options(lang)

    def dropdown(key: str, opts: list[dict[str, str]], value: str | None = None) -> html.Div:
        return html.Div(
            [html.Label(t(key, lang)),
             dcc.Dropdown(opts, value, id=f"indicators-{key}", placeholder=t("all", lang),
                          clearable=key != "period")],
        )  # fmt: skip

    return html.Div(
        [
            html.H1(t("nav_indicators", lang), className="page-title"),
            dcc.Store(id="indicators-lang", data=lang),
            dcc.Store(id="indicators-period", data=period),
            dcc.Store(id="indicators-ou", data=unit),
            html.Div([units.picker("indicators", params, lang),
                      periods.picker("indicators", params, lang)], className="page-pickers"),
            html.Div(
                [
                    dropdown("pillar", options["pillar"], params.get("pillar")),
                    dropdown("source", options["source"], params.get("source")),
                    dropdown("status", options["status"], params.get("status")),
                ],
                className="filters",
            ),
            html.Div(
                view.table(period, lang, params.get("pillar"), params.get("source"),
                           params.get("status"), unit),
                id="indicators-table",
            ),
            html.Details([html.Summary(t("calendar_projection", lang)),
                          html.P(t("calendar_how_projection", lang))],
                         className="how-judged", id="indicators-how-judged"),
        ]
    )  # fmt: skip


@callback(
    Output("indicators-table", "children"),
    Input("indicators-pillar", "value"),
    Input("indicators-source", "value"),
    Input("indicators-status", "value"),
    State("indicators-period", "data"),
    State("indicators-lang", "data"),
    State("indicators-ou", "data"),
    prevent_initial_call=True,
)
def update(pillar: str | None, source: str | None, status: str | None, period: str, lang: str,
           ou: str | None = None):  # fmt: skip
    unit = units.chosen({"ou": ou})
    return view.table(data.period_param({"period": period}), lang or "vi", pillar, source, status,
                      unit)  # fmt: skip
