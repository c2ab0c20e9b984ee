"""Xếp hạng xã (province and district mode): see dashboards/views/province.py."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import province_page
from dashboards.views import province as view

dash.register_page(
    __name__,
    nav="nav_prov_ranking",
    province_only=True,
    path="/tinh/xep-hang",
    name="Xếp hạng xã",
    title="Xếp hạng xã",
    order=20,
)
P = "prov-rank"


def render(period: str, code: str | None, lang: str) -> list[Any]:
    return view.ranking(period, lang)


def layout(**kwargs: Any) -> html.Div:
    return province_page.layout(P, "nav_prov_ranking", dict(kwargs), render, with_code=False)


province_page.register(P, render, with_code=False)
