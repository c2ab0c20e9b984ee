"""Handling a report: its states, who may move it where, assignment with a deadline by
category, and the published answer. Every change is written to the audit log (never with
the reporter's name or phone).

    chờ kiểm duyệt ─release─► mới ─accept─► đã tiếp nhận ─start─► đang xử lý
        ─resolve─► đã xử lý ─answer─► đã phản hồi;   reject (with a reason) from any open state.

A report's category can be corrected (recategorize) while it is open or held: its
deadline and handling unit follow the new category where they were the old one's
defaults (`_recategorize`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from coc.fieldreports import alerts, answers
from coc.fieldreports.categories import Categories, Category
from coc.fieldreports.service import ENTITY, MODERATION, by_code
from coc.fmt import day
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
    "recategorize": ((MODERATION, "moi", "da_tiep_nhan", "dang_xu_ly"), ""),
}
ACTIONS = tuple(MOVES)
# Vietnamese words for the states and actions, for the reasons the core gives (the pages
# have their own, in both languages, in dashboards/texts/fieldreports.py)
STATE_NAMES = {
    MODERATION: "Chờ kiểm duyệt",
    "moi": "Mới",
    "da_tiep_nhan": "Đã tiếp nhận",
    "dang_xu_ly": "Đang xử lý",
    "da_xu_ly": "Đã xử lý",
    "da_phan_hoi": "Đã phản hồi",
    "tu_choi": "Từ chối",
}
ACTION_NAMES = {
    "release": "duyệt",
    "accept": "tiếp nhận",
    "start": "bắt đầu xử lý",
    "resolve": "đánh dấu đã xử lý",
    "answer": "đăng câu trả lời",
    "reject": "từ chối",
    "assign": "giao lại",
    "recategorize": "đổi nhóm",
}
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
    category: str | None = None  # recategorize: the new category's key


def personal_data_in(text: str, report: FieldReport) -> str | None:
    """Why `text` may not be published: it holds a phone number or the reporter's name."""
    if PHONE_LIKE.search(text):
        return "câu trả lời có số điện thoại; bỏ thông tin cá nhân trước khi đăng"
    name = (report.reporter_name or "").strip()
    if len(name) >= 4 and name.casefold() in text.casefold():
        return "câu trả lời có họ tên người phản ánh; bỏ thông tin cá nhân trước khi đăng"
    return None


def _wrong_state(action: str, state: str) -> Rejected:
    allowed = ", ".join(f"“{STATE_NAMES[s]}”" for s in MOVES[action][0])
    return Rejected(
        f"không thể {ACTION_NAMES[action]} khi phản ánh đang ở trạng thái "
        f"“{STATE_NAMES.get(state, 'không rõ')}” (chỉ khi: {allowed})"
    )


def _check(report: FieldReport, change: Change, categories: Categories) -> Rejected | None:
    allowed, _ = MOVES[change.action]
    if report.state not in allowed:
        return _wrong_state(change.action, report.state)
    if change.action == "recategorize":
        if not change.category:
            return Rejected("chọn nhóm vấn đề mới của phản ánh")
        if categories.get(change.category) is None:
            return Rejected("nhóm vấn đề này không có trong danh mục phản ánh")
        if change.category == report.category:
            return Rejected("phản ánh đã thuộc nhóm vấn đề này")
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
        report = by_code(session, code)
        if report is None:
            return Rejected("không có phản ánh với mã này")
        if scope is not None and (refused := scope.refusal(report.org_unit)):
            return Rejected(refused)
        bad = _check(report, change, categories)
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
        audit_old, audit_new = old, target  # the state; for recategorize, the category
        if change.action == "recategorize" and (new := categories.get(change.category or "")):
            audit_old, audit_new = report.category, new.key
            detail = _recategorize(session, report, new, categories, now)
        report.state = target
        report.updated_at = now
        if target not in OPEN:
            alerts.clear_overdue(session, report.code, now=now)
        audit.record(session, actor, change.action, ENTITY, report.code, old=audit_old,
                     new=audit_new, detail="; ".join(detail) or None)  # fmt: skip
        return target


def _recategorize(
    session: Session, report: FieldReport, new: Category, categories: Categories, now: datetime
) -> list[str]:
    """Move `report` to category `new`; what changed, in words, for the audit log.

    The deadline is recomputed from receipt by the new category only while it is the old
    category's own (received_at + its days): every deadline is set that way today, so one
    that differs was set otherwise (by hand, or before the category's days changed in the
    categories file) and is kept. A held report has none; release sets it by the new
    category. Likewise the unit follows only when it was the old category's default (an
    unassigned report has none; accept gives it the new one's). A moved deadline is
    reminded again and its overdue alert, if any, cleared (the deadline job re-raises it
    if the new deadline has passed too)."""
    old = categories.get(report.category)
    detail = [f"nhóm: {categories.name(report.category)} → {new.vi}"]
    default_deadline = categories.deadline(report.category, report.received_at)
    if report.deadline is not None and report.deadline == default_deadline:
        deadline = categories.deadline(new.key, report.received_at)
        if deadline != report.deadline:
            detail.append(f"hạn: {day(report.deadline)} → {day(deadline)}")
            report.deadline = deadline
            report.reminded_at = None
            alerts.clear_overdue(session, report.code, now=now)
    elif report.deadline is not None:
        detail.append(f"hạn giữ nguyên {day(report.deadline)} (không theo nhóm cũ)")
    if report.unit and old is not None and report.unit == old.unit and new.unit != old.unit:
        detail.append(f"bộ phận: {report.unit} → {new.unit or '—'}")
        report.unit = new.unit or None
    report.category = new.key
    return detail
