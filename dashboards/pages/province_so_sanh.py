"""So sánh các xã (province and district mode): see dashboards/views/province.py."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import province_page
from dashboards.views import province as view

dash.register_page(
    __name__,
    nav="nav_prov_compare",
    province_only=True,
    path="/tinh/so-sanh",
    name="So sánh các xã",
    title="So sánh các xã",
    order=21,
)
P = "prov-compare"


def render(period: str, code: str | None, lang: str) -> list[Any]:
    return view.comparison(code, period, lang)


def layout(**kwargs: Any) -> html.Div:
    return province_page.layout(P, "nav_prov_compare", dict(kwargs), render, with_code=True)


province_page.register(P, render, with_code=True)
