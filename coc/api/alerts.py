"""`/api/v1/alerts`: the filtered list (feed or user token) and the lifecycle actions
(acknowledge, assign, clear), done as the user an alert token belongs to (clerk or above).
A user bound to org units (province and district mode) reads and acts on theirs only."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coc import explain
from coc.alerts import lifecycle
from coc.alerts.lifecycle import AlertActionError, AlertFilter, AlertNotFound
from coc.api.auth import TokenBook, bearer, digest
from coc.api.http import json_body, refuse
from coc.api.models import AlertInfo, AlertList, Answer
from coc.auth.units import scope_of
from coc.auth.users import get_user, role_at_least
from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.jsonsafe import JsonRejected
from coc.notify.config import load_notify
from coc.scope import Scope, UnitRefused
from coc.store.db import Store
from coc.timeutil import parse_datetime, utcnow

ACTION_ROLE = "clerk"


class AlertQuery(BaseModel):
    state: str | None = Field(
        None,
        description="Comma-separated states (ACTIVE_UNACK, ACTIVE_ACK, CLEARED_UNACK, "
        "CLEARED_ACK); default the active ones.",
    )
    kind: str | None = Field(None, description="Comma-separated alert kinds.")
    severity: str | None = Field(None, description="Comma-separated: critical, warning, info.")
    hamlet: str | None = Field(None, description="Comma-separated hamlet names.")
    since: str | None = Field(
        None,
        description="Opened at or after (ISO 8601).",
        json_schema_extra={"format": "date-time"},
    )
    until: str | None = Field(
        None, description="Opened before (ISO 8601).", json_schema_extra={"format": "date-time"}
    )
    limit: int | None = Field(None, ge=1, le=1000, description="At most this many (500).")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


AlertId = Annotated[int, Field(ge=1, le=2**53)]


class AcknowledgeIn(Body):
    ids: list[AlertId] = Field(min_length=1, max_length=500, description="Alert ids.")
    comment: str | None = Field(None, max_length=lifecycle.MAX_NOTE)


class AssignIn(Body):
    id: AlertId
    assignee: str | None = Field(None, max_length=64, description="A username; null unassigns.")


class ClearIn(Body):
    id: AlertId
    reason: str = Field(min_length=1, max_length=lifecycle.MAX_NOTE)


class ExplanationIn(Body):
    """Yêu cầu giải trình: ask the indicator's responsible person to explain it."""

    indicator: str = Field(min_length=1, max_length=64, examples=["DINH_DANH_DIEN_TU"])
    period: str = Field(pattern=r"^\d{6}$", examples=["202611"], description="YYYYMM")
    question: str = Field(min_length=1, max_length=lifecycle.MAX_NOTE)
    due: date = Field(description="The answer is due by this day (local).")
    orgUnit: str | None = Field(
        None,
        min_length=1,
        max_length=16,
        description="The org unit asked about (province and district mode); default this "
        "COC's own.",
    )


class ExplanationAnswerIn(Body):
    id: AlertId = Field(description="The request's id.")
    answer: str = Field(min_length=1, max_length=lifecycle.MAX_NOTE)


class ExplanationInfo(Answer):
    id: int
    indicator: str
    orgUnit: str
    period: str
    question: str
    requestedBy: str
    assignee: str
    dueDate: str
    status: str = Field(description="open | answered")
    overdue: bool
    answer: str | None
    answeredBy: str | None
    answeredAt: str | None


class ExplanationList(Answer):
    explanations: list[ExplanationInfo]


class ExplanationCreated(Answer):
    id: int = Field(description="The new request's id.")
    by: str


class ActionDone(Answer):
    changed: int = Field(description="How many alerts changed.")
    by: str = Field(description="The user the token belongs to.")


