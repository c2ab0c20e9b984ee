"""Giải trình beside one indicator: who answers for it (changeable by the chairperson or an
admin), its requests with their answers, the chairperson's request form and the
responsible person's answer box. Calls `coc.explain` only."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, dcc, html

from coc import explain, fmt
from coc.auth.users import get_user, list_users
from coc.errors import CocError
from coc.notify.config import load_notify
from coc.timeutil import parse_datetime, to_local
from dashboards import access, state, units
from dashboards.components import card
from dashboards.i18n import t


def _name(username: str) -> str:
    user = get_user(state.get().store, username) if username else None
    return (user.name or user.username) if user else (username or "—")


def _request(r: dict[str, Any], lang: str, me: str) -> html.Div:
    due = fmt.day(date.fromisoformat(r["due_date"]), lang)
    status = "explain_overdue" if r["overdue"] else f"explain_status_{r['status']}"
    parts: list[Any] = [
        html.Div([html.Span(t(status, lang), className=f"explain-status {status}"),
                  html.Span(t("explain_due", lang, due=due), className="explain-due"),
                  html.Span(t("explain_by", lang, who=_name(r["requested_by"]),
                              to=_name(r["assignee"])), className="explain-who")],
                 className="alert-tags"),
        html.P(r["question"], className="explain-question"),
    ]  # fmt: skip
    if r["answer"]:
        when = fmt.moment(parse_datetime(r["answered_at"]), lang)
        parts += [
            html.P(r["answer"], className="explain-answer", id=f"explain-answer-{r['id']}"),
            html.Small(t("explain_answered", lang, who=_name(r["answered_by"]), when=when)),
        ]
    elif r["assignee"] == me:
        parts += [
            dcc.Textarea(id={"type": "explain-text", "id": r["id"]}, className="explain-box",
                         placeholder=t("explain_answer_placeholder", lang)),
            html.Button(t("explain_send_answer", lang), className="btn",
                        id={"type": "explain-answer", "id": r["id"]}),
        ]  # fmt: skip
    return html.Div(parts, className="explain-item")


def section(code: str, period: str, lang: str, org_unit: str | None = None) -> Any:
    """The card on the indicator page (None for anonymous viewers), for the org unit the
    page shows."""
    if not access.has_role("viewer"):
        return None
    st = state.get()
    me = access.actor()
    owner = explain.responsible(st.store, st.catalog, code)
    chair = access.has_role("approver")
    body: list[Any] = [
        dcc.Store(
            id="explain-ctx",
            data={"code": code, "period": period, "lang": lang, "ou": org_unit or units.chosen()},
        ),
        html.P(t("explain_owner", lang, who=_name(owner)), id="explain-owner"),
    ]
    if chair:
        users = [{"label": u.name or u.username, "value": u.username}
                 for u in list_users(st.store) if u.active]  # fmt: skip
        tomorrow = to_local(st.now()).date() + timedelta(days=7)
        body += [
            html.Div([dcc.Dropdown(users, owner or None, id="explain-owner-pick",
                                   className="alerts-user", clearable=False),
                      html.Button(t("explain_change_owner", lang), id="explain-owner-save",
                                  className="btn btn-secondary")],
                     className="alerts-action"),
            html.Div([dcc.DatePickerSingle(id="explain-due", date=tomorrow.isoformat(),
                                           display_format="DD/MM/YYYY"),
                      dcc.Textarea(id="explain-question", className="explain-box",
                                   placeholder=t("explain_question_placeholder", lang)),
                      html.Button(t("explain_send_request", lang), id="explain-send",
                                  className="btn")],
                     className="explain-form"),
        ]  # fmt: skip
    body.append(html.Div(id="explain-message", role="status"))
    items = explain.requests_for(st.store, code, org_unit or units.chosen(), st.now())
    listing = [_request(r, lang, me) for r in items] or [
        html.P(t("explain_none", lang), className="no-data")
    ]
    body.append(html.Div(listing, id="explain-list"))
    return card(t("explain_title", lang), *body, id_="ind-explain")


def _refresh(ctx: dict[str, Any]) -> Any:
    st = state.get()
    unit = units.chosen({"ou": ctx.get("ou")})
    items = explain.requests_for(st.store, ctx["code"], unit, st.now())
    lang = ctx.get("lang", "vi")
    return [_request(r, lang, access.actor()) for r in items] or [
        html.P(t("explain_none", lang), className="no-data")
    ]


def register_callbacks() -> None:
    """The section's callbacks. Called from a page module (`dashboards.pages.explain`):
    Dash runs page modules once per app, so each app gets them (a plain module's
    @callback would go to the first app only)."""

    @callback(
        Output("explain-message", "children"),
        Output("explain-list", "children"),
        Output("explain-owner", "children"),
        Input("explain-send", "n_clicks"),
        Input("explain-owner-save", "n_clicks"),
        State("explain-due", "date"),
        State("explain-question", "value"),
        State("explain-owner-pick", "value"),
        State("explain-ctx", "data"),
        prevent_initial_call=True,
    )
    def on_chair(_send: int, _owner: int, due: str | None, question: str | None,
                 owner: str | None, ctx: dict[str, Any]):  # fmt: skip
        lang = ctx.get("lang", "vi")
        nothing = dash.no_update
        if denied := access.write_denied(lang):
            return html.Span(denied, className="message-error"), nothing, nothing
        if not access.has_role("approver"):
            return (
                html.Span(t("explain_chair_only", lang), className="message-error"),
                nothing,
                nothing,
            )
        st = state.get()
        try:
            if dash.ctx.triggered_id == "explain-owner-save":
                explain.set_responsible(st.store, st.catalog, ctx["code"], owner or "",
                                        access.actor(), st.now(),
                                        scope=units.scope())  # fmt: skip
                who = t("explain_owner", lang, who=_name(owner or ""))
                return (
                    html.Span(t("explain_owner_saved", lang), className="message-ok"),
                    nothing,
                    who,
                )
            if not due:
                raise explain.ExplainError(t("explain_need_due", lang))
            cfg = load_notify(st.settings, os.environ)
            day = date.fromisoformat(due[:10])
            explain.request(st.store, st.catalog, cfg, code=ctx["code"],
                            org_unit=ctx.get("ou") or units.chosen(), period=ctx["period"],
                            by=access.actor(), due=day, question=question or "", now=st.now(),
                            scope=units.scope())  # fmt: skip
        except CocError as exc:
            return html.Span(str(exc), className="message-error"), nothing, nothing
        ok = html.Span(t("explain_sent", lang), className="message-ok", id="explain-ok")
        return ok, _refresh(ctx), nothing

    @callback(
        Output("explain-message", "children", allow_duplicate=True),
        Output("explain-list", "children", allow_duplicate=True),
        Input({"type": "explain-answer", "id": ALL}, "n_clicks"),
        State({"type": "explain-text", "id": ALL}, "value"),
        State({"type": "explain-text", "id": ALL}, "id"),
        State("explain-ctx", "data"),
        prevent_initial_call=True,
    )
    def on_answer(clicks: list[int | None], texts: list[str | None], ids: list[dict], ctx: dict):
        lang = ctx.get("lang", "vi")
        if not any(clicks) or not isinstance(dash.ctx.triggered_id, dict):
            return dash.no_update, dash.no_update
        if denied := access.write_denied(lang):
            return html.Span(denied, className="message-error"), dash.no_update
        request_id = int(dash.ctx.triggered_id["id"])
        text = {int(i["id"]): v for i, v in zip(ids, texts, strict=True)}.get(request_id) or ""
        st = state.get()
        try:
            explain.answer(st.store, request_id, access.actor(), text, st.now(),
                           any_user=access.has_role("admin"), scope=units.scope())  # fmt: skip
        except CocError as exc:
            return html.Span(str(exc), className="message-error"), dash.no_update
        ok = html.Span(t("explain_answer_saved", lang), className="message-ok", id="explain-ok")
        return ok, _refresh(ctx)
