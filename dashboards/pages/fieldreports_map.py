"""Bản đồ phản ánh: open field reports on the offline map, this month's counts by category
and hamlet (public read, no personal data); also a wall playlist page (`phan-anh`)."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import state
from dashboards.components import live_callback, live_page
from dashboards.views.fieldreports import render

dash.register_page(__name__, nav="nav_fieldreports_map", path="/ban-do-phan-anh",
                   name="Bản đồ phản ánh", title="Bản đồ phản ánh", order=7)  # fmt: skip
P = "frmap"


def layout(**kwargs: Any) -> html.Div:
    return live_page(P, render, dict(kwargs), state.get().settings.dashboard.refresh_s)


live_callback(P, render)
