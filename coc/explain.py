"""Yêu cầu giải trình: the chairperson asks an indicator's responsible person to explain it
by a due date; that person is notified, answers in the drill-down, and the answer shows
beside the indicator. An open request past its due date raises an `explanation_overdue`
alert, cleared once answered.

The responsible person is declared per indicator in the catalog (`responsible:`) and may
be changed in the UI (kept in `indicator_owner`, which wins over the catalog).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from coc import fmt
from coc.alerts.lifecycle import AlertActionError, AlertSpec, clear_alert, raise_alert
from coc.auth.users import get_user
from coc.indicators.catalog import Catalog
from coc.notify.config import NotifyConfig
from coc.notify.outbox import enqueue
from coc.scope import Scope, UnitRefused, allowed_codes
from coc.scope import check as check_unit
from coc.store.db import Store
from coc.store.models import ExplanationRequest, IndicatorOwner
from coc.timeutil import iso_utc, to_local

MAX_TEXT = 4000


class ExplainError(AlertActionError):
    """A request or an answer that cannot be taken (shown to the user as one line)."""


def _user_ok(store: Store, username: str) -> None:
    user = get_user(store, username)
    if user is None or not user.active:
        raise ExplainError(f"không có người dùng '{username}'")


def responsible(store: Store, catalog: Catalog, code: str) -> str:
    """The username who answers for an indicator ("" when nobody is named)."""
    with store.session() as session:
        row = session.get(IndicatorOwner, code)
    if row is not None:
        return row.username
    return catalog.get(code).responsible if code in catalog else ""


def set_responsible(
    store: Store,
    catalog: Catalog,
    code: str,
    username: str,
    by: str,
    now: datetime,
    scope: Scope | None = None,
) -> None:
    """Name who answers for an indicator in every org unit, so a person bound to some
    org units only may not change it."""
    if scope is not None and scope.restricted:
        raise UnitRefused(
            "Tài khoản này chỉ được giao một số đơn vị, không đổi được người chịu trách "
            "nhiệm chỉ tiêu cho mọi đơn vị."
        )
    if code not in catalog:
        raise ExplainError(f"không có chỉ tiêu {code}")
    _user_ok(store, username)
    with store.write() as session:
        row = session.get(IndicatorOwner, code)
        if row is None:
            session.add(IndicatorOwner(indicator_code=code, username=username, updated_by=by,
                                       updated_at=now))  # fmt: skip
        else:
            row.username, row.updated_by, row.updated_at = username, by, now


def _text(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ExplainError(f"cần {what}")
    if len(value) > MAX_TEXT:
        raise ExplainError(f"{what} dài quá {MAX_TEXT} ký tự")
    return value


def request(
    store: Store,
    catalog: Catalog,
    cfg: NotifyConfig,
    *,
    code: str,
    org_unit: str,
    period: str,
    by: str,
    due: date,
    question: str,
    now: datetime,
    scope: Scope | None = None,
) -> int:
    """Open a request to the indicator's responsible person and notify them (outbox);
    `UnitRefused` for an org unit outside the person's `scope`."""
    check_unit(scope, org_unit)
    if code not in catalog:
        raise ExplainError(f"không có chỉ tiêu {code}")
    assignee = responsible(store, catalog, code)
    if not assignee:
        raise ExplainError("chỉ tiêu này chưa có người chịu trách nhiệm")
    if due < to_local(now).date():
        raise ExplainError("hạn trả lời đã qua")
    text = _text(question, "nội dung yêu cầu")
    name = catalog.get(code).name("vi")
    with store.write() as session:
        row = ExplanationRequest(indicator_code=code, org_unit=org_unit, period=period,
                                 question=text, requested_by=by, assignee=assignee,
                                 due_date=due, created_at=now)  # fmt: skip
        session.add(row)
        session.flush()
        for channel, recipient in cfg.addresses(assignee):
            enqueue(
                session,
                key=f"explain:{row.id}:{channel}:{recipient}",
                channel=channel,
                recipient=recipient,
                title=f"Yêu cầu giải trình: {name}",
                body=f"{text}\nHạn trả lời: {fmt.day(due)}",
                severity="warning",
                event="explain",
                now=now,
                topic=f"explain:{row.id}",
            )
        return int(row.id or 0)


