"""Cần kiểm tra: figures that break a validation rule, for clerks to confirm or correct.

A flagged figure is kept and shown marked, and is not sent upward until it is resolved
(`coc.indicators.validation`)."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, dcc, html

from coc import fmt
from coc.indicators import calendar, validation
from coc.scope import UnitRefused
from dashboards import access, state, units
from dashboards.i18n import t
from dashboards.pages_common import login_needed

dash.register_page(
    __name__,
    nav="nav_check",
    clerk_only=True,
    path="/can-kiem-tra",
    name="Cần kiểm tra",
    title="Cần kiểm tra",
    order=8,
)


def _names(codes: tuple[str, ...], lang: str) -> str:
    cat = state.get().catalog
    return "; ".join(cat.get(c).name(lang) for c in codes if c in cat)


def listing(lang: str, org_unit: str | None = None) -> html.Div:
    st = state.get()
    flags = validation.open_flags(st.store, org_unit or units.chosen(), None, st.catalog)
    if not flags:
        return html.Div(html.P(t("calendar_check_none", lang), className="no-data"),
                        id="check-empty")  # fmt: skip
    items = []
    for f in flags:
        element = f.elements[0] if f.elements else ""
        items.append(
            html.Div(
                [
                    html.H3(f"{calendar.month_label(f.period, lang)} – {f.message(lang)}"),
                    html.P([html.B(f"{t('calendar_check_values', lang)}: "),
                            _names(f.elements, lang)]),
                    html.P([html.B(f"{t('calendar_check_held', lang)}: "),
                            _names(f.held, lang)]),
                    html.Small(f"{t('calendar_check_opened', lang)}: "
                               f"{fmt.moment(f.opened_at, lang)}"),
                    html.Div(
                        [
                            html.Button(t("calendar_check_confirm", lang), className="btn",
                                        id={"type": "check-confirm", "flag": f.id}),
                            html.A(t("calendar_check_correct", lang), className="btn",
                                   href=f"/nhap-lieu?code={element}&period={f.period}"),
                        ],
                        className="table-tools",
                    ),
                ],
                className="card check-flag",
                id=f"check-flag-{f.id}",
            )
        )  # fmt: skip
    return html.Div(items, id="check-list")


def layout(**kwargs: Any) -> html.Div:
    lang = state.lang(dict(kwargs))
    if not access.has_role("clerk"):
        return login_needed(lang, "/can-kiem-tra")
    unit = units.chosen(kwargs)
    return html.Div(
        [
            dcc.Store(id="check-lang", data=lang),
            dcc.Store(id="check-ou", data=unit),
            html.H1(t("calendar_check_heading", lang), className="page-title"),
            units.picker("check", kwargs, lang),
            html.P(t("calendar_check_intro", lang)),
            html.Div(id="check-message", role="status"),
            html.Div(listing(lang, unit), id="check-body"),
        ]
    )


@callback(
    Output("check-message", "children"),
    Output("check-body", "children"),
    Input({"type": "check-confirm", "flag": ALL}, "n_clicks"),
    State("check-lang", "data"),
    State("check-ou", "data"),
    prevent_initial_call=True,
)
def on_confirm(clicks: list[int | None], lang: str | None, ou: str | None = None) -> Any:
    lang = lang or "vi"
    trigger = dash.ctx.triggered_id
    if not trigger or not any(clicks or []):
        return dash.no_update, dash.no_update
    if denied := access.write_denied(lang):
        return html.Span(denied, className="message-error"), dash.no_update
    st = state.get()
    unit = units.chosen({"ou": ou})
    try:
        flag = validation.confirm(st.store, st.catalog, int(trigger["flag"]), access.actor(),
                                  scope=units.scope())  # fmt: skip
    except UnitRefused as exc:
        return html.Span(str(exc), className="message-error"), dash.no_update
    if flag is None:
        return dash.no_update, listing(lang, unit)
    message = t("calendar_check_confirmed", lang, rule=flag.message(lang))
    return html.Span(message, className="message-ok"), listing(lang, unit)
