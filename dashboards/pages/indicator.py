"""One indicator: monthly series against the target, formula, numerator, denominator, rows."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards.views.indicators import detail

dash.register_page(
    __name__, path_template="/chi-tieu/<code>", name="Chỉ tiêu", title="Chỉ tiêu", order=99
)


def layout(code: str = "", **kwargs: Any) -> html.Div:
    return html.Div(detail(code.upper(), dict(kwargs)), id="indicator-page")
