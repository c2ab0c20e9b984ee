"""The field-report intake API for other channels: a hotline system's call tickets
(`POST /fieldReports`, bearer token), a Zalo Official Account webhook
(`POST /fieldReports/zalo`, Zalo's X-ZEvent-Signature or a bearer token), and a report's
public status by code (`GET /fieldReports/<code>`, bearer token). Nothing here returns a
reporter's name or phone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from coc.api.auth import TokenBook, bearer
from coc.api.http import json_body, refuse
from coc.api.models import FieldReportAccepted, FieldReportStatus
from coc.config import Settings
from coc.fieldreports import queries, service
from coc.fieldreports.channels import Intake
from coc.fieldreports.intake import Ignored, zalo_signature_ok
from coc.ingest.records import Rejected
from coc.jsonsafe import JsonRejected
from coc.store.db import Store
from coc.timeutil import iso_utc, utcnow


def status_answer(s: queries.PublicStatus) -> FieldReportStatus:
    return FieldReportStatus(
        code=service.shown_code(s.code),
        state=s.state,
        category=s.category,
        hamlet=s.hamlet,
        receivedAt=iso_utc(s.received_at),
        deadline=iso_utc(s.deadline),
        handledAt=iso_utc(s.handled_at),
        answeredAt=iso_utc(s.answered_at),
        answer=s.answer,
        rejectReason=s.reject_reason,
    )


def _outcome(result: Any) -> Any:
    if isinstance(result, Ignored):
        return jsonify({"status": "ignored", "event": result.event}), 200
    if isinstance(result, Rejected):
        return refuse(400, result.reason)
    if isinstance(result, service.Refused):
        response = refuse(429, result.reason)
        response.status_code = 429
        response.headers["Retry-After"] = str(max(1, int(result.retry_after_s)))
        return response
    state = "duplicate" if result.duplicate else ("moderation" if result.moderated else "received")
    answer = FieldReportAccepted(code=service.shown_code(result.code), status=state)
    return jsonify(answer.body()), 200 if result.duplicate else 201


def register(bp: Blueprint, store: Store, settings: Settings) -> None:
    fr = settings.fieldreports
    tokens = TokenBook(fr.tokens, {})
    holder: dict[str, Intake] = {}

    def intake() -> Intake:
        if "intake" not in holder:  # the categories file is read on first use
            holder["intake"] = Intake.from_settings(store, settings)
        return holder["intake"]

    def token_ok() -> bool:
        token = bearer(request.headers.get("Authorization"))
        return token is not None and tokens.is_feed(token)

    def denied() -> Any:
        if not fr.tokens:
            return refuse(403, "kênh tiếp nhận chưa được cấu hình (fieldreports.tokens)")
        if bearer(request.headers.get("Authorization")) is None:
            return refuse(401, "cần Authorization: Bearer <mã truy cập>")
        return None if token_ok() else refuse(401, "mã truy cập không hợp lệ")

    @bp.post("/fieldReports")
    def hotline_view() -> Any:
        bad = denied()
        if bad is not None:
            return bad
        try:
            body = json_body(request)
        except JsonRejected as exc:
            return refuse(400, exc.reason)
        return _outcome(intake().hotline(body, now=utcnow()))

    @bp.post("/fieldReports/zalo")
    def zalo_view() -> Any:
        raw = request.get_data(cache=True)
        header = request.headers.get("X-ZEvent-Signature")
        app_id, secret = fr.zalo_app_id or "", fr.zalo_secret or ""
        signed = zalo_signature_ok(raw, header, app_id=app_id, secret=secret)
        if not signed and not (fr.tokens and token_ok()):
            return refuse(401, "chữ ký sự kiện Zalo (X-ZEvent-Signature) không đúng")
        try:
            body = json_body(request)
        except JsonRejected as exc:
            return refuse(400, exc.reason)
        return _outcome(intake().zalo(body, now=utcnow()))

    @bp.get("/fieldReports/<code>")
    def status_view(code: str) -> Any:
        bad = denied()
        if bad is not None:
            return bad
        key = service.normalize_code(code)
        found = queries.public_status(store, key) if key else None
        if found is None:
            return refuse(404, "không có phản ánh với mã này")
        return jsonify(status_answer(found).body())
