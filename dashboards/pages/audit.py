"""Nhật ký: who changed what and when (clerks and admins)."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from coc import fmt
from coc.store.audit import recent
from dashboards import access, fieldreports_public, labels, state
from dashboards.components import data_table
from dashboards.i18n import t
from dashboards.pages_common import login_needed

dash.register_page(
    __name__,
    nav="nav_audit",
    clerk_only=True,
    path="/nhat-ky",
    name="Nhật ký",
    title="Nhật ký",
    order=8,
)


def layout(**kwargs: Any) -> html.Div:
    lang = state.lang(dict(kwargs))
    if not access.has_role("clerk"):
        return login_needed(lang, "/nhat-ky")
    st = state.get()
    with st.store.session() as session:
        entries = recent(session, limit=1000)
    cats = fieldreports_public.intake().categories  # a report's category key in words
    rows = [  # actions, tables, statuses and sources in words, never their codes
        {"ts": fmt.moment(e.ts, lang), "actor": labels.audit_actor(e.actor, lang),
         "action": labels.audit_action(e.action, lang),
         "entity": labels.audit_entity(e.entity, lang),
         "key": labels.audit_key(e.entity, e.entity_key, st.catalog, lang),
         "old": labels.audit_value(e.old_value, lang, e.entity, cats),
         "new": labels.audit_value(e.new_value, lang, e.entity, cats),
         "detail": labels.detail_text(e.detail, st.settings, lang)}
        for e in entries
    ]  # fmt: skip
    columns = [("ts", t("time", lang)), ("actor", t("actor", lang)), ("action", t("action", lang)),
               ("entity", t("entity", lang)), ("key", t("code", lang)),
               ("old", t("old_value", lang)), ("new", t("new_value", lang)),
               ("detail", t("source", lang))]  # fmt: skip
    return html.Div(
        [html.H1(t("nav_audit", lang), className="page-title"),
         data_table("nhat-ky", columns, rows, lang, page_size=50)]
    )  # fmt: skip
