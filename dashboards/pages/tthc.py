"""Thủ tục hành chính: Decision 766 scorecard and overdue dossiers."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import periods, state
from dashboards.components import live_callback, live_page
from dashboards.views.tthc import render

dash.register_page(
    __name__, nav="nav_tthc", path="/thu-tuc", name="Thủ tục hành chính", title="Thủ tục", order=3
)
P = "tthc"


def layout(**kwargs: Any) -> html.Div:
    params = dict(kwargs)
    return html.Div(
        [
            periods.picker(P, params, state.lang(params)),
            live_page(P, render, params, state.get().settings.dashboard.refresh_s),
        ]
    )


live_callback(P, render)
