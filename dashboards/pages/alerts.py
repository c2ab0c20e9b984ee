"""Cảnh báo: every alert with its lifecycle; filter, acknowledge, assign, clear (clerks)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html

from coc import fmt
from coc.alerts import lifecycle
from coc.alerts.lifecycle import AlertActionError, AlertFilter
from coc.auth.users import list_users
from coc.scope import UnitRefused
from coc.timeutil import VN_TZ, as_utc, parse_datetime
from dashboards import access, state, units
from dashboards.i18n import t
from dashboards.pages_common import login_needed

dash.register_page(
    __name__,
    nav="nav_alerts",
    clerk_only=True,
    path="/canh-bao",
    name="Cảnh báo",
    title="Cảnh báo",
    order=8,
)
P = "alerts"
ACTIVE = ("ACTIVE_UNACK", "ACTIVE_ACK")


def _when(text: str | None, lang: str) -> str:
    return fmt.moment(parse_datetime(text), lang) if text else "—"


def _day_bound(text: str | None, end: bool) -> datetime | None:
    """A picked date (local) as the UTC start of that day, or of the next one for `end`."""
    if not text:
        return None
    day = datetime.fromisoformat(text[:10]).replace(tzinfo=VN_TZ)
    return as_utc(day + timedelta(days=1) if end else day)


def _filter(
    states: list[str] | None,
    kinds: list[str] | None,
    severities: list[str] | None,
    hamlets: list[str] | None,
    start: str | None,
    end: str | None,
) -> AlertFilter:
    return AlertFilter(
        states=tuple(states or ACTIVE),
        kinds=tuple(kinds or ()),
        severities=tuple(severities or ()),
        hamlets=tuple(hamlets or ()),
        since=_day_bound(start, False),
        until=_day_bound(end, True),
    )


def _details(a: dict[str, Any], lang: str) -> list[Any]:
    lines = [t("alerts_opened", lang, when=_when(a["opened_at"], lang))]
    if a["count"] > 1:
        value = fmt.number(a["last_value"], 2, lang) if a["last_value"] is not None else "—"
        lines.append(t("alerts_repeats", lang, n=fmt.number(a["count"], 0, lang), value=value))
    if a["acknowledged_by"]:
        ack = t(
            "alerts_acked", lang, who=a["acknowledged_by"], when=_when(a["acknowledged_at"], lang)
        )
        lines.append(ack + (f" — {a['ack_comment']}" if a["ack_comment"] else ""))
    if a["assignee"]:
        lines.append(
            t("alerts_assigned", lang, who=a["assignee"], by=a["assigned_by"],
              when=_when(a["assigned_at"], lang))
        )  # fmt: skip
    if a["cleared_by"]:
        lines.append(
            t("alerts_cleared_by", lang, who=a["cleared_by"], when=_when(a["cleared_at"], lang),
              reason=a["clear_reason"] or "")
        )  # fmt: skip
    elif a["status"] == "cleared":
        lines.append(t("alerts_cleared_auto", lang, when=_when(a["cleared_at"], lang)))
    return [html.Span(line, className="alert-detail") for line in lines]


def _unit(a: dict[str, Any]) -> str:
    """Whose alert it is, in province and district mode."""
    scope = units.scope()
    return scope.names.get(a["org_unit"] or "", "") if scope.choices else ""


def _label(a: dict[str, Any], lang: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Span(t(f"severity_{a['severity']}", lang),
                              className=f"alert-sev sev-{a['severity']}"),
                    html.Span(t(f"alerts_state_{a['state']}", lang), className="alert-state"),
                    html.Span(t(f"alerts_kind_{a['kind']}", lang), className="alert-kind"),
                    html.Span(a["hamlet"] or "", className="alert-hamlet"),
                    html.Span(_unit(a), className="alert-unit"),
                ],
                className="alert-tags",
            ),
            html.Div(a["message"], className="alert-message"),
            html.Div(_details(a, lang), className="alert-details"),
        ],
        className=f"alert-item state-{a['state'].lower()}",
        id=f"alert-{a['id']}",
    )  # fmt: skip


def alert_list(f: AlertFilter, lang: str) -> list[Any]:
    items = lifecycle.list_alerts(state.get().store, replace(f, scope=units.scope()))
    if not items:
        return [html.P(t("alerts_none", lang), className="no-data", id="alerts-empty")]
    options = [{"label": _label(a, lang), "value": a["id"]} for a in items]
    return [
        html.P(t("alerts_count", lang, n=fmt.number(len(items), 0, lang)), id="alerts-count"),
        dcc.Checklist(options, [], id="alerts-selected", className="alert-list",
                      inputClassName="alert-check", labelClassName="alert-row"),
    ]  # fmt: skip


def _choices(values: tuple[str, ...], prefix: str, lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"{prefix}{v}", lang), "value": v} for v in values]


def dropdown_labels(lang: str) -> dict[str, str]:
    keys = ("select_all", "deselect_all", "selected_count", "search", "clear_search",
            "clear_selection", "no_options_found")  # fmt: skip
    return {k: t(f"alerts_dd_{k}", lang) for k in keys}


def filters(lang: str) -> html.Div:
    store = state.get().store
    hamlets = lifecycle.known_hamlets(store)
    drop = {"multi": True, "placeholder": t("alerts_any", lang), "className": "alerts-filter",
            "labels": dropdown_labels(lang)}  # fmt: skip
    return html.Div(
        [
            html.Label([t("alerts_filter_state", lang),
                        dcc.Dropdown(_choices(lifecycle.STATES, "alerts_state_", lang),
                                     list(ACTIVE), id="alerts-f-state", **drop)]),
            html.Label([t("alerts_filter_kind", lang),
                        dcc.Dropdown(_choices(lifecycle.KINDS, "alerts_kind_", lang), [],
                                     id="alerts-f-kind", **drop)]),
            html.Label([t("alerts_filter_severity", lang),
                        dcc.Dropdown(_choices(lifecycle.SEVERITIES[::-1], "severity_", lang), [],
                                     id="alerts-f-severity", **drop)]),
            html.Label([t("alerts_filter_hamlet", lang),
                        dcc.Dropdown(hamlets, [], id="alerts-f-hamlet", **drop)]),
            html.Label([t("alerts_filter_time", lang),
                        dcc.DatePickerRange(id="alerts-f-time", display_format="DD/MM/YYYY",
                                            clearable=True,
                                            start_date_placeholder_text=t("alerts_from", lang),
                                            end_date_placeholder_text=t("alerts_to", lang))]),
        ],
        className="alerts-filters",
    )  # fmt: skip


def actions(lang: str) -> html.Div:
    users = [{"label": u.name or u.username, "value": u.username}
             for u in list_users(state.get().store) if u.active]  # fmt: skip
    return html.Div(
        [
            html.Div([dcc.Input(id="alerts-comment", placeholder=t("alerts_comment", lang),
                                maxLength=2000, className="alerts-input"),
                      html.Button(t("alerts_ack", lang), id="alerts-ack", className="btn")],
                     className="alerts-action"),
            html.Div([dcc.Dropdown(users, None, id="alerts-assignee", labels=dropdown_labels(lang),
                                   placeholder=t("alerts_assignee", lang), className="alerts-user"),
                      html.Button(t("alerts_assign", lang), id="alerts-assign",
                                  className="btn btn-secondary")],
                     className="alerts-action"),
            html.Div([dcc.Input(id="alerts-reason", placeholder=t("alerts_reason", lang),
                                maxLength=2000, className="alerts-input"),
                      html.Button(t("alerts_clear", lang), id="alerts-clear",
                                  className="btn btn-danger")],
                     className="alerts-action"),
        ],
        className="alerts-actions",
    )  # fmt: skip


def layout(**kwargs: Any) -> html.Div:
    lang = state.lang(dict(kwargs))
    if not access.has_role("clerk"):
        return login_needed(lang, "/canh-bao")
    f = _filter(list(ACTIVE), [], [], [], None, None)
    return html.Div(
        [
            dcc.Store(id="alerts-lang", data=lang),
            html.H1(t("alerts_title", lang), className="page-title"),
            filters(lang),
            actions(lang),
            html.Div(id="alerts-message", role="status"),
            html.Div(alert_list(f, lang), id="alerts-list"),
        ]
    )


FILTERS = [
    Input("alerts-f-state", "value"),
    Input("alerts-f-kind", "value"),
    Input("alerts-f-severity", "value"),
    Input("alerts-f-hamlet", "value"),
    Input("alerts-f-time", "start_date"),
    Input("alerts-f-time", "end_date"),
]


@callback(
    Output("alerts-list", "children"),
    Output("alerts-message", "children"),
    *FILTERS,
    Input("alerts-ack", "n_clicks"),
    Input("alerts-assign", "n_clicks"),
    Input("alerts-clear", "n_clicks"),
    State("alerts-selected", "value"),
    State("alerts-comment", "value"),
    State("alerts-assignee", "value"),
    State("alerts-reason", "value"),
    State("alerts-lang", "data"),
    prevent_initial_call=True,
)
def on_change(
    st: list[str] | None,
    kinds: list[str] | None,
    sev: list[str] | None,
    ham: list[str] | None,
    start: str | None,
    end: str | None,
    _ack: int | None,
    _assign: int | None,
    _clear: int | None,
    selected: list[int] | None,
    comment: str | None,
    assignee: str | None,
    reason: str | None,
    lang: str,
) -> tuple[Any, Any]:
    lang = lang or "vi"
    f = _filter(st, kinds, sev, ham, start, end)
    trigger = dash.ctx.triggered_id
    if trigger not in ("alerts-ack", "alerts-assign", "alerts-clear"):
        return alert_list(f, lang), dash.no_update
    if denied := access.write_denied(lang):
        return dash.no_update, html.Span(denied, className="message-error")
    ids = [int(i) for i in selected or []]
    if not ids:
        return dash.no_update, html.Span(t("alerts_choose", lang), className="message-error")
    app, who = state.get(), access.actor()
    now = app.now()
    scope = units.scope()
    try:
        lifecycle.ensure_allowed(app.store, ids, scope)
        if trigger == "alerts-ack":
            n = lifecycle.acknowledge(app.store, ids, who, comment, now, scope)
            done = t("alerts_done_ack", lang, n=n)
        elif trigger == "alerts-assign":
            if not assignee:
                return dash.no_update, html.Span(
                    t("alerts_choose_user", lang), className="message-error"
                )
            for alert_id in ids:
                lifecycle.assign(app.store, alert_id, assignee, who, now, scope)
            done = t("alerts_done_assign", lang, n=len(ids), who=assignee)
        else:
            if not (reason or "").strip():  # refused before any change: keep the selection
                return dash.no_update, html.Span(t("alerts_need_reason", lang),
                                                 className="message-error")  # fmt: skip
            for alert_id in ids:
                lifecycle.clear_by_hand(app.store, alert_id, who, reason or "", now, scope)
            done = t("alerts_done_clear", lang, n=len(ids))
    except (AlertActionError, UnitRefused) as exc:
        return alert_list(f, lang), html.Span(str(exc), className="message-error")
    return alert_list(f, lang), html.Span(done, className="message-ok", id="alerts-ok")
