"""Văn bản: signed %, overdue incoming and unsigned outgoing documents."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import periods, state
from dashboards.components import live_callback, live_page
from dashboards.views.documents import render

dash.register_page(
    __name__, nav="nav_documents", path="/van-ban", name="Văn bản", title="Văn bản", order=4
)
P = "documents"


def layout(**kwargs: Any) -> html.Div:
    params = dict(kwargs)
    return html.Div(
        [
            periods.picker(P, params, state.lang(params)),
            live_page(P, render, params, state.get().settings.dashboard.refresh_s),
        ]
    )


live_callback(P, render)
