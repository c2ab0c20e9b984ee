"""The bulletin workflow: a clerk drafts, the chairperson (role `approver`) approves
before anything plays, anyone at least a clerk may cancel; every step is audited.
Nothing is sent to a cluster unless the bulletin is approved (see `dispatch`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update

from coc.auth.users import role_at_least
from coc.bulletins import PRIORITIES, rank
from coc.bulletins.schedule import Schedule, finished, next_start, problems
from coc.errors import CocError
from coc.store import audit
from coc.store.db import Store
from coc.store.models import Bulletin, BulletinDelivery, Device
from coc.timeutil import as_utc

TARGET_KINDS = ("all", "hamlets", "clusters")
STATUSES = ("draft", "approved", "rejected", "cancelled")
ENTITY = "bulletin"


class WorkflowError(CocError):
    """A step that is not allowed now (wrong role, wrong state); the message says why."""


@dataclass(frozen=True)
class Draft:
    title: str
    text: str | None = None
    priority: str = "thuong"
    target_kind: str = "all"
    targets: tuple[str, ...] = ()
    schedule: Schedule = field(default_factory=Schedule)
    audio_key: str | None = None
    duration_s: float | None = None
    audio_source: str = "tts"
    engine: str | None = None
    voice: str | None = None


def check_draft(draft: Draft, hamlets: set[str], clusters: set[str], max_chars: int) -> list[str]:
    """Why a draft cannot be saved (empty when it can); Vietnamese, for the form."""
    out: list[str] = []
    if not draft.title.strip():
        out.append("bản tin cần tiêu đề")
    if not (draft.text or "").strip() and not draft.audio_key:
        out.append("bản tin cần nội dung: văn bản hoặc tệp âm thanh")
    if draft.text and len(draft.text) > max_chars:
        out.append(f"nội dung dài quá {max_chars} ký tự")
    if draft.priority not in PRIORITIES:
        out.append("mức ưu tiên không hợp lệ")
    if draft.target_kind not in TARGET_KINDS:
        out.append("đối tượng nhận không hợp lệ")
    elif draft.target_kind != "all" and not draft.targets:
        out.append("chọn ít nhất một thôn hoặc một cụm loa")
    elif draft.target_kind == "hamlets" and set(draft.targets) - hamlets:
        out.append("có thôn không thuộc xã: " + ", ".join(sorted(set(draft.targets) - hamlets)))
    elif draft.target_kind == "clusters" and set(draft.targets) - clusters:
        out.append("có cụm loa không có trong sổ thiết bị")
    return out + problems(draft.schedule)


def speaker_targets(store: Store, org_unit: str) -> tuple[set[str], set[str]]:
    """(hamlets that have a cluster, cluster ids) of the org unit."""
    with store.session() as s:
        rows = s.execute(
            select(Device.device_id, Device.hamlet).where(
                Device.kind == "speaker", Device.org_unit == org_unit
            )
        ).all()
    return {h for _, h in rows if h}, {d for d, _ in rows}


def create(
    store: Store,
    draft: Draft,
    actor: str,
    org_unit: str,
    now: datetime,
    *,
    alert_id: int | None = None,
    max_chars: int = 5000,
) -> str:
    """Save a draft; returns its id. Raises WorkflowError with the reasons it is refused."""
    hamlets, clusters = speaker_targets(store, org_unit)
    if why := check_draft(draft, hamlets, clusters, max_chars):
        raise WorkflowError("; ".join(why))
    s = draft.schedule
    bulletin_id = f"bt-{uuid.uuid4().hex[:12]}"
    with store.write() as session:
        session.add(
            Bulletin(
                id=bulletin_id,
                org_unit=org_unit,
                title=draft.title.strip(),
                text=(draft.text or "").strip() or None,
                audio_key=draft.audio_key,
                audio_source=draft.audio_source,
                duration_s=draft.duration_s,
                engine=draft.engine,
                voice=draft.voice,
                priority=draft.priority,
                target_kind=draft.target_kind,
                targets=list(draft.targets),
                schedule_kind=s.kind,
                start_at=s.start_at,
                window_start=s.window_start,
                window_end=s.window_end,
                weekdays=list(s.weekdays),
                end_date=s.end_date.isoformat() if s.end_date else None,
                valid_until=s.valid_until,
                alert_id=alert_id,
                created_by=actor,
                created_at=as_utc(now),
            )
        )
        detail = f"từ cảnh báo #{alert_id}" if alert_id else None
        audit.record(session, actor, "create", ENTITY, bulletin_id, None, "draft", detail)
    return bulletin_id


def schedule_of(b: Bulletin) -> Schedule:
    return Schedule(
        kind=b.schedule_kind,
        start_at=b.start_at,
        window_start=b.window_start,
        window_end=b.window_end,
        weekdays=tuple(b.weekdays or ()),
        end_date=date.fromisoformat(b.end_date) if b.end_date else None,
        valid_until=b.valid_until,
    )


def _change(
    store: Store,
    bulletin_id: str,
    actor: str,
    role: str | None,
    needed: str,
    allowed_from: tuple[str, ...],
    to: str,
    now: datetime,
    detail: str | None = None,
) -> Bulletin:
    if not role_at_least(role, needed):
        names = {"approver": "chủ tịch (người duyệt)", "clerk": "công chức"}
        raise WorkflowError(f"chỉ {names.get(needed, needed)} mới được làm việc này")
    with store.write() as session:
        b = session.get(Bulletin, bulletin_id)
        if b is None:
            raise WorkflowError(f"không có bản tin {bulletin_id}")
        if b.status not in allowed_from:
            raise WorkflowError(f"bản tin đang ở trạng thái '{b.status}', không thể chuyển")
        if to == "approved":
            if not b.audio_key:
                raise WorkflowError("bản tin chưa có âm thanh: tạo giọng đọc hoặc tải tệp lên")
            if finished(schedule_of(b), now, now):
                raise WorkflowError("lịch phát của bản tin đã qua: sửa lịch hoặc soạn bản mới")
            b.approved_by, b.approved_at = actor, as_utc(now)
        old, b.status = b.status, to
        audit.record(session, actor, to, ENTITY, bulletin_id, old, to, detail)
        if to == "cancelled":
            _stop_deliveries(session, bulletin_id)
        session.flush()
        session.expunge(b)
        return b


def _stop_deliveries(session: Any, bulletin_id: str) -> None:
    """Waiting deliveries are cancelled; one on air is stopped by the next round."""
    session.execute(
        update(BulletinDelivery)
        .where(BulletinDelivery.bulletin_id == bulletin_id)
        .where(BulletinDelivery.state.in_(("pending", "failed")))
        .values(state="cancelled", reason="bản tin đã bị hủy")
    )
    session.execute(
        update(BulletinDelivery)
        .where(BulletinDelivery.bulletin_id == bulletin_id)
        .where(BulletinDelivery.state.in_(("sent", "received", "playing")))
        .values(state="stopping", reason="bản tin đã bị hủy")
    )


def approve(
    store: Store, bulletin_id: str, actor: str, role: str | None, now: datetime
) -> Bulletin:
    """One step: the approver's click makes the bulletin playable (a 'now' one at once)."""
    return _change(store, bulletin_id, actor, role, "approver", ("draft",), "approved", now)