def answer(
    store: Store,
    request_id: int,
    user: str,
    text: str,
    now: datetime,
    *,
    any_user: bool = False,
    scope: Scope | None = None,
) -> None:
    """The responsible person answers (an admin or the chairperson may too: `any_user`),
    for a request of an org unit in their `scope`."""
    body = _text(text, "nội dung giải trình")
    with store.write() as session:
        row = session.get(ExplanationRequest, request_id)
        if row is None:
            raise ExplainError(f"không có yêu cầu giải trình số {request_id}")
        check_unit(scope, row.org_unit)
        if row.assignee != user and not any_user:
            raise ExplainError("chỉ người chịu trách nhiệm mới trả lời được yêu cầu này")
        row.status, row.answer, row.answered_by, row.answered_at = "answered", body, user, now
        clear_alert(session, "explanation_overdue", str(request_id), now)


def as_dict(r: ExplanationRequest, today: date) -> dict[str, Any]:
    return {
        "id": r.id,
        "indicator": r.indicator_code,
        "org_unit": r.org_unit,
        "period": r.period,
        "question": r.question,
        "requested_by": r.requested_by,
        "assignee": r.assignee,
        "due_date": r.due_date.isoformat(),
        "status": r.status,
        "overdue": r.status == "open" and r.due_date < today,
        "answer": r.answer,
        "answered_by": r.answered_by,
        "answered_at": iso_utc(r.answered_at),
        "created_at": iso_utc(r.created_at),
    }


def requests_for(store: Store, code: str, org_unit: str, now: datetime) -> list[dict[str, Any]]:
    """One indicator's requests, newest first (the drill-down shows them)."""
    stmt = (
        select(ExplanationRequest)
        .where(ExplanationRequest.indicator_code == code, ExplanationRequest.org_unit == org_unit)
        .order_by(ExplanationRequest.id.desc())
    )
    today = to_local(now).date()
    with store.session() as session:
        return [as_dict(r, today) for r in session.scalars(stmt)]


def open_requests(store: Store, now: datetime, scope: Scope | None = None) -> list[dict[str, Any]]:
    """Open requests, overdue first, then by due date (the chairperson's list), of the org
    units in `scope`."""
    stmt = select(ExplanationRequest).where(ExplanationRequest.status == "open")
    units = allowed_codes(scope)
    if units is not None:
        stmt = stmt.where(ExplanationRequest.org_unit.in_(sorted(units)))
    today = to_local(now).date()
    with store.session() as session:
        rows = [as_dict(r, today) for r in session.scalars(stmt)]
    return sorted(rows, key=lambda r: (not r["overdue"], r["due_date"], r["id"]))


def check_overdue(store: Store, catalog: Catalog, now: datetime) -> int:
    """Raise an alert for each open request past its due date (cleared when answered)."""
    changed = 0
    with store.write() as session:
        today = to_local(now).date()
        stmt = select(ExplanationRequest).where(
            ExplanationRequest.status == "open", ExplanationRequest.due_date < today
        )
        for r in session.scalars(stmt):
            name = catalog.get(r.indicator_code).name("vi") if r.indicator_code in catalog else ""
            spec = AlertSpec(
                "explanation_overdue",
                str(r.id),
                "warning",
                f"Quá hạn giải trình: {name} (hạn {fmt.day(r.due_date)}, "
                f"người trả lời {r.assignee})",
                org_unit=r.org_unit,
            )
            changed += raise_alert(session, spec, now, count_repeat=False).new
    return changed
