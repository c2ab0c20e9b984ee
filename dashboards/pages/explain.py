"""Giải trình: open explanation requests, overdue first (for the chairperson)."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
from dash import html

from coc import explain, fmt
from dashboards import access, state, units
from dashboards.i18n import t
from dashboards.pages_common import login_needed
from dashboards.views.explain import register_callbacks

dash.register_page(
    __name__,
    nav="nav_explain",
    clerk_only=True,
    path="/giai-trinh",
    name="Giải trình",
    title="Giải trình",
    order=8,
)
register_callbacks()  # the indicator page's giải trình section (dashboards.views.explain)


def layout(**kwargs: Any) -> html.Div:
    lang = state.lang(dict(kwargs))
    if not access.has_role("clerk"):
        return login_needed(lang, "/giai-trinh")
    st = state.get()
    scope = units.scope()
    items = []
    for r in explain.open_requests(st.store, st.now(), scope):
        name = st.catalog.get(r["indicator"]).name(lang) if r["indicator"] in st.catalog else ""
        status = "explain_overdue" if r["overdue"] else "explain_status_open"
        due = fmt.day(date.fromisoformat(r["due_date"]), lang)
        where = (
            [html.Span(scope.names[r["org_unit"]], className="explain-unit")]
            if (scope.choices and r["org_unit"] in scope.names)
            else []
        )  # province and district mode: whose figure it is
        link = f"/chi-tieu/{r['indicator']}?period={r['period']}"
        if scope.choices:
            link += f"&ou={r['org_unit']}"
        items.append(
            html.Div(
                [
                    html.Div([html.Span(t(status, lang), className=f"explain-status {status}"),
                              html.Span(t("explain_due", lang, due=due)),
                              html.Span(t("explain_by", lang, who=r["requested_by"],
                                          to=r["assignee"])), *where],
                             className="alert-tags"),
                    html.A(name, href=link, className="alert-message"),
                    html.P(r["question"], className="explain-question"),
                ],
                className="explain-item",
            )
        )  # fmt: skip
    return html.Div(
        [
            html.H1(t("explain_list_title", lang), className="page-title"),
            html.Div(items or [html.P(t("explain_none", lang), className="no-data")],
                     id="explain-open"),
        ]
    )  # fmt: skip
