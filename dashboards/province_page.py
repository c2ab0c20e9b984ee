"""The frame the four province pages share: a period (and, for the comparison, an indicator)
picker, a body re-rendered when a picker changes or the refresh interval ticks, and the
notice shown instead when this COC runs in commune mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Input, Output, State, callback, dcc, html

from dashboards import periods, state
from dashboards.components import refresh_seconds
from dashboards.i18n import t
from dashboards.views import province as view

Render = Callable[[str, str | None, str], list[Any]]  # (period, code, lang) → children


def layout(prefix: str, title_key: str, params: dict[str, Any], render: Render,
           with_code: bool = False) -> html.Div:  # fmt: skip
    lang = state.lang(params)
    title = html.H1(t(title_key, lang), className="page-title")
    if not view.enabled():
        return html.Div([title, view.not_enabled(lang)])
    period, options = view.periods(params, lang)
    code = (params.get("code") or view.default_code()) if with_code else None
    del options  # the shared picker lists the periods and puts the choice in the URL
    pickers = [
        periods.picker(prefix, params, lang),
        dcc.Store(id=f"{prefix}-period", data=period),
    ]
    if with_code:
        pickers.append(
            html.Div([html.Label(t("indicator", lang)),
                      dcc.Dropdown(view.indicator_options(lang), code, id=f"{prefix}-code",
                                   clearable=False, style={"minWidth": "520px"})])
        )  # fmt: skip
    else:
        pickers.append(dcc.Store(id=f"{prefix}-code", data=None))
    refresh = refresh_seconds(params, state.get().settings.dashboard.refresh_s)
    return html.Div(
        [
            title,
            dcc.Store(id=f"{prefix}-lang", data=lang),
            dcc.Interval(id=f"{prefix}-tick", interval=refresh * 1000),
            html.Div(pickers, className="filters"),
            html.Div(render(period, code, lang), id=f"{prefix}-body"),
        ]
    )


def register(prefix: str, render: Render, with_code: bool = False) -> None:
    """The page's one callback: pickers or the interval → the body."""
    code_input = Input(f"{prefix}-code", "value") if with_code else Input(f"{prefix}-code", "data")

    @callback(
        Output(f"{prefix}-body", "children"),
        State(f"{prefix}-period", "data"),
        code_input,
        Input(f"{prefix}-tick", "n_intervals"),
        State(f"{prefix}-lang", "data"),
        prevent_initial_call=True,
    )
    def _update(period: str | None, code: str | None, _n: Any, lang: str | None) -> Any:
        lang = lang or "vi"
        if not view.enabled():
            return view.not_enabled(lang)
        chosen, _options = view.periods({"period": period}, lang)
        return render(chosen, code, lang)
