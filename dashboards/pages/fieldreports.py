"""Xử lý phản ánh (clerks): every field report with the reporter's contact, and one
report's handling: release from moderation, accept and assign, start, resolve, publish
the answer, refuse with a reason, or correct its category. Each change goes through
coc.fieldreports.handling; a published answer is queued back to the citizen
(coc.fieldreports.answers) and the report shows whether it was sent, and why not."""

from __future__ import annotations

import os
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from coc import fmt
from coc.fieldreports import answers, handling, queries, service
from coc.ingest.records import Rejected
from dashboards import access, state, units
from dashboards.components import data_table
from dashboards.fieldreports_public import intake
from dashboards.i18n import t
from dashboards.pages_common import login_needed

PATH = "/xu-ly-phan-anh"
dash.register_page(__name__, nav="nav_fieldreports", clerk_only=True, path=PATH,
                   name="Xử lý phản ánh", title="Xử lý phản ánh", order=8)  # fmt: skip
P = "fieldreports"


def _rows(lang: str, states: tuple[str, ...] | None) -> list[dict[str, Any]]:
    cats = intake().categories
    out = []
    for r in queries.clerk_rows(state.get().store, states=states, scope=units.scope()):
        contact = " · ".join(x for x in (r["reporter_name"], r["reporter_phone"]) if x)
        out.append({
            "code": service.shown_code(r["code"]),
            "state": t("fr_state_" + r["state"], lang),
            "channel": t("fr_channel_" + r["channel"], lang),
            "category": cats.name(r["category"], lang),
            "hamlet": r["hamlet"] or "",
            "received": fmt.moment(r["received_at"], lang),
            "deadline": fmt.day(r["deadline"], lang) if r["deadline"] else "",
            "assignee": " / ".join(x for x in (r["assignee"], r["unit"]) if x),
            "reporter": contact,
            "moderation": r["moderation_reason"] or "",
            "description": r["description"][:200],
        })  # fmt: skip
    return out


def table(lang: str, states: tuple[str, ...] | None = None) -> html.Div:
    columns = [
        ("code", t("fr_col_code", lang)), ("state", t("fr_status", lang)),
        ("category", t("fr_category", lang)), ("hamlet", t("fr_hamlet", lang)),
        ("description", t("fr_description", lang)), ("received", t("fr_received", lang)),
        ("deadline", t("fr_deadline", lang)), ("assignee", t("fr_col_assignee", lang)),
        ("reporter", t("fr_col_reporter", lang)), ("channel", t("fr_col_channel", lang)),
        ("moderation", t("fr_col_moderation", lang)),
    ]  # fmt: skip
    return data_table("phan-anh", columns, _rows(lang, states), lang, page_size=20)


def detail(lang: str, code: str | None) -> Any:
    if not code:
        return html.P(t("fr_pick", lang), className="no-data")
    d = queries.clerk_detail(state.get().store, code, units.scope())
    if d is None:
        return html.P(t("fr_lookup_none", lang), className="message-error")
    cats = intake().categories
    facts = [
        (t("fr_status", lang), t("fr_state_" + d["state"], lang)),
        (t("fr_category", lang), cats.name(d["category"], lang)),
        (t("fr_hamlet", lang), d["hamlet"] or "—"),
        (t("fr_received", lang), fmt.moment(d["received_at"], lang)),
        (t("fr_deadline", lang), fmt.day(d["deadline"], lang)),
        (t("fr_col_assignee", lang), " / ".join(x for x in (d["assignee"], d["unit"]) if x) or "—"),
        (t("fr_col_reporter", lang), reporter(d, lang)),
        (t("fr_location", lang), f"{fmt.number(d['lat'], 5, lang)}, {fmt.number(d['lon'], 5, lang)}"
         if d["lat"] is not None else "—"),
    ]  # fmt: skip
    if d["moderation_reason"]:
        facts.append((t("fr_col_moderation", lang), d["moderation_reason"]))
    if d["delivery"]["state"]:
        facts.append((t("fr_delivery", lang), delivery_line(d["delivery"], lang)))
    photos = [photo_item(p, i, lang) for i, p in enumerate(d["photos"], 1)]
    return html.Div([
        html.H3(service.shown_code(d["code"]), id=f"{P}-detail-code"),
        html.Dl([x for k, v in facts for x in (html.Dt(k), html.Dd(v))], className="fr-dl"),
        html.P(d["description"], id=f"{P}-detail-text"),
        html.Div(photos, id=f"{P}-detail-photos"),
        html.P(d["answer"] or d["reject_reason"] or "", id=f"{P}-detail-answer"),
    ])  # fmt: skip


