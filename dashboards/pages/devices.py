"""Thiết bị: cameras, loudspeakers and sensors with status, uptime and an offline map."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import state
from dashboards.components import live_callback, live_page
from dashboards.views.devices import render

dash.register_page(
    __name__, nav="nav_devices", path="/thiet-bi", name="Thiết bị", title="Thiết bị", order=6
)
P = "devices"


def layout(**kwargs: Any) -> html.Div:
    return live_page(P, render, dict(kwargs), state.get().settings.dashboard.refresh_s)


live_callback(P, render)
