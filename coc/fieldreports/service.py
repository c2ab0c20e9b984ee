"""Store what intake parsed: a new report with its short code, or a channel's follow-up
added to the sender's open report. Abuse checks run here (coc.fieldreports.abuse); a
suspected spam report is kept in the moderation queue, never dropped."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from coc.fieldreports import abuse
from coc.fieldreports.categories import Categories
from coc.fieldreports.contact import ContactBox
from coc.fieldreports.intake import Draft
from coc.store import audit
from coc.store.db import Store
from coc.store.models import FieldReport, FieldReportPhoto

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read over the phone
CODE_CHARS = 6
PREFIX = "PA"
MODERATION = "cho_kiem_duyet"
FOLLOW_UP = timedelta(hours=24)
MAX_LINKED = 10  # photos a channel may add by link to one report, follow-ups included
LINK = re.compile(r"https?://", re.IGNORECASE)
ENTITY = "field_report"
CHANNEL_WORDS = {"web": "biểu mẫu web", "hotline": "đường dây nóng", "zalo": "Zalo"}  # audit


@dataclass(frozen=True)
class Accepted:
    code: str
    moderated: bool
    duplicate: bool = False


@dataclass(frozen=True)
class Refused:
    status: int
    reason: str
    retry_after_s: float = 0.0


def new_code() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(CODE_CHARS))


def normalize_code(text: object) -> str | None:
    """What a citizen types ("pa-7k3m 9q") as a stored code, or None if it cannot be one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    code = re.sub(r"[\s\-_.]", "", text).upper()
    if not code.startswith(PREFIX):
        code = PREFIX + code
    body = code[len(PREFIX) :]
    if len(body) != CODE_CHARS or any(c not in ALPHABET for c in body):
        return None
    return code


def by_code(session: Session, code: str) -> FieldReport | None:
    """The report of a (normalized) code, or None."""
    return session.scalars(select(FieldReport).where(FieldReport.code == code)).first()


def shown_code(code: str) -> str:
    return f"{code[: len(PREFIX)]}-{code[len(PREFIX) :]}"


def _spam_reason(session: Session, draft: Draft, keys: list[str], now: datetime) -> str | None:
    if draft.honeypot:
        return "trường ẩn chống máy gửi bị điền"
    if len(LINK.findall(draft.description)) > 2:
        return "nội dung có nhiều đường link"
    if keys:
        stmt = select(FieldReport.id).where(
            FieldReport.description == draft.description,
            FieldReport.received_at >= now - timedelta(hours=24),
            (FieldReport.reporter_key.in_(keys)) | (FieldReport.client_key.in_(keys)),
        )
        if session.scalar(stmt.limit(1)) is not None:
            return "trùng nội dung với phản ánh vừa gửi"
    return None


def _follow_up(
    session: Session, draft: Draft, person: str | None, now: datetime
) -> FieldReport | None:
    if not draft.extra_text or person is None:
        return None
    stmt = (
        select(FieldReport)
        .where(
            FieldReport.channel == draft.channel,
            FieldReport.reporter_key == person,
            FieldReport.state.in_(("moi", MODERATION)),
            FieldReport.received_at >= now - FOLLOW_UP,
        )
        .order_by(FieldReport.received_at.desc())
    )
    return session.scalars(stmt.limit(1)).first()


def _add_links(session: Session, report_id: int, links: tuple[str, ...]) -> int:
    """Pending photo rows for links not held yet, due at once (coc.fieldreports.fetch
    downloads them on its next run)."""
    rows = session.execute(
        select(FieldReportPhoto.seq, FieldReportPhoto.source_url).where(
            FieldReportPhoto.report_id == report_id
        )
    ).all()
    held = {u for _, u in rows if u}
    seq = max((s for s, _ in rows), default=0)
    added = 0
    for url in dict.fromkeys(links):
        if url in held or len(held) >= MAX_LINKED:
            continue
        seq += 1
        held.add(url)
        session.add(FieldReportPhoto(report_id=report_id, seq=seq, fetch_state="pending",
                                     source_url=url))  # fmt: skip
        added += 1
    return added


