"""Thông báo: notification channels (no secret shown), routing rules, "send test" per
channel, and the delivery state of each message per recipient (administrators)."""

from __future__ import annotations

import os
from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, dcc, html

from coc import fmt
from coc.errors import ConfigError
from coc.fieldreports import service
from coc.notify import outbox
from coc.notify.channels import SendFailed
from coc.notify.config import NotifyConfig, load_notify
from coc.timeutil import parse_datetime
from dashboards import access, state
from dashboards.components import card, data_table
from dashboards.i18n import t
from dashboards.pages_common import login_needed

dash.register_page(
    __name__,
    nav="nav_notify",
    clerk_only=True,
    path="/thong-bao",
    name="Thông báo",
    title="Thông báo",
    order=11,
)


def config() -> NotifyConfig:
    return load_notify(state.get().settings, os.environ)


def _when(text: str | None, lang: str) -> str:
    return fmt.moment(parse_datetime(text), lang) if text else "—"


def channels(cfg: NotifyConfig, lang: str) -> Any:
    if not cfg.channels:
        return html.P(t("notify_no_channels", lang), className="no-data")
    rows = []
    for ch in cfg.channels.values():
        shown = ch.public()
        secret = "notify_secret_set" if shown["secret_set"] else "notify_secret_missing"
        rows.append(
            html.Div(
                [
                    html.Span(ch.name, className="notify-channel-name"),
                    html.Span(t(f"notify_type_{ch.type}", lang)),
                    html.Span(t(secret, lang), className="notify-secret"),
                    dcc.Input(id={"type": "notify-recipient", "channel": ch.name},
                              placeholder=t("notify_recipient", lang), className="alerts-input"),
                    html.Button(t("notify_test", lang), className="btn",
                                id={"type": "notify-test", "channel": ch.name}),
                ],
                className="notify-channel",
            )
        )  # fmt: skip
    return html.Div(rows)


def routes(cfg: NotifyConfig, lang: str) -> Any:
    lines = [
        html.Li(
            t("notify_route_line", lang, channel=r.channel, recipients=", ".join(r.recipients),
              severity=t(f"severity_{r.min_severity}", lang),
              digest=t("notify_digest", lang) if r.digest else "")
        )
        for r in cfg.routes
    ]  # fmt: skip
    quiet = []
    if cfg.quiet is not None:
        q = cfg.quiet
        quiet = [html.P(t("notify_quiet", lang, start=f"{q.start:%H:%M}", end=f"{q.end:%H:%M}"))]
    return html.Div([*quiet, html.Ul(lines)])


def recipient(text: str, lang: str) -> str:
    """A recipient as given, or one held by reference (a citizen answered about a field
    report: the address is looked up at sending time and never kept in the outbox)."""
    ref = outbox.referenced(text)
    if ref is not None and ref[0] == "fieldreport":
        return t("fr_notify_recipient", lang, code=service.shown_code(ref[1]))
    return text


def deliveries(lang: str) -> html.Div:
    rows = [
        {
            "created": _when(d["created_at"], lang),
            "channel": d["channel"],
            "recipient": recipient(d["recipient"], lang),
            "title": d["title"],
            "status": t(f"notify_status_{d['status']}", lang),
            "attempts": d["attempts"],
            "error": d["last_error"] or "",
            "next": _when(d["next_attempt_at"], lang) if d["status"] == "pending" else "—",
            "sent": _when(d["sent_at"], lang),
        }
        for d in outbox.recent_deliveries(state.get().store, limit=200)
    ]
    keys = ("channel", "recipient", "title", "status", "attempts", "error", "next", "sent")
    columns = [("created", t("received_at", lang))]
    columns += [(k, t(f"notify_col_{k}", lang)) for k in keys]
    return data_table("thong-bao", columns, rows, lang)


def layout(**kwargs: Any) -> html.Div:
    lang = state.lang(dict(kwargs))
    if not access.has_role("clerk"):
        return login_needed(lang, "/thong-bao")
    if not access.has_role("admin"):
        return html.Div(html.P(t("notify_admin_only", lang), className="message-error"))
    try:
        cfg = config()
    except ConfigError as exc:
        return html.Div(html.P(str(exc), className="message-error"))
    return html.Div(
        [
            dcc.Store(id="notify-lang", data=lang),
            html.H1(t("notify_title", lang), className="page-title"),
            card(t("notify_channels", lang), channels(cfg, lang)),
            html.Div(id="notify-message", role="status"),
            card(t("notify_routes", lang), routes(cfg, lang)),
            card(t("notify_deliveries", lang), html.Div(deliveries(lang), id="notify-deliveries")),
        ]
    )


@callback(
    Output("notify-message", "children"),
    Output("notify-deliveries", "children"),
    Input({"type": "notify-test", "channel": ALL}, "n_clicks"),
    State({"type": "notify-recipient", "channel": ALL}, "value"),
    State({"type": "notify-recipient", "channel": ALL}, "id"),
    State("notify-lang", "data"),
    prevent_initial_call=True,
)
def on_test(clicks: list[int | None], recipients: list[str | None], ids: list[dict], lang: str):
    lang = lang or "vi"
    if not any(clicks) or not isinstance(dash.ctx.triggered_id, dict):
        return dash.no_update, dash.no_update
    if denied := access.write_denied(lang):
        return html.Span(denied, className="message-error"), dash.no_update
    if not access.has_role("admin"):
        return html.Span(t("notify_admin_only", lang), className="message-error"), dash.no_update
    channel = dash.ctx.triggered_id["channel"]
    given = {i["channel"]: v for i, v in zip(ids, recipients, strict=True)}
    recipient = (given.get(channel) or "").strip()
    if not recipient:
        return html.Span(
            t("notify_test_need_recipient", lang), className="message-error"
        ), dash.no_update
    app = state.get()
    try:
        result = outbox.send_test(
            app.store, config(), channel, recipient, app.now(),
            policy=outbox.policy_of(app.settings), max_attempts=app.settings.alerts.max_attempts,
        )  # fmt: skip
    except (SendFailed, ConfigError) as exc:
        return html.Span(str(exc), className="message-error"), dash.no_update
    word = t(f"notify_status_{result['status']}", lang)
    detail = f" — {result['last_error']}" if result.get("last_error") else ""
    css = "message-ok" if result["status"] == "sent" else "message-error"
    return html.Span(f"{channel}: {word}{detail}", className=css, id="notify-result"), deliveries(
        lang
    )
