"""The persisted notification outbox: route alert events into it, send what is due.

`route_events` reads `alert_event` rows after its saved cursor and writes one
`notification` row per (event, channel, recipient) that a routing rule picks, moving the
cursor in the same transaction: each notification is recorded once (a unique dedupe key)
whatever happens to the process. Quiet hours hold back all but the highest severity until
they end; a repeat of the same alert topic to the same recipient inside the de-duplication
window is not recorded again; digest routes gather their rows into one message per
recipient and window.

`dispatch` sends what is due, each row's result committed right after its send: a row is
marked sent once, and a crash between a send and its mark sends it again on restart
(at least once; webhook receivers get the same `X-COC-Delivery` id to drop a repeat). A
failure moves `next_attempt_at` by the shared retry policy's backoff until
`max_attempts`, then the row is dead with its last reason. Nothing here logs a secret.

A recipient may be held by reference only (`reference("fieldreport", code)`): the row,
the settings page and the logs then never hold the address (a citizen's phone or Zalo
user id). The feature that queued it passes an `Addressee` to `dispatch`, which looks the
address up just before the send and is told each outcome in the transaction that records
it.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlmodel import Session

from coc import fmt
from coc.net import RetryPolicy
from coc.notify.channels import Message, Sender, SendFailed, sender_for
from coc.notify.config import HIGHEST, NotifyConfig
from coc.store.db import Store
from coc.store.models import Alert, AlertEvent, Notification
from coc.store.runs import read_cursor, save_cursor
from coc.timeutil import iso_utc, to_local

log = logging.getLogger(__name__)
ROUTER_CURSOR = "notify:router"
EVENT_WORDS = {
    "raised": "Cảnh báo",
    "escalated": "Cảnh báo tăng mức",
    "cleared": "Hết cảnh báo",
}
SEVERITY_WORDS = {"critical": "KHẨN CẤP", "warning": "Cảnh báo", "info": "Thông tin"}


REF = "ref:"


def reference(kind: str, key: str) -> str:
    """A recipient the outbox holds by reference: `dispatch`'s Addressee for `kind`
    resolves `key` to the address when the message is sent."""
    return f"{REF}{kind}:{key}"


def referenced(recipient: str) -> tuple[str, str] | None:
    """(kind, key) of a recipient held by reference, else None."""
    if not recipient.startswith(REF):
        return None
    kind, _, key = recipient[len(REF) :].partition(":")
    return (kind, key) if kind and key else None


class Addressee(Protocol):
    def address(self, session: Session, key: str, channel_type: str) -> str:
        """The address to send to over a channel of `channel_type`; raises SendFailed."""
        ...

    def outcome(
        self, session: Session, key: str, status: str, reason: str | None, now: datetime
    ) -> None:
        """Told each recorded result: sent, failed (retried later) or dead."""
        ...


def _when(dt: datetime) -> str:
    local = to_local(dt)
    return f"{fmt.day(local)} {local:%H:%M}"


def alert_text(alert: Alert, event: str, at: datetime) -> tuple[str, str]:
    """Title and body of one alert event (Vietnamese, local time, no internal ids)."""
    title = f"[{SEVERITY_WORDS.get(alert.severity, alert.severity)}] {alert.message}"
    if event != "raised":
        title = f"{EVENT_WORDS[event]}: {alert.message}"
    lines = [f"Lúc {_when(at)}"]
    if alert.hamlet:
        lines.append(f"Địa bàn: {alert.hamlet}")
    if alert.count > 1:
        lines.append(f"Lặp lại {fmt.number(alert.count, 0)} lần")
    return title, "\n".join(lines)


def enqueue(
    session: Session,
    *,
    key: str,
    channel: str,
    recipient: str,
    title: str,
    body: str,
    severity: str,
    event: str,
    now: datetime,
    due: datetime | None = None,
    alert_id: int | None = None,
    topic: str = "",
    digest: bool = False,
    attachment: str | None = None,
) -> Notification | None:
    """Record one notification unless its key is held already (None then). Other
    features (explanation requests, reports) call this too."""
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == key)):
        return None
    row = Notification(
        dedupe_key=key,
        alert_id=alert_id,
        topic=topic,
        event=event,
        channel=channel,
        recipient=recipient,
        severity=severity,
        title=title[:500],
        body=body,
        digest=digest,
        attachment=attachment,
        next_attempt_at=due or now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _recent(session: Session, topic: str, channel: str, recipient: str, since: datetime) -> bool:
    stmt = select(Notification.id).where(
        Notification.topic == topic,
        Notification.channel == channel,
        Notification.recipient == recipient,
        Notification.event == "raised",
        Notification.created_at >= since,
    )
    return session.scalar(stmt.limit(1)) is not None


def route_events(store: Store, cfg: NotifyConfig, now: datetime, limit: int = 500) -> int:
    """Turn new alert events into outbox rows; returns how many rows were recorded."""
    cursor = int(read_cursor(store, ROUTER_CURSOR) or 0)
    added = 0
    with store.write() as session:
        stmt = (
            select(AlertEvent, Alert)
            .join(Alert, Alert.id == AlertEvent.alert_id)
            .where(AlertEvent.id > cursor)
            .order_by(AlertEvent.id)
            .limit(limit)
        )
        rows = session.execute(stmt).all()
        for ev, alert in rows:
            cursor = ev.id
            if ev.actor is not None:  # a person's step (acknowledge, clear by hand): no message
                continue
            topic = f"{alert.kind}:{alert.subject}"
            due = None
            if cfg.quiet is not None and alert.severity != HIGHEST:
                due = cfg.quiet.release(now)
            title, body = alert_text(alert, ev.event, ev.at)
            for route in cfg.routes:
                if not route.matches(alert.kind, alert.severity, alert.hamlet, ev.event):
                    continue
                for recipient in route.recipients:
                    window = now - timedelta(minutes=cfg.dedupe_minutes)
                    if ev.event == "raised" and _recent(
                        session, topic, route.channel, recipient, window
                    ):
                        continue
                    made = enqueue(
                        session,
                        key=f"ev{ev.id}:{route.channel}:{recipient}",
                        channel=route.channel,
                        recipient=recipient,
                        title=title,
                        body=body,
                        severity=alert.severity,
                        event=ev.event,
                        now=now,
                        due=due,
                        alert_id=alert.id,
                        topic=topic,
                        digest=route.digest,
                    )
                    added += made is not None
        if rows:
            save_cursor(session.connection(), ROUTER_CURSOR, str(cursor))
    return added


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Delivery:
    """One message to send: the rows it stands for (one, or a digest's many)."""

    ids: tuple[int, ...]
    channel: str
    message: Message
    attempts: int


def _due(session: Session, now: datetime, limit: int, only: Iterable[int] | None) -> list[Any]:
    stmt = select(Notification).where(
        Notification.status == "pending",
        Notification.next_attempt_at <= now,
        Notification.digest.is_(False),
    )
    if only is not None:
        stmt = stmt.where(Notification.id.in_(list(only)))
    return list(session.scalars(stmt.order_by(Notification.id).limit(limit)))


def _one(row: Notification) -> Delivery:
    message = Message(
        delivery_id=f"coc-{row.id}",
        recipient=row.recipient,
        title=row.title,
        body=row.body,
        severity=row.severity,
        event=row.event,
        alert_id=row.alert_id,
        attachment=row.attachment,
    )
    return Delivery((row.id,), row.channel, message, row.attempts)


def _digests(session: Session, cfg: NotifyConfig, now: datetime) -> list[Delivery]:
    """Per (channel, recipient): the digest rows, once the oldest has waited its window."""
    ripe = now - timedelta(minutes=cfg.digest_minutes)
    stmt = (
        select(Notification.channel, Notification.recipient)
        .where(
            Notification.status == "pending",
            Notification.digest.is_(True),
            Notification.next_attempt_at <= now,
        )
        .group_by(Notification.channel, Notification.recipient)
        .having(func.min(Notification.created_at) <= ripe)
    )
    out = []
    for channel, recipient in session.execute(stmt).all():
        rows = list(
            session.scalars(
                select(Notification)
                .where(
                    Notification.status == "pending",
                    Notification.digest.is_(True),
                    Notification.channel == channel,
                    Notification.recipient == recipient,
                    Notification.next_attempt_at <= now,
                )
                .order_by(Notification.id)
            )
        )
        worst = min(rows, key=lambda r: {"critical": 0, "warning": 1}.get(r.severity, 2))
        body = "\n".join(f"• {r.title}" for r in rows)
        message = Message(
            delivery_id=f"coc-digest-{rows[0].id}-{rows[-1].id}",
            recipient=recipient,
            title=f"Tổng hợp {fmt.number(len(rows), 0)} thông báo cảnh báo",
            body=body,
            severity=worst.severity,
            event="digest",
        )
        attempts = max(r.attempts for r in rows)
        out.append(Delivery(tuple(r.id for r in rows), channel, message, attempts))
    return out


def _record(
    store: Store,
    delivery: Delivery,
    now: datetime,
    provider_id: str | None,
    failure: SendFailed | None,
    policy: RetryPolicy,
    max_attempts: int,
    addressees: Mapping[str, Addressee],
) -> str:
    attempts = delivery.attempts + 1
    with store.write() as session:
        rows = list(session.scalars(select(Notification).where(Notification.id.in_(delivery.ids))))
        if failure is None:
            state = "sent"
            for row in rows:
                row.status, row.sent_at, row.provider_id = "sent", now, provider_id
                row.attempts, row.last_error = attempts, None
        else:
            dead = not failure.retry or attempts >= max_attempts
            state = "dead" if dead else "failed"
            wait = timedelta(seconds=policy.delay(attempts - 1))
            for row in rows:
                row.attempts, row.last_error = attempts, failure.reason[:500]
                if dead:
                    row.status = "dead"
                else:
                    row.next_attempt_at = now + wait
        ref = referenced(delivery.message.recipient)
        if ref is not None and ref[0] in addressees:
            reason = failure.reason[:500] if failure else None
            addressees[ref[0]].outcome(session, ref[1], state, reason, now)
        return state


def _addressed(
    store: Store, message: Message, channel_type: str, addressees: Mapping[str, Addressee]
) -> Message:
    """The message with its real address when the row holds a reference (looked up now,
    kept in memory only for this send)."""
    ref = referenced(message.recipient)
    if ref is None:
        return message
    if ref[0] not in addressees:
        raise SendFailed(f"không tra được người nhận loại '{ref[0]}'", retry=True)
    with store.session() as session:
        address = addressees[ref[0]].address(session, ref[1], channel_type)
    return replace(message, recipient=address)


def dispatch(
    store: Store,
    cfg: NotifyConfig,
    now: datetime,
    *,
    policy: RetryPolicy,
    max_attempts: int,
    sleep: Callable[[float], None] = _time.sleep,
    senders: Mapping[str, Sender] | None = None,
    only: Iterable[int] | None = None,
    limit: int = 200,
    addressees: Mapping[str, Addressee] | None = None,
) -> DispatchResult:
    """Send the due notifications (and ripe digests); each result is committed at once.
    `addressees` resolve the recipients held by reference, by kind."""
    addressees = addressees or {}
    with store.session() as session:
        deliveries = [_one(r) for r in _due(session, now, limit, only)]
        if only is None:
            deliveries += _digests(session, cfg, now)
    made: dict[str, Sender] = dict(senders or {})
    result = DispatchResult()
    for delivery in deliveries:
        channel = cfg.channels.get(delivery.channel)
        provider_id, failure = None, None
        try:
            if channel is None:
                raise SendFailed("kênh không còn trong cấu hình", retry=False)
            if delivery.channel not in made:
                made[delivery.channel] = sender_for(channel, sleep=sleep)
            message = _addressed(store, delivery.message, channel.type, addressees)
            provider_id = made[delivery.channel].send(message)
        except SendFailed as exc:
            failure = exc
        state = _record(
            store, delivery, now, provider_id, failure, policy, max_attempts, addressees
        )
        if state == "sent":
            result.sent += len(delivery.ids)
        else:
            result.failed += state == "failed"
            result.dead += state == "dead"
            result.reasons.append(failure.reason if failure else "")
            log.warning(
                "thông báo %s qua kênh %s chưa gửi được (lần %d): %s",
                ",".join(map(str, delivery.ids)),
                delivery.channel,
                delivery.attempts + 1,
                failure.reason if failure else "",
            )
    return result


def send_test(
    store: Store,
    cfg: NotifyConfig,
    channel: str,
    recipient: str,
    now: datetime,
    *,
    policy: RetryPolicy,
    max_attempts: int,
    sleep: Callable[[float], None] = _time.sleep,
) -> dict[str, Any]:
    """The settings page's "send test": record a test message and send it now; its row
    stays in the outbox (retried like any other when the channel is down)."""
    with store.write() as session:
        row = enqueue(
            session,
            key=f"test:{channel}:{recipient}:{iso_utc(now)}",
            channel=channel,
            recipient=recipient,
            title="Thử kênh thông báo của COC",
            body=f"Tin thử lúc {_when(now)}. Nếu nhận được tin này, kênh đã hoạt động.",
            severity="info",
            event="test",
            now=now,
        )
    if row is None or row.id is None:
        raise SendFailed("đã gửi thử lúc này rồi", retry=False)
    dispatch(store, cfg, now, policy=policy, max_attempts=max_attempts, sleep=sleep, only=[row.id])
    with store.session() as session:
        return delivery_dict(session.get(Notification, row.id))


def delivery_dict(n: Notification | None) -> dict[str, Any]:
    if n is None:
        return {}
    return {
        "id": n.id,
        "alert_id": n.alert_id,
        "event": n.event,
        "channel": n.channel,
        "recipient": n.recipient,
        "severity": n.severity,
        "title": n.title,
        "status": n.status,
        "attempts": n.attempts,
        "next_attempt_at": iso_utc(n.next_attempt_at),
        "last_error": n.last_error,
        "sent_at": iso_utc(n.sent_at),
        "created_at": iso_utc(n.created_at),
        "digest": n.digest,
    }


def deliveries(
    session: Session, alert_id: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Delivery state per recipient, newest first (for one alert when given)."""
    stmt = select(Notification)
    if alert_id is not None:
        stmt = stmt.where(Notification.alert_id == alert_id)
    stmt = stmt.order_by(Notification.id.desc()).limit(limit)
    return [delivery_dict(n) for n in session.scalars(stmt)]


def policy_of(settings: Any) -> RetryPolicy:
    """The outbox's backoff between deliveries (the shared policy type of coc.net)."""
    a = settings.alerts
    return RetryPolicy(backoff_s=a.retry_base_s, backoff_max_s=a.retry_max_s)


def recent_deliveries(
    store: Store, alert_id: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """`deliveries` in a session of its own (for pages)."""
    with store.session() as session:
        return deliveries(session, alert_id, limit)