def reporter(d: dict[str, Any], lang: str) -> str:
    """Name and phone as left; a Zalo reporter as such (the id itself is never shown)."""
    contact = " · ".join(x for x in (d["reporter_name"], d["reporter_phone"]) if x)
    if d["channel"] == "zalo":
        zalo = t("fr_reporter_zalo" if d["zalo_reachable"] else "fr_reporter_zalo_old", lang)
        contact = " · ".join(x for x in (contact, zalo) if x)
    return contact or "—"


def delivery_line(delivery: dict[str, Any], lang: str) -> str:
    """How the answer went back, in words: waiting, sent when, retrying or failed why."""
    way = t(f"fr_way_{delivery['way']}", lang) if delivery["way"] else "—"
    at = fmt.moment(delivery["at"], lang) if delivery["at"] else "—"
    return t(f"fr_delivery_{delivery['state']}", lang, way=way, at=at,
             note=delivery["note"] or "—")  # fmt: skip


def published_line(delivery: dict[str, Any], lang: str) -> str:
    """What the clerk reads right after publishing: queued, or not sent and why."""
    if delivery["state"] == "not_sendable":
        return t("fr_published_not_sent", lang, note=delivery["note"] or "—")
    return t("fr_published_queued", lang, way=t(f"fr_way_{delivery['way']}", lang))


def recategorized_line(d: dict[str, Any], lang: str) -> str:
    """The report's new category, deadline and unit after the change, in words."""
    return t("fr_recategorized", lang, category=intake().categories.name(d["category"], lang),
             deadline=fmt.day(d["deadline"], lang), unit=d["unit"] or "—")  # fmt: skip


def photo_item(p: dict[str, Any], n: int, lang: str) -> Any:
    """A stored photo as an image; one a channel sent as a link and not (yet) fetched as a
    line saying so, with the reason and the original link, for the clerk."""
    if p["state"] == "stored":
        return html.Img(src=f"/phan-anh/anh-xu-ly/{p['id']}.jpg", className="fr-clerk-photo",
                        style={"maxWidth": "260px", "marginRight": "8px"})  # fmt: skip
    key = "fr_photo_failed" if p["state"] == "failed" else "fr_photo_pending"
    if p["state"] == "pending" and not p["tries"]:
        key = "fr_photo_waiting"
    words = t(key, lang, n=n, tries=p["tries"], reason=p["error"] or "—")
    link = html.A(t("fr_photo_link", lang), href=p["link"], target="_blank", rel="noreferrer")
    return html.P([words, " ", link] if p["link"] else words, className="fr-photo-missing")


def _codes(lang: str) -> list[dict[str, str]]:
    cats = intake().categories
    return [
        {"label": f"{service.shown_code(r['code'])} – {t('fr_state_' + r['state'], lang)} – "
                  f"{cats.name(r['category'], lang)}", "value": r["code"]}
        for r in queries.clerk_rows(state.get().store, scope=units.scope())
    ]  # fmt: skip


def layout(**kwargs: Any) -> html.Div:
    lang = state.lang(dict(kwargs))
    if not access.has_role("clerk"):
        return login_needed(lang, PATH)
    states = [{"label": t("fr_state_" + s, lang), "value": s} for s in handling.STATES]
    actions = [{"label": t("fr_act_" + a, lang), "value": a} for a in handling.ACTIONS]
    categories = [{"label": c.name(lang), "value": c.key} for c in intake().categories.items]
    return html.Div([
        dcc.Store(id=f"{P}-lang", data=lang),
        html.H1(t("fr_handle_title", lang), className="page-title"),
        html.Label(t("fr_filter", lang)),
        dcc.Dropdown(states, id=f"{P}-filter", multi=True, placeholder=t("fr_all", lang)),
        html.Div(table(lang), id=f"{P}-table"),
        html.Div([
            dcc.Dropdown(_codes(lang), id=f"{P}-code", placeholder=t("fr_pick", lang)),
            html.Div(detail(lang, None), id=f"{P}-detail"),
            html.Label(t("fr_action", lang)),
            dcc.Dropdown(actions, id=f"{P}-action"),
            dcc.Dropdown(categories, id=f"{P}-category", placeholder=t("fr_new_category", lang)),
            dcc.Input(id=f"{P}-assignee", placeholder=t("fr_col_assignee", lang), type="text"),
            dcc.Input(id=f"{P}-unit", placeholder=t("fr_col_unit", lang), type="text"),
            dcc.Textarea(id=f"{P}-text", placeholder=t("fr_text", lang),
                         style={"width": "100%", "minHeight": "90px"}),
            dcc.Checklist([{"label": t("fr_publish_photos", lang), "value": "yes"}], [],
                          id=f"{P}-photos"),
            html.Button(t("fr_apply", lang), id=f"{P}-apply", className="btn"),
            html.Div(id=f"{P}-message", role="status"),
        ], className="card", id=f"{P}-panel"),
    ])  # fmt: skip


