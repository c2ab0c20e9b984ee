"""Tổng quan: indicator tiles grouped by pillar (actual, target, completion %, status)."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import periods, state, units
from dashboards.components import live_callback, live_page
from dashboards.views.overview import render

dash.register_page(
    __name__, nav="nav_overview", path="/", name="Tổng quan", title="Tổng quan", order=0
)
P = "overview"


def layout(**kwargs: Any) -> html.Div:
    params = dict(kwargs)
    lang = state.lang(params)
    return html.Div(
        [
            html.Div(
                [units.picker(P, params, lang), periods.picker(P, params, lang)],
                className="page-pickers",
            ),
            live_page(P, render, params, state.get().settings.dashboard.refresh_s),
        ]
    )


live_callback(P, render)