def reject(store: Store, bulletin_id: str, actor: str, role: str | None, now: datetime,
           reason: str | None = None) -> Bulletin:  # fmt: skip
    return _change(store, bulletin_id, actor, role, "approver", ("draft",), "rejected", now, reason)


def cancel(store: Store, bulletin_id: str, actor: str, role: str | None, now: datetime) -> Bulletin:
    allowed = ("draft", "approved")
    return _change(store, bulletin_id, actor, role, "clerk", allowed, "cancelled", now)


def set_audio(
    store: Store, bulletin_id: str, key: str, duration_s: float, source: str, actor: str,
    engine: str | None = None, voice: str | None = None,
) -> None:  # fmt: skip
    """Attach made or uploaded audio to a draft (an approved bulletin keeps its audio)."""
    with store.write() as session:
        b = session.get(Bulletin, bulletin_id)
        if b is None or b.status != "draft":
            raise WorkflowError("chỉ bản nháp mới đổi được âm thanh")
        old = b.audio_key
        b.audio_key, b.duration_s, b.audio_source = key, duration_s, source
        b.engine, b.voice = engine, voice
        audit.record(session, actor, "update", ENTITY, bulletin_id, old, key, "âm thanh")


# ── reads ──


@dataclass(frozen=True)
class BulletinRow:
    id: str
    title: str
    text: str | None
    priority: str
    status: str
    target_kind: str
    targets: tuple[str, ...]
    schedule_kind: str
    duration_s: float | None
    audio_key: str | None
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    next_start: datetime | None
    finished: bool
    alert_id: int | None
    counts: dict[str, int]  # delivery state → clusters