@callback(
    Output(f"{P}-table", "children"),
    Input(f"{P}-filter", "value"),
    State(f"{P}-lang", "data"),
    prevent_initial_call=True,
)
def on_filter(states: list[str] | None, lang: str) -> Any:
    if not access.has_role("clerk"):
        return dash.no_update
    return table(lang or "vi", tuple(states) if states else None)


@callback(
    Output(f"{P}-detail", "children"),
    Input(f"{P}-code", "value"),
    State(f"{P}-lang", "data"),
    prevent_initial_call=True,
)
def on_pick(code: str | None, lang: str) -> Any:
    if not access.has_role("clerk"):
        return dash.no_update
    return detail(lang or "vi", code)


@callback(
    Output(f"{P}-message", "children"),
    Output(f"{P}-detail", "children", allow_duplicate=True),
    Output(f"{P}-table", "children", allow_duplicate=True),
    Output(f"{P}-code", "options"),
    Output(f"{P}-action", "value"),
    Output(f"{P}-text", "value"),
    Input(f"{P}-apply", "n_clicks"),
    State(f"{P}-code", "value"),
    State(f"{P}-action", "value"),
    State(f"{P}-assignee", "value"),
    State(f"{P}-unit", "value"),
    State(f"{P}-text", "value"),
    State(f"{P}-photos", "value"),
    State(f"{P}-category", "value"),
    State(f"{P}-lang", "data"),
    prevent_initial_call=True,
)
def on_apply(
    _n: int, code: str | None, action: str | None, assignee: str | None, unit: str | None,
    text: str | None, photos: list[str] | None, category: str | None, lang: str,
) -> Any:  # fmt: skip
    lang = lang or "vi"
    keep = (dash.no_update,) * 5
    if denied := access.write_denied(lang):
        return (html.Span(denied, className="message-error"), *keep)
    if not code or not action:
        return (html.Span(t("fr_pick", lang), className="message-error"), *keep)
    app = state.get()
    change = handling.Change(
        action, assignee=assignee, unit=unit, publish_photos=bool(photos),
        answer=text if action in ("answer", "resolve") else None,
        reason=text if action == "reject" else None,
        category=category if action == "recategorize" else None,
    )  # fmt: skip
    routes = answers.Routes.load(app.settings, os.environ) if action == "answer" else None
    result = handling.apply(app.store, code, change, actor=access.actor(),
                            categories=intake().categories, now=app.now(), routes=routes,
                            scope=units.scope())  # fmt: skip
    if isinstance(result, Rejected):
        return (html.Span(result.reason, className="message-error"), *keep)
    done: list[Any] = [
        html.Span(t("fr_done", lang, state=t("fr_state_" + result, lang)), className="message-ok")
    ]
    shown = queries.clerk_detail(app.store, code, units.scope())
    if action == "recategorize" and shown is not None:
        done = [html.Span(recategorized_line(shown, lang), className="message-ok")]
    if action == "answer" and shown is not None and shown["delivery"]["state"]:
        sent = shown["delivery"]["state"] != "not_sendable"
        done.append(html.P(published_line(shown["delivery"], lang), id=f"{P}-delivery",
                           className="message-ok" if sent else "message-error"))  # fmt: skip
    return html.Div(done), detail(lang, code), table(lang), _codes(lang), None, ""
