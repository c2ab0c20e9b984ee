"""Bản đồ các xã (province and district mode): see dashboards/views/province.py."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import province_page
from dashboards.views import province as view

dash.register_page(
    __name__,
    nav="nav_prov_map",
    province_only=True,
    path="/tinh/ban-do",
    name="Bản đồ các xã",
    title="Bản đồ các xã",
    order=22,
)
P = "prov-map"


def render(period: str, code: str | None, lang: str) -> list[Any]:
    return view.map_view(period, lang)


def layout(**kwargs: Any) -> html.Div:
    return province_page.layout(P, "nav_prov_map", dict(kwargs), render, with_code=False)


province_page.register(P, render, with_code=False)
