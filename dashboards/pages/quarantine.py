"""Dữ liệu cách ly: review records that failed validation; accept or reject (clerks)."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from coc import fmt
from coc.ingest import resolve
from coc.store import quarantine
from dashboards import access, state, units
from dashboards.components import data_table
from dashboards.i18n import t
from dashboards.labels import source_name
from dashboards.pages_common import login_needed

dash.register_page(
    __name__,
    nav="nav_quarantine",
    clerk_only=True,
    path="/cach-ly",
    name="Dữ liệu cách ly",
    title="Cách ly",
    order=9,
)
TABLE = {"type": "coc-table", "table": "cach-ly"}


def rows(lang: str) -> list[dict[str, Any]]:
    st = state.get()
    items = quarantine.listing(st.store, limit=500, scope=units.scope())
    return [
        {"id": q.id, "source": source_name(q.source, st.settings, lang), "reason": q.reason,
         "context": q.context or "", "raw": q.raw[:300],
         "received": fmt.moment(q.received_at, lang)}
        for q in items
    ]  # fmt: skip


def table(lang: str) -> html.Div:
    columns = [("id", "#"), ("source", t("source", lang)), ("reason", t("reason", lang)),
               ("context", t("entity", lang)), ("raw", t("raw", lang)),
               ("received", t("received_at", lang))]  # fmt: skip
    return data_table("cach-ly", columns, rows(lang), lang, row_selectable=True)


def layout(**kwargs: Any) -> html.Div:
    lang = state.lang(dict(kwargs))
    if not access.has_role("clerk"):
        return login_needed(lang, "/cach-ly")
    return html.Div(
        [
            dcc.Store(id="quarantine-lang", data=lang),
            html.H1(t("nav_quarantine", lang), className="page-title"),
            html.Div(
                [html.Button(t("accept", lang), id="quarantine-accept", className="btn"),
                 html.Button(t("reject", lang), id="quarantine-reject",
                             className="btn btn-danger")],
                className="table-tools",
            ),
            html.Div(id="quarantine-message", role="status"),
            html.Div(table(lang), id="quarantine-table"),
        ]
    )  # fmt: skip


@callback(
    Output("quarantine-message", "children"),
    Output("quarantine-table", "children"),
    Input("quarantine-accept", "n_clicks"),
    Input("quarantine-reject", "n_clicks"),
    State(TABLE, "selectedRows"),
    State("quarantine-lang", "data"),
    prevent_initial_call=True,
)
def on_decision(_a: int, _r: int, selected: list[dict] | None, lang: str):
    lang = lang or "vi"
    if denied := access.write_denied(lang):
        return html.Span(denied, className="message-error"), dash.no_update
    if not selected:
        return html.Span(t("choose_rows", lang), className="message-error"), dash.no_update
    accepted = dash.ctx.triggered_id == "quarantine-accept"
    ids = [int(row["id"]) for row in selected if "id" in row]
    app = state.get()
    n, errors = resolve.decide(app.store, app.catalog, ids, accepted, access.actor(), app.org_unit,
                               units.scope())  # fmt: skip
    message = [html.Span(t("resolved", lang, n=n), className="message-ok")]
    message += [html.Div(e, className="message-error") for e in errors]
    return html.Div(message), table(lang)
