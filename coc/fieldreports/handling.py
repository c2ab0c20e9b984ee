"""Handling a report: its states, who may move it where, assignment with a deadline by
category, and the published answer. Every change is written to the audit log (never with
the reporter's name or phone).

    chờ kiểm duyệt ─release─► mới ─accept─► đã tiếp nhận ─start─► đang xử lý
        ─resolve─► đã xử lý ─answer─► đã phản hồi;   reject (with a reason) from any open state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from coc.fieldreports import alerts, answers
from coc.fieldreports.categories import Categories
from coc.fieldreports.service import ENTITY, MODERATION
from coc.indicators.fieldreports import OPEN
from coc.ingest.records import Rejected
from coc.scope import Scope
from coc.store import audit
from coc.store.db import Store
from coc.store.models import FieldReport, FieldReportPhoto

STATES = (MODERATION, "moi", "da_tiep_nhan", "dang_xu_ly", "da_xu_ly", "da_phan_hoi", "tu_choi")

FINAL = ("da_phan_hoi", "tu_choi")
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "release": ((MODERATION,), "moi"),
    "accept": (("moi",), "da_tiep_nhan"),
    "start": (("da_tiep_nhan",), "dang_xu_ly"),
    "resolve": (("da_tiep_nhan", "dang_xu_ly"), "da_xu_ly"),
    "answer": (("da_xu_ly",), "da_phan_hoi"),
    "reject": ((MODERATION, "moi", "da_tiep_nhan", "dang_xu_ly"), "tu_choi"),
    "assign": (("moi", "da_tiep_nhan", "dang_xu_ly"), ""),  # "" keeps the state
}
ACTIONS = tuple(MOVES)
PHONE_LIKE = re.compile(r"(?:\+?84|0)(?:[\s.\-]?\d){8,10}")
ANSWER_CHARS = 4000


@dataclass(frozen=True)
class Change:
    action: str
    assignee: str | None = None
    unit: str | None = None
    answer: str | None = None
    reason: str | None = None
    publish_photos: bool = False


def personal_data_in(text: str, report: FieldReport) -> str | None:
    """Why `text` may not be published: it holds a phone number or the reporter's name."""
    if PHONE_LIKE.search(text):
        return "câu trả lời có số điện thoại; bỏ thông tin cá nhân trước khi đăng"
    name = (report.reporter_name or "").strip()
    if len(name) >= 4 and name.casefold() in text.casefold():
        return "câu trả lời có họ tên người phản ánh; bỏ thông tin cá nhân trước khi đăng"
    return None


def _check(report: FieldReport, change: Change) -> Rejected | None:
    allowed, _ = MOVES[change.action]
    if report.state not in allowed:
        return Rejected(f"không thể '{change.action}' khi phản ánh ở trạng thái {report.state}")
    if change.action == "reject" and not (change.reason or "").strip():
        return Rejected("từ chối cần nêu lý do")
    if change.action == "answer":
        text = (change.answer or report.answer or "").strip()
        if len(text) < 10:
            return Rejected("câu trả lời cần ít nhất 10 ký tự")
        if len(text) > ANSWER_CHARS:
            return Rejected(f"câu trả lời dài quá {ANSWER_CHARS} ký tự")
        why = personal_data_in(text, report)
        if why:
            return Rejected(why)
    if change.action == "reject":
        why = personal_data_in(change.reason or "", report)
        if why:
            return Rejected(why.replace("câu trả lời", "lý do"))
    return None


def apply(
    store: Store,
    code: str,
    change: Change,
    *,
    actor: str,
    categories: Categories,
    now: datetime,
    routes: answers.Routes | None = None,
    scope: Scope | None = None,
) -> str | Rejected:
    """Make one change to the report `code`; its new state, or why not (also when the
    report's org unit is outside the person's `scope`). A published answer is queued
    back to the citizen through the channel they used, where `routes` has one
    (coc.fieldreports.answers); where not, the report says why it was not sent."""
    if change.action not in MOVES:
        return Rejected("thao tác không hợp lệ")
    with store.write() as session:
        report = session.scalars(select(FieldReport).where(FieldReport.code == code)).first()
        if report is None:
            return Rejected("không có phản ánh với mã này")
        if scope is not None and (refused := scope.refusal(report.org_unit)):
            return Rejected(refused)
        bad = _check(report, change)
        if bad is not None:
            return bad
        old = report.state
        target = MOVES[change.action][1] or old
        category = categories.get(report.category)
        detail: list[str] = []
        if change.action in ("accept", "assign"):
            report.assignee = (change.assignee or "").strip()[:64] or report.assignee
            report.unit = (
                (change.unit or "").strip()[:100]
                or report.unit
                or (category.unit if category else None)
            )
            detail.append(f"giao: {report.assignee or '—'} / {report.unit or '—'}")
        if change.action == "release":
            report.deadline = categories.deadline(report.category, report.received_at)
        if change.action == "accept":
            report.accepted_at = now
            if report.deadline is None:
                report.deadline = categories.deadline(report.category, report.received_at)
        if change.action == "resolve":
            report.handled_at = now
            if change.answer:
                report.answer = change.answer.strip()[:ANSWER_CHARS]
        if change.action == "answer":
            report.answer = (change.answer or report.answer or "").strip()[:ANSWER_CHARS]
            report.answered_at = now
            detail.append(answers.queue(session, report, routes or answers.Routes(), now))
            if change.publish_photos:
                session.execute(update(FieldReportPhoto)
                                .where(FieldReportPhoto.report_id == report.id,
                                       FieldReportPhoto.data.is_not(None))
                                .values(public=True))  # fmt: skip
                detail.append("đăng kèm ảnh")
        if change.action == "reject":
            report.reject_reason = (change.reason or "").strip()[:500]
            detail.append(f"lý do: {report.reject_reason}")
        report.state = target
        report.updated_at = now
        if target not in OPEN:
            alerts.clear_overdue(session, report.code, now=now)
        audit.record(session, actor, change.action, ENTITY, report.code, old=old, new=target,
                     detail="; ".join(detail) or None)  # fmt: skip
        return target
