"""`/completeDataSetRegistrations` and `/dataApprovals` in DHIS2's shapes: the feed serves
registrations and approval states (feed tokens); a province receives them (push tokens).
Served under `/api/v1` and, for DHIS2 clients, under `/api` (`dhis2_blueprint`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from coc.api import http
from coc.api.auth import TokenBook, bearer
from coc.api.http import json_body, refuse
from coc.approval import approve as appr
from coc.approval.complete import RegistrationQuery, find, import_registrations, to_wire
from coc.config import Settings
from coc.ingest.records import Rejected
from coc.jsonsafe import JsonRejected
from coc.periods import parse_period
from coc.province.hierarchy import Hierarchy
from coc.store.db import Store
from coc.timeutil import parse_datetime, utcnow
from coc.wire import ImportSummary


class BadQuery(ValueError):
    pass


def _many(name: str) -> list[str]:
    """A repeatable query parameter, also comma-separated (DHIS2 accepts both)."""
    return [p.strip() for v in request.args.getlist(name) for p in v.split(",") if p.strip()]


def _periods(values: list[str]) -> tuple[str, ...]:
    try:
        return tuple(parse_period(p).code for p in values)
    except ValueError as exc:
        raise BadQuery(str(exc)) from None


def _time(name: str) -> datetime | None:
    text = request.args.get(name)
    if not text:
        return None
    try:
        return parse_datetime(text)
    except (ValueError, OverflowError):
        raise BadQuery(f"{name} không phải ngày giờ ISO: {text[:40]!r}") from None


def _registration_query(hierarchy: Hierarchy, limit: int) -> RegistrationQuery:
    units = _many("orgUnit")
    if request.args.get("children", "").lower() == "true":
        units = sorted({*units, *(c for u in units for c in hierarchy.leaves_under(u))})
    return RegistrationQuery(
        data_sets=tuple(_many("dataSet")),
        periods=_periods(_many("period")),
        org_units=tuple(units),
        start=_time("startDate"),
        end=_time("endDate"),
        since=_time("lastUpdated"),
        limit=limit,
    )


def register(bp: Blueprint, store: Store, settings: Settings, tokens: TokenBook) -> None:
    hierarchy = Hierarchy.from_settings(settings)
    receiving = settings.role in ("province", "district")
    workflow = settings.approval.workflow

    def reader() -> Response | None:
        token = bearer(request.headers.get("Authorization"))
        if token is None:
            return refuse(401, "cần Authorization: Bearer <mã truy cập> để đọc dữ liệu")
        if not tokens.is_feed(token):
            return refuse(401, "mã truy cập không hợp lệ")
        return None

    def pusher() -> str | Response:
        token = bearer(request.headers.get("Authorization"))
        if token is None:
            return refuse(401, "cần Authorization: Bearer <mã truy cập> để gửi dữ liệu")
        commune = tokens.pusher(token)
        if commune is None:
            if tokens.is_feed(token):
                return refuse(403, "mã truy cập này chỉ được đọc; gửi số liệu cần mã của xã")
            return refuse(401, "mã truy cập không hợp lệ")
        if not receiving:
            return refuse(403, "máy chủ này ở chế độ xã, không nhận số liệu gửi lên")
        return commune

    def summary(counts: Any) -> Response:
        answer = ImportSummary.of(counts)
        response = jsonify(answer.model_dump(mode="json"))
        response.status_code = 409 if answer.status == "ERROR" else 200
        return response

    @bp.get("/completeDataSetRegistrations")
    def registrations_get() -> Any:
        refused = reader()
        if refused is not None:
            return refused
        try:
            query = _registration_query(hierarchy, settings.feed.max_page_size)
        except BadQuery as exc:
            return refuse(400, str(exc))
        with store.session() as session:
            rows = find(session, query)
        return jsonify({"completeDataSetRegistrations": [to_wire(r) for r in rows]})

    @bp.post("/completeDataSetRegistrations")
    def registrations_post() -> Any:
        commune = pusher()
        if isinstance(commune, Response):
            return commune
        try:
            raw = json_body(request)
        except JsonRejected as exc:
            return refuse(400, exc.reason)
        items = raw.get("completeDataSetRegistrations") if isinstance(raw, dict) else None
        if not isinstance(items, list):
            return refuse(400, "thân yêu cầu cần completeDataSetRegistrations là danh sách")
        own = {commune, *hierarchy.leaves_under(commune)}
        counts = import_registrations(
            store,
            items,
            default_data_set=settings.approval.data_set,
            default_org_unit=commune,
            allowed=own.__contains__,
        )
        return summary(counts)

    def states() -> list[dict[str, Any]]:
        periods = _periods(_many("pe"))
        units = _many("ou")
        if not periods or not units:
            raise BadQuery("cần pe (kỳ) và ou (đơn vị)")
        if len(periods) * len(units) > 1000:
            raise BadQuery("hỏi tối đa 1000 cặp kỳ và đơn vị một lần")
        wf = request.args.get("wf") or workflow
        now = utcnow()
        return [
            appr.to_wire(appr.status(store, settings, ou, pe, now), wf)
            for ou in units
            for pe in periods
        ]

    @bp.get("/dataApprovals")
    def approval_get() -> Any:
        refused = reader()
        if refused is not None:
            return refused
        try:
            found = states()
        except BadQuery as exc:
            return refuse(400, str(exc))
        return jsonify(found[0])

    @bp.get("/dataApprovals/approvals")
    def approvals_get() -> Any:
        refused = reader()
        if refused is not None:
            return refused
        try:
            found = states()
        except BadQuery as exc:
            return refuse(400, str(exc))
        return jsonify(found)

    def receive(approved: bool) -> Any:
        commune = pusher()
        if isinstance(commune, Response):
            return commune
        try:
            raw = json_body(request)
        except JsonRejected as exc:
            return refuse(400, exc.reason)
        body = appr.read_approvals(raw, workflow)
        if isinstance(body, Rejected):
            return refuse(400, body.reason)
        own = {commune, *hierarchy.leaves_under(commune)}
        counts = appr.receive_approvals(
            store, body, approved=approved, allowed=own.__contains__, actor=commune, now=utcnow()
        )
        return summary(counts)

    @bp.post("/dataApprovals/approvals")
    def approvals_post() -> Any:
        return receive(True)

    @bp.post("/dataApprovals/unapprovals")
    def unapprovals_post() -> Any:
        return receive(False)


def dhis2_blueprint(store: Store, settings: Settings) -> Blueprint:
    """The same routes under `/api` (no version), where DHIS2 clients look for them."""
    bp = Blueprint("coc_api_dhis2_approval", __name__)
    register(bp, store, settings, TokenBook(settings.feed.tokens, settings.province.push_tokens))

    @bp.after_request
    def _finish(response: Response) -> Response:
        return http.finish(request, response)

    return bp