def _add_to(session: Session, report: FieldReport, draft: Draft) -> None:
    _add_links(session, report.id, draft.photo_links)  # type: ignore[arg-type]
    if draft.lat is not None and report.lat is None:
        report.lat, report.lon, report.location_source = draft.lat, draft.lon, "zalo"
    source = CHANNEL_WORDS.get(draft.channel, draft.channel)
    audit.record(session, draft.channel, "update", ENTITY, report.code,
                 detail=f"thêm ảnh hoặc vị trí từ {source}")  # fmt: skip


def submit(
    store: Store,
    draft: Draft,
    *,
    categories: Categories,
    rates: abuse.Rates,
    pepper: str,
    org_unit: str,
    address: str | None,
    now: datetime,
    box: ContactBox | None = None,
) -> Accepted | Refused:
    """Store `draft` (a web form, a hotline ticket or a Zalo event); idempotent on the
    channel's own id, so a resent ticket or a redelivered event adds nothing. With a
    `box`, a channel's own id of the sender (Zalo) is kept sealed for the answer back."""
    person = None
    if draft.phone:
        person = abuse.person_key(pepper, "tel", draft.phone)
    elif draft.sender:
        person = abuse.person_key(pepper, draft.channel, draft.sender)
    client = abuse.person_key(pepper, "addr", address) if address else None
    with store.write() as session:
        if draft.external_id is not None:
            found = session.scalars(
                select(FieldReport).where(
                    FieldReport.channel == draft.channel,
                    FieldReport.external_id == draft.external_id,
                )
            ).first()
            if found is not None:
                return Accepted(found.code, found.state == MODERATION, duplicate=True)
        existing = _follow_up(session, draft, person, now)
        if existing is not None:
            _add_to(session, existing, draft)
            return Accepted(existing.code, existing.state == MODERATION)
        verdict = abuse.judge(session, rates, address=client, person=person, now=now)
        if verdict.retry_after_s:
            return Refused(
                429, f"{verdict.moderation}; vui lòng thử lại sau", verdict.retry_after_s
            )
        reason = _spam_reason(session, draft, [k for k in (person, client) if k], now)
        reason = reason or verdict.moderation
        received = draft.received_at or now
        report = FieldReport(
            code=_unused_code(session),
            org_unit=org_unit,
            channel=draft.channel,
            external_id=draft.external_id,
            category=draft.category,
            description=draft.description,
            hamlet=draft.hamlet,
            lat=draft.lat,
            lon=draft.lon,
            location_source=draft.location_source,
            reporter_name=draft.name,
            reporter_phone=draft.phone,
            reporter_key=person,
            client_key=client,
            sender_sealed=box.seal(draft.sender, now=now) if box and draft.sender else None,
            state=MODERATION if reason else "moi",
            moderation_reason=reason,
            deadline=None if reason else categories.deadline(draft.category, received),
            received_at=received,
            updated_at=now,
        )
        session.add(report)
        session.flush()
        for seq, photo in enumerate(draft.photos, 1):
            session.add(FieldReportPhoto(report_id=report.id, seq=seq, data=photo.data,
                                         width=photo.width, height=photo.height))  # fmt: skip
        _add_links(session, report.id, draft.photo_links)  # type: ignore[arg-type]
        audit.record(session, draft.channel, "create", ENTITY, report.code, new=report.state,
                     detail=f"kiểm duyệt: {reason}" if reason else None)  # fmt: skip
        return Accepted(report.code, bool(reason))


def _unused_code(session: Session) -> str:
    while True:
        code = new_code()
        if session.scalar(select(FieldReport.id).where(FieldReport.code == code)) is None:
            return code