def _row(b: Bulletin, counts: dict[str, int], now: datetime) -> BulletinRow:
    sched = schedule_of(b)
    created = b.approved_at or b.created_at
    return BulletinRow(
        id=b.id,
        title=b.title,
        text=b.text,
        priority=b.priority,
        status=b.status,
        target_kind=b.target_kind,
        targets=tuple(b.targets or ()),
        schedule_kind=b.schedule_kind,
        duration_s=b.duration_s,
        audio_key=b.audio_key,
        created_by=b.created_by,
        created_at=b.created_at,
        approved_by=b.approved_by,
        approved_at=b.approved_at,
        next_start=next_start(sched, now, created) if b.status in ("draft", "approved") else None,
        finished=finished(sched, now, created),
        alert_id=b.alert_id,
        counts=counts,
    )


def _counts(session: Any, ids: list[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {i: {} for i in ids}
    if not ids:
        return out
    stmt = (
        select(BulletinDelivery.bulletin_id, BulletinDelivery.state, func.count())
        .where(BulletinDelivery.bulletin_id.in_(ids))
        .group_by(BulletinDelivery.bulletin_id, BulletinDelivery.state)
    )
    for bid, state, n in session.execute(stmt):
        out[bid][state] = int(n)
    return out


def listing(
    store: Store, now: datetime, limit: int = 200, status: str | None = None
) -> list[BulletinRow]:
    """Newest first, with each bulletin's delivery counts (the history)."""
    with store.session() as session:
        stmt = select(Bulletin).order_by(Bulletin.created_at.desc()).limit(limit)
        if status:
            stmt = stmt.where(Bulletin.status == status)
        items = list(session.scalars(stmt))
        counts = _counts(session, [b.id for b in items])
    return [_row(b, counts[b.id], now) for b in items]


def get(store: Store, bulletin_id: str, now: datetime) -> BulletinRow | None:
    with store.session() as session:
        b = session.get(Bulletin, bulletin_id)
        if b is None:
            return None
        counts = _counts(session, [b.id])
    return _row(b, counts[b.id], now)


def awaiting_urgent(store: Store, now: datetime) -> list[BulletinRow]:
    """Emergency drafts waiting for the chairperson, most urgent first (wall, phone)."""
    rows = listing(store, now, status="draft")
    return [r for r in rows if r.priority == "khan_cap"]


@dataclass(frozen=True)
class DeliveryRow:
    device_id: str
    name: str
    hamlet: str | None
    lat: float | None
    lon: float | None
    online: bool
    occurrence: str
    state: str
    attempts: int
    sent_at: datetime | None
    played_at: datetime | None
    finished_at: datetime | None
    reason: str | None


def deliveries(store: Store, bulletin_id: str) -> list[DeliveryRow]:
    """The per-cluster delivery report of one bulletin, newest occurrence first."""
    with store.session() as session:
        stmt = (
            select(BulletinDelivery, Device)
            .join(Device, Device.device_id == BulletinDelivery.device_id)
            .where(BulletinDelivery.bulletin_id == bulletin_id)
            .order_by(BulletinDelivery.starts_at.desc(), BulletinDelivery.device_id)
        )
        return [
            DeliveryRow(
                d.device_id,
                dev.name,
                dev.hamlet,
                dev.lat,
                dev.lon,
                dev.online,
                d.occurrence,
                d.state,
                d.attempts,
                d.sent_at,
                d.played_at,
                d.finished_at,
                d.reason,
            )
            for d, dev in session.execute(stmt)
        ]


@dataclass(frozen=True)
class OnAir:
    bulletin_id: str
    title: str
    priority: str
    clusters: int


def on_air(store: Store) -> list[OnAir]:
    """Bulletins playing on at least one cluster now, most urgent first (the wall)."""
    with store.session() as session:
        stmt = (
            select(Bulletin.id, Bulletin.title, Bulletin.priority, func.count())
            .join(BulletinDelivery, BulletinDelivery.bulletin_id == Bulletin.id)
            .where(BulletinDelivery.state == "playing")
            .group_by(Bulletin.id, Bulletin.title, Bulletin.priority)
        )
        found = [OnAir(i, t, p, int(n)) for i, t, p, n in session.execute(stmt)]
    return sorted(found, key=lambda o: (-rank(o.priority), o.title))