class UserTokens:
    """Alert-action tokens, each bound to one user; kept as digests like feed tokens."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._known = [(user, digest(t)) for user, t in tokens.items() if t]

    def user(self, presented: str) -> str | None:
        found = None
        seen = hashlib.sha256(presented.encode()).hexdigest()
        for user, known in self._known:  # no early exit
            if hmac.compare_digest(seen, known):
                found = user
        return found


def _split(text: str | None, allowed: tuple[str, ...] | None, what: str) -> tuple[str, ...]:
    items = tuple(p.strip() for p in (text or "").split(",") if p.strip())
    if allowed is not None:
        bad = [i for i in items if i not in allowed]
        if bad:
            raise ValueError(f"{what} không hợp lệ: {bad[0][:40]} (chọn: {', '.join(allowed)})")
    return items


def _time(text: str | None, what: str) -> datetime | None:
    if not text:
        return None
    try:
        return parse_datetime(text)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"{what} phải là thời điểm ISO 8601") from None


def read_filter(args: Mapping[str, str]) -> AlertFilter:
    """The query string as a filter; ValueError with the reason when a part is wrong."""
    limit_text = args.get("limit") or "500"
    if not (limit_text.isascii() and limit_text.isdigit()) or not 1 <= int(limit_text) <= 1000:
        raise ValueError("limit phải là số từ 1 đến 1000")
    return AlertFilter(
        states=_split(args.get("state"), lifecycle.STATES, "state"),
        kinds=_split(args.get("kind"), lifecycle.KINDS, "kind"),
        severities=_split(args.get("severity"), lifecycle.SEVERITIES, "severity"),
        hamlets=_split(args.get("hamlet"), None, "hamlet"),
        since=_time(args.get("since"), "since"),
        until=_time(args.get("until"), "until"),
        limit=int(limit_text),
    )


def alert_list(store: Store, org_unit: str, f: AlertFilter) -> AlertList:
    with store.session() as session:
        items = [AlertInfo(**a) for a in lifecycle.find_alerts(session, f)]
    return AlertList(orgUnit=org_unit, available=True, alerts=items)


def _explanation(d: dict[str, Any]) -> ExplanationInfo:
    return ExplanationInfo(
        id=d["id"], indicator=d["indicator"], orgUnit=d["org_unit"], period=d["period"],
        question=d["question"], requestedBy=d["requested_by"], assignee=d["assignee"],
        dueDate=d["due_date"], status=d["status"], overdue=d["overdue"], answer=d["answer"],
        answeredBy=d["answered_by"], answeredAt=d["answered_at"],
    )  # fmt: skip


def register(
    bp: Blueprint,
    store: Store,
    settings: Settings,
    tokens: TokenBook,
    catalog: Catalog | None = None,
) -> None:
    users = UserTokens(settings.alerts.user_tokens)

    def caller() -> tuple[str | None, Any]:
        """(username or "" for a feed token, refusal or None)."""
        token = bearer(request.headers.get("Authorization"))
        if token is None:
            return None, refuse(401, "cần Authorization: Bearer <mã truy cập>")
        user = users.user(token)
        if user is not None:
            return user, None
        if tokens.is_feed(token):
            return "", None
        return None, refuse(401, "mã truy cập không hợp lệ")

    def user_scope(user: str) -> Scope:
        """The org units a user token may read and act on (coc.auth.units)."""
        account = get_user(store, user)
        return scope_of(store, settings, user, account.role if account else None)

    def scope_for(user: str | None) -> Scope | None:
        """A user token's scope; None (everything) for a feed token."""
        return user_scope(user) if user else None

    def actor() -> tuple[str | None, Any]:
        user, refusal = caller()
        if refusal is not None:
            return None, refusal
        if not user:
            return None, refuse(403, "mã của nguồn cấp dữ liệu chỉ được đọc cảnh báo")
        account = get_user(store, user)
        if account is None or not account.active or not role_at_least(account.role, ACTION_ROLE):
            return None, refuse(403, f"người dùng '{user}' không có quyền xử lý cảnh báo")
        return user, None

    def body(model: type[Body]) -> tuple[Any, Any]:
        try:
            return model.model_validate(json_body(request)), None
        except JsonRejected as exc:
            return None, refuse(400, str(exc))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "body"
            return None, refuse(400, f"nội dung không hợp lệ ở '{where}': {err['msg']}")

    def act(model: type[Body], do: Any) -> Any:
        user, refusal = actor()
        if refusal is not None:
            return refusal
        data, refusal = body(model)
        if refusal is not None:
            return refusal
        try:
            changed = do(data, user, utcnow())
        except UnitRefused as exc:
            return refuse(403, str(exc))
        except AlertNotFound as exc:
            return refuse(404, str(exc))
        except AlertActionError as exc:
            return refuse(400, str(exc))
        return jsonify(ActionDone(changed=changed, by=user).body())

    @bp.get("/alerts")
    def alerts_view() -> Any:
        user, refusal = caller()
        if refusal is not None:
            return refusal
        try:
            f = read_filter(request.args)
        except ValueError as exc:
            return refuse(400, str(exc))
        f = replace(f, scope=scope_for(user))
        return jsonify(alert_list(store, settings.commune.code, f).body())

    def _acknowledge(d: AcknowledgeIn, user: str, now: datetime) -> int:
        return lifecycle.acknowledge(store, d.ids, user, d.comment, now, scope_for(user))

    @bp.post("/alerts/acknowledge")
    def acknowledge_view() -> Any:
        return act(AcknowledgeIn, _acknowledge)

    def _assign(d: AssignIn, user: str, now: datetime) -> int:
        lifecycle.assign(store, d.id, d.assignee, user, now, scope_for(user))
        return 1

    def _clear(d: ClearIn, user: str, now: datetime) -> int:
        lifecycle.clear_by_hand(store, d.id, user, d.reason, now, scope_for(user))
        return 1

    @bp.post("/alerts/assign")
    def assign_view() -> Any:
        return act(AssignIn, _assign)

    @bp.post("/alerts/clear")
    def clear_view() -> Any:
        return act(ClearIn, _clear)

    # ── explanation requests (yêu cầu giải trình), the same actions as /giai-trinh ──

    @bp.get("/explanations")
    def explanations_view() -> Any:
        user, refusal = caller()
        if refusal is not None:
            return refusal
        items = explain.open_requests(store, utcnow(), scope_for(user))
        return jsonify(ExplanationList(explanations=[_explanation(d) for d in items]).body())

    @bp.post("/explanations")
    def explanation_request_view() -> Any:
        user, refusal = actor()
        if refusal is not None:
            return refusal
        data, refusal = body(ExplanationIn)
        if refusal is not None:
            return refusal
        if catalog is None:
            return refuse(503, "danh mục chỉ tiêu chưa được nạp")
        scope = user_scope(str(user))
        unit = data.orgUnit or scope.home
        if scope.pick(unit) != unit:
            if reason := scope.refusal(unit):
                return refuse(403, reason)
            return refuse(400, f"không có đơn vị {unit} trong cây đơn vị đang phục vụ")
        try:
            new_id = explain.request(
                store, catalog, load_notify(settings, os.environ), code=data.indicator,
                org_unit=unit, period=data.period, by=user, due=data.due,
                question=data.question, now=utcnow(), scope=scope,
            )  # fmt: skip
        except UnitRefused as exc:
            return refuse(403, str(exc))
        except AlertActionError as exc:
            return refuse(400, str(exc))
        return jsonify(ExplanationCreated(id=new_id, by=user).body())

    @bp.post("/explanations/answer")
    def explanation_answer_view() -> Any:
        def _answer(d: ExplanationAnswerIn, user: str, now: datetime) -> int:
            account = get_user(store, user)
            senior = account is not None and role_at_least(account.role, "approver")
            explain.answer(store, d.id, user, d.answer, now, any_user=senior,
                           scope=scope_for(user))  # fmt: skip
            return 1

        return act(ExplanationAnswerIn, _answer)
