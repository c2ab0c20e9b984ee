"""Delivery rounds: what to send to which cluster now. For every approved bulletin with an
occurrence on air, each target cluster gets a delivery row; an online cluster that is not
busy with something as urgent gets a `play` command (a khẩn cấp one pre-empts a lower
one); an offline cluster waits and gets the bulletin when it returns while still valid;
unanswered and failed commands are retried `max_retries` times; expired ones are never
sent. Publishing is a parameter (the MQTT edge gives it), so rounds are tested without
a broker too."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from coc.bulletins import rank
from coc.bulletins.reports import IN_FLIGHT
from coc.bulletins.schedule import active
from coc.bulletins.workflow import schedule_of
from coc.config import Settings
from coc.store.db import Store
from coc.store.models import Bulletin, BulletinDelivery, Device
from coc.timeutil import as_utc

log = logging.getLogger(__name__)

Publish = Callable[[str, bytes], bool]  # (topic, payload) → handed to the broker


@dataclass(frozen=True)
class Command:
    device_id: str
    topic: str
    payload: dict[str, Any]
    delivery_id: int | None

    def body(self) -> bytes:
        return json.dumps(self.payload, ensure_ascii=False, separators=(",", ":")).encode()


def command_topic(root: str, commune: str, device_id: str) -> str:
    return f"{root}/{commune}/speakers/{device_id}/cmd"


def audio_url(settings: Settings, key: str) -> str:
    cfg = settings.bulletins
    base = cfg.audio_base_url or f"http://{settings.http.host}:{settings.http.port}"
    return f"{base.rstrip('/')}/api/v1/bulletins/audio/{key}.{cfg.audio_format}"


def _ms(dt: datetime) -> int:
    return int(as_utc(dt).timestamp() * 1000)


def _targets(session: Session, b: Bulletin) -> list[str]:
    stmt = select(Device.device_id).where(Device.kind == "speaker", Device.org_unit == b.org_unit)
    if b.target_kind == "hamlets":
        stmt = stmt.where(Device.hamlet.in_(b.targets or []))
    elif b.target_kind == "clusters":
        stmt = stmt.where(Device.device_id.in_(b.targets or []))
    return sorted(session.scalars(stmt))


def _materialise(session: Session, now: datetime) -> None:
    """A delivery row per (approved bulletin, occurrence on air, target cluster), added in
    one statement (an occurrence on air has not expired, so neither have its rows)."""
    keys = select(
        BulletinDelivery.bulletin_id, BulletinDelivery.occurrence, BulletinDelivery.device_id
    ).where(BulletinDelivery.expires_at > now)
    have = {tuple(row) for row in session.execute(keys)}
    new: list[dict[str, Any]] = []
    for b in session.scalars(select(Bulletin).where(Bulletin.status == "approved")):
        occurrences = active(schedule_of(b), now, b.approved_at or now)
        if not occurrences:
            continue
        clusters = _targets(session, b)
        for occ in occurrences:
            new.extend(
                {"bulletin_id": b.id, "occurrence": occ.key, "device_id": device_id,
                 "priority": b.priority, "state": "pending", "attempts": 0,
                 "starts_at": occ.starts, "expires_at": occ.expires, "updated_at": now}
                for device_id in clusters
                if (b.id, occ.key, device_id) not in have
            )  # fmt: skip
    if new:
        session.execute(insert(BulletinDelivery), new)


SILENT_AFTER = timedelta(hours=1)  # playing, and no word this long after its validity


def _expire(session: Session, now: datetime) -> int:
    """Not yet on air when its validity ended: never played. One still 'playing' long
    after it (the cluster never said done) is failed, so it stops counting as on air."""
    result = session.execute(
        update(BulletinDelivery)
        .where(BulletinDelivery.state.in_(("pending", "sent", "received", "failed")))
        .where(BulletinDelivery.expires_at <= now)
        .values(state="expired", reason="hết hiệu lực trước khi phát được")
        .execution_options(synchronize_session=False)
    )
    silent = session.execute(
        update(BulletinDelivery)
        .where(BulletinDelivery.state == "playing")
        .where(BulletinDelivery.expires_at <= now - SILENT_AFTER)
        .values(state="failed", reason="cụm loa không báo phát xong")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) + int(silent.rowcount or 0)


def plan_round(session: Session, settings: Settings, now: datetime) -> list[Command]:
    """Decide this round's commands and mark their rows (sent, attempts); the caller
    publishes them and commits."""
    cfg, root, commune = settings.bulletins, settings.mqtt.topic_root, settings.commune.code
    now = as_utc(now)
    _expire(session, now)
    _materialise(session, now)
    online = {d for d, up in session.execute(select(Device.device_id, Device.online)) if up}
    stale_before = now - timedelta(seconds=cfg.ack_timeout_s)
    busy: dict[str, int] = {}  # device → rank of what it is busy with (columns only: cheap)
    flight = select(
        BulletinDelivery.device_id,
        BulletinDelivery.priority,
        BulletinDelivery.state,
        BulletinDelivery.sent_at,
    ).where(BulletinDelivery.state.in_(IN_FLIGHT))
    for device_id, priority, state, sent_at in session.execute(flight):
        if state == "sent" and (sent_at is None or as_utc(sent_at) <= stale_before):
            continue  # unanswered: it will be sent again
        busy[device_id] = max(busy.get(device_id, -1), rank(priority))
    actionable = (
        BulletinDelivery.state.in_(("pending", "stopping"))
        | ((BulletinDelivery.state == "failed") & (BulletinDelivery.attempts <= cfg.max_retries))
        | ((BulletinDelivery.state == "sent") & (BulletinDelivery.sent_at <= stale_before))
    )
    rows = list(session.scalars(select(BulletinDelivery).where(actionable)))
    bulletins = {
        b.id: b
        for b in session.scalars(
            select(Bulletin).where(Bulletin.id.in_({r.bulletin_id for r in rows}))
        )
    }
    commands: list[Command] = []
    ordered = sorted(rows, key=lambda r: (-rank(r.priority), as_utc(r.starts_at), r.id or 0))
    for r in ordered:
        b = bulletins.get(r.bulletin_id)
        topic = command_topic(root, commune, r.device_id)
        if r.state == "stopping":
            if r.device_id in online:
                payload = {"bulletin": r.bulletin_id, "action": "stop", "ts": _ms(now)}
                commands.append(Command(r.device_id, topic, payload, None))
                r.state = "cancelled"
            continue
        if b is None or b.status != "approved" or not b.audio_key:
            continue  # never sent: only approved bulletins with audio play
        if r.state == "playing":
            continue  # the cluster reports done or failed
        resend = r.state in ("sent", "received") and _stale(r, now, cfg.ack_timeout_s)
        retry = r.state == "failed" and r.attempts <= cfg.max_retries
        if r.state in ("sent", "received") and not resend:
            continue
        if r.state == "failed" and not retry:
            continue
        if (resend or retry) and r.attempts > cfg.max_retries:
            r.state, r.reason = "failed", r.reason or "cụm loa không phản hồi"
            continue
        if r.device_id not in online or as_utc(r.starts_at) > now:
            continue  # offline: it gets the bulletin when it returns, if still valid
        if busy.get(r.device_id, -1) >= rank(r.priority) and not (resend or retry):
            continue  # as urgent or more is on that cluster: wait for it
        payload = {
            "bulletin": r.bulletin_id,
            "action": "play",
            "audio_url": audio_url(settings, b.audio_key),
            "priority": r.priority,
            "expires": _ms(r.expires_at),
            "ts": _ms(now),
            "occurrence": r.occurrence,
            "duration_s": b.duration_s,
        }
        commands.append(Command(r.device_id, topic, payload, r.id))
        r.state, r.sent_at, r.attempts = "sent", now, r.attempts + 1
        busy[r.device_id] = max(busy.get(r.device_id, -1), rank(r.priority))
    return commands


def _stale(r: BulletinDelivery, now: datetime, ack_timeout_s: int) -> bool:
    """Sent and no word from the cluster within the ack timeout (a received one waits its
    turn on the cluster until it plays or expires)."""
    if r.sent_at is None:
        return True
    return as_utc(r.sent_at) + timedelta(seconds=ack_timeout_s) <= now and r.state == "sent"


def run_round(store: Store, settings: Settings, now: datetime, publish: Publish) -> list[Command]:
    """One round in one transaction: a command the broker did not take is put back."""
    with store.write() as session:
        commands = plan_round(session, settings, now)
        for c in commands:
            if not publish(c.topic, c.body()) and c.delivery_id is not None:
                row = session.get(BulletinDelivery, c.delivery_id)
                if row is not None:
                    row.state, row.attempts = "pending", max(0, row.attempts - 1)
    return commands
