"""Văn bản: signed %, overdue incoming and unsigned outgoing documents."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import state
from dashboards.components import live_callback, live_page
from dashboards.views.documents import render

dash.register_page(
    __name__, nav="nav_documents", path="/van-ban", name="Văn bản", title="Văn bản", order=4
)
P = "documents"


def layout(**kwargs: Any) -> html.Div:
    return live_page(P, render, dict(kwargs), state.get().settings.dashboard.refresh_s)


live_callback(P, render)
