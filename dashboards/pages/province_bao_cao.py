"""Tình hình báo cáo (province and district mode): see dashboards/views/province.py."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import province_page
from dashboards.views import province as view

dash.register_page(
    __name__,
    nav="nav_prov_reporting",
    province_only=True,
    path="/tinh/bao-cao",
    name="Tình hình báo cáo",
    title="Tình hình báo cáo",
    order=23,
)
P = "prov-report"


def render(period: str, code: str | None, lang: str) -> list[Any]:
    return view.completeness(period, lang)


def layout(**kwargs: Any) -> html.Div:
    return province_page.layout(P, "nav_prov_reporting", dict(kwargs), render, with_code=False)


province_page.register(P, render, with_code=False)
