"""Phê duyệt: clerks mark a month complete, the chairperson approves or un-approves it.
In province and district mode, for one of the person's communes (a picker)."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from coc.fmt import day, moment
from coc.periods import parse_period
from dashboards import access, approval, state, units
from dashboards.i18n import t
from dashboards.pages_common import login_needed

dash.register_page(
    __name__,
    nav="approval_nav",
    clerk_only=True,
    path="/phe-duyet",
    name="Phê duyệt",
    title="Phê duyệt",
    order=8,
)

BADGE = {
    "APPROVED_HERE": "approval-badge approval-ok",
    "UNAPPROVED_READY": "approval-badge approval-ready",
    "UNAPPROVED_WAITING": "approval-badge approval-blocked",
    "UNAPPROVABLE": "approval-badge approval-none",
}


def layout(**kwargs: Any) -> html.Div:
    params = dict(kwargs)
    lang = state.lang(params)
    if not access.has_role("clerk"):
        return login_needed(lang, "/phe-duyet")
    unit = approval.unit(params.get("ou"))
    if unit is None:
        body: Any = html.P(t("approval_no_communes", lang), id="approval-none")
    else:
        body = html.Div(month_cards(lang, unit), id="approval-months")
    return html.Div(
        [
            dcc.Store(id="approval-lang", data=lang),
            dcc.Store(id="approval-ou", data=unit),
            html.H1(t("approval_title", lang), className="page-title"),
            units.picker("approval", {"ou": unit}, lang, approval.LEVELS),
            html.P(t("approval_intro", lang), className="approval-intro"),
            html.Div(id="approval-message", role="status"),
            body,
        ],
        className="approval-page",
    )


def _button(action: str, period: str, lang: str, css: str = "btn") -> html.Button:
    return html.Button(
        t(f"approval_{action}", lang),
        id={"type": "approval-action", "action": action, "period": period},
        className=css,
    )


def month_cards(lang: str, org_unit: str) -> list[html.Div]:
    approver = access.has_role("approver")
    cards = []
    for row in approval.months(org_unit):
        st = row.status
        period = st.period
        done = row.completed_at is not None
        facts: list[Any] = [
            html.Span(t("approval_values", lang, n=st.values), className="approval-count"),
            html.Span(
                t("approval_completed", lang, date=day(row.completed_at, lang),
                  who=row.completed_by or "—")
                if done
                else t("approval_not_completed", lang),
                className="approval-complete" if done else "approval-incomplete",
            ),
        ]  # fmt: skip
        state_text = t(f"approval_state_{st.state}", lang)
        if st.approved:
            when = moment(st.approved_at, lang)
            state_text += " " + t("approval_by", lang, who=st.approved_by or "—", when=when)
        notes: list[Any] = []
        if st.state == "UNAPPROVABLE":
            ended = parse_period(period).end_utc <= state.get().now()
            notes.append(t("approval_no_values" if ended else "approval_not_ended", lang))
        notes += list(st.blocking)
        if st.reason and not st.approved:
            notes.append(t("approval_last_reason", lang, reason=st.reason))
        actions: list[Any] = []
        if not done and parse_period(period).start_utc <= state.get().now():
            actions.append(_button("complete", period, lang, "btn btn-secondary"))
        elif done and not st.approved:
            actions.append(_button("reopen", period, lang, "btn btn-secondary"))
        if approver and st.may_approve:
            actions.append(_button("approve", period, lang))
        if approver and st.may_unapprove:
            actions.append(
                dcc.Input(
                    id={"type": "approval-reason", "period": period},
                    type="text",
                    placeholder=t("approval_reason", lang),
                    className="approval-reason",
                )
            )
            actions.append(_button("unapprove", period, lang, "btn btn-danger"))
        cards.append(
            html.Div(
                [
                    html.H3(parse_period(period).label(lang)),
                    html.Div(facts, className="approval-facts"),
                    html.Div(state_text, className=BADGE[st.state], id=f"approval-state-{period}"),
                    *[html.P(n, className="approval-note") for n in notes],
                    html.Div(actions, className="approval-actions"),
                ],
                className="card approval-month",
                id=f"approval-month-{period}",
            )
        )
    return cards


@callback(
    Output("approval-message", "children"),
    Output("approval-months", "children"),
    Input({"type": "approval-action", "action": ALL, "period": ALL}, "n_clicks"),
    State({"type": "approval-reason", "period": ALL}, "value"),
    State({"type": "approval-reason", "period": ALL}, "id"),
    State("approval-lang", "data"),
    State("approval-ou", "data"),
    prevent_initial_call=True,
)
def act(clicks: list[int | None], reasons: list[str | None], reason_ids: list[dict],
        lang: str | None, ou: str | None = None) -> Any:  # fmt: skip
    lang = lang or "vi"
    trigger = ctx.triggered_id
    if not trigger or not any(clicks):
        return dash.no_update, dash.no_update
    if denied := access.write_denied(lang):
        return html.Span(denied, className="message-error"), dash.no_update
    action, period = trigger["action"], trigger["period"]
    if action in approval.APPROVER_ACTIONS and not access.has_role("approver"):
        return html.Span(t("approval_need_approver", lang), className="message-error"), (
            dash.no_update
        )
    reason = next((r for r, i in zip(reasons, reason_ids, strict=True) if i["period"] == period),
                  None)  # fmt: skip
    asked = ou or approval.unit()
    if asked is None:
        return html.Span(t("approval_no_communes", lang), className="message-error"), (
            dash.no_update
        )
    refused = approval.act(action, period, access.actor(), asked, reason)
    if refused:
        message = html.Span(refused, className="message-error", id="approval-error")
    else:
        label = parse_period(period).label(lang)
        message = html.Span(t(f"approval_done_{action}", lang, period=label),
                            className="message-ok", id="approval-ok")  # fmt: skip
    shown = approval.unit(asked)
    return message, month_cards(lang, shown) if shown else dash.no_update
