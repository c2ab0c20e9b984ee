"""Đồng bộ: the upstream, last push and pull, values waiting and errors."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboards import state
from dashboards.components import card, data_table, kpi, live_callback, live_page
from dashboards.i18n import t
from dashboards.syncstatus import status

dash.register_page(
    __name__, nav="nav_sync", path="/dong-bo", name="Đồng bộ", title="Đồng bộ", order=10
)
P = "sync"


def render(params: dict[str, Any]) -> Any:
    lang = state.lang(params)
    s = status(lang)
    columns = [("connector", t("source", lang)), ("started", t("started", lang)),
               ("status", t("status", lang)), ("records", t("records", lang)),
               ("errors", t("errors", lang)), ("message", t("message", lang))]  # fmt: skip
    body: list[Any] = [
        html.H1(t("nav_sync", lang), className="page-title"),
        html.Div(
            [kpi(t("upstream", lang), s.upstream or t("not_configured", lang), id_="sync-upstream"),
             kpi(t("last_push", lang), s.last_push, id_="sync-push"),
             kpi(t("push_status", lang), s.push_status, id_="sync-push-status"),
             kpi(t("last_pull", lang), s.last_pull, id_="sync-pull"),
             kpi(t("queue_depth", lang), s.queue_depth, id_="sync-queue"),
             kpi(t("errors", lang), s.error_count, id_="sync-errors")],
            className="kpis",
        ),
    ]  # fmt: skip
    if s.push_message:
        css = "message-error" if s.push_failed else "message-ok"
        body.append(html.P(s.push_message, className=css, id="sync-push-message"))
    if s.pulls:
        pull_columns = [("code", t("code", lang)), ("name", t("commune", lang)),
                        ("url", t("address", lang)), ("last", t("last_pull", lang)),
                        ("status", t("status", lang)), ("records", t("records", lang)),
                        ("errors", t("errors", lang)), ("message", t("message", lang))]  # fmt: skip
        body.append(
            card(t("commune_pulls", lang), data_table("lay-tu-xa", pull_columns, s.pulls, lang))
        )
    body.append(card(t("connector_runs", lang), data_table("dong-bo", columns, s.runs, lang)))
    return body


def layout(**kwargs: Any) -> html.Div:
    return live_page(P, render, dict(kwargs), state.get().settings.dashboard.refresh_s)


live_callback(P, render)
