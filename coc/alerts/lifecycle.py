"""The one alert lifecycle: raise, repeat, clear; acknowledge, assign, clear by hand.

Every alert, whatever raised it (a sensor rule, an offline device, a stale source, an
indicator, a citizen report later), is one `Alert` row keyed by (kind, subject): at most
one is open per key. `raise_alert` opens it or, while it is open, counts the repeat and
moves its last value; `clear_alert` closes it when its condition is gone. People act on
it with `acknowledge`, `assign` and `clear_by_hand`. Each step appends an `AlertEvent`
(who, when, note) in the same transaction; the notification router reads those events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from coc.errors import CocError
from coc.scope import Scope, allowed_codes
from coc.scope import check as check_unit
from coc.store.db import Store
from coc.store.models import Alert, AlertEvent
from coc.timeutil import iso_utc

SEVERITIES = ("info", "warning", "critical")
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
KINDS = (
    "sensor",  # a sensor rule of config/alerts.yaml
    "device_offline",  # a camera or loudspeaker offline past its limit
    "source_stale",  # a connector's data older than its staleness limit
    "connector_failing",  # a connector's pulls failing repeatedly
    "push_failing",  # the upward push failing repeatedly
    "indicator_red",  # an indicator's completion in the red band
    "indicator_at_risk",  # an indicator projected to miss its yearly target
    "validation",  # a validation rule broken
    "explanation_overdue",  # an explanation request past its due date
    "report",  # raised by another feature through this API
    "fieldreport_overdue",  # a citizen's field report past its handling deadline
    "fieldreport_moderation",  # field reports held in the moderation queue too long
)
STATES = ("ACTIVE_UNACK", "ACTIVE_ACK", "CLEARED_UNACK", "CLEARED_ACK")
MAX_NOTE = 2000


class AlertActionError(CocError):
    """A lifecycle action that cannot be done (unknown alert, already cleared, …)."""


class AlertNotFound(AlertActionError):
    """No alert has that id."""


@dataclass(frozen=True)
class AlertSpec:
    """What a raiser knows: the key (kind, subject) and what to show."""

    kind: str
    subject: str
    severity: str
    message: str
    rule: str = ""  # the rule id; the kind when empty
    device_id: str = ""
    key: str | None = None
    value: float | None = None
    threshold: float | None = None
    hamlet: str | None = None
    org_unit: str | None = None  # whose figures or devices; None: the system's own

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown alert kind {self.kind!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        if not self.subject:
            raise ValueError("an alert needs a subject")


@dataclass(frozen=True)
class Raised:
    alert: Alert
    new: bool  # opened now (False: a repeat of the open one)
    escalated: bool  # a repeat that raised the severity


def _event(session: Session, alert: Alert, event: str, at: datetime, **kw: Any) -> None:
    session.add(AlertEvent(alert_id=alert.id, event=event, at=at, **kw))


def open_alert(session: Session, kind: str, subject: str) -> Alert | None:
    stmt = select(Alert).where(Alert.kind == kind, Alert.subject == subject, Alert.status == "open")
    return session.scalars(stmt).first()


def raise_alert(
    session: Session,
    spec: AlertSpec,
    now: datetime,
    *,
    opened_at: datetime | None = None,
    count_repeat: bool = True,
) -> Raised:
    """Open the alert of (kind, subject), or update the open one: count, last value,
    message; a higher severity escalates it (and it needs acknowledging again).
    `count_repeat=False` for level checks that see the same condition every run."""
    alert = open_alert(session, spec.kind, spec.subject)
    if alert is None:
        alert = Alert(
            rule_id=spec.rule or spec.kind,
            device_id=spec.device_id,
            key=spec.key,
            kind=spec.kind,
            subject=spec.subject,
            hamlet=spec.hamlet,
            org_unit=spec.org_unit,
            severity=spec.severity,
            message=spec.message,
            value=spec.value,
            threshold=spec.threshold,
            last_value=spec.value,
            opened_at=opened_at or now,
            last_seen_at=opened_at or now,
        )
        session.add(alert)
        session.flush()
        _event(session, alert, "raised", opened_at or now)
        return Raised(alert, True, False)
    escalated = SEVERITY_ORDER[spec.severity] < SEVERITY_ORDER.get(alert.severity, 9)
    if count_repeat:
        alert.count += 1
    alert.last_value = spec.value if spec.value is not None else alert.last_value
    alert.last_seen_at = now
    alert.message = spec.message
    if escalated:
        alert.severity = spec.severity
        alert.acknowledged_at = alert.acknowledged_by = alert.ack_comment = None
        _event(session, alert, "escalated", now)
    return Raised(alert, False, escalated)


def clear_alert(session: Session, kind: str, subject: str, now: datetime) -> Alert | None:
    """Close the open alert of (kind, subject) because its condition is gone."""
    alert = open_alert(session, kind, subject)
    if alert is not None:
        close(session, alert, now)
    return alert


def close(session: Session, alert: Alert, at: datetime) -> None:
    """Clear one open alert by its rule (no-op when a person cleared it already)."""
    if alert.status != "open":
        return
    alert.status, alert.cleared_at = "cleared", at
    _event(session, alert, "cleared", at)


def _note(text: str | None, what: str, required: bool = False) -> str | None:
    text = (text or "").strip()
    if required and not text:
        raise AlertActionError(f"cần {what}")
    if len(text) > MAX_NOTE:
        raise AlertActionError(f"{what} dài quá {MAX_NOTE} ký tự")
    return text or None


def _load(session: Session, ids: Iterable[int], scope: Scope | None = None) -> list[Alert]:
    """The alerts of `ids`; an alert outside the person's org units is refused
    (`UnitRefused`) before any is changed."""
    wanted = sorted(set(ids))
    rows = list(session.scalars(select(Alert).where(Alert.id.in_(wanted)))) if wanted else []
    if len(rows) != len(wanted):
        missing = sorted(set(wanted) - {a.id for a in rows})
        raise AlertNotFound(f"không có cảnh báo số {', '.join(map(str, missing))}")
    for alert in rows:
        check_unit(scope, alert.org_unit)
    return rows


def ensure_allowed(store: Store, ids: Iterable[int], scope: Scope | None) -> None:
    """Refuse (`UnitRefused`, `AlertNotFound`) before a batch of actions when any of the
    alerts is unknown or outside the person's org units, so none of them changes."""
    with store.session() as session:
        _load(session, ids, scope)


def acknowledge(
    store: Store,
    ids: Sequence[int],
    user: str,
    comment: str | None,
    now: datetime,
    scope: Scope | None = None,
) -> int:
    """Acknowledge alerts (active or cleared); returns how many changed (already
    acknowledged ones are left as they were)."""
    note = _note(comment, "ghi chú")
    with store.write() as session:
        changed = 0
        for alert in _load(session, ids, scope):
            if alert.acknowledged_at is not None:
                continue
            alert.acknowledged_at, alert.acknowledged_by, alert.ack_comment = now, user, note
            _event(session, alert, "acknowledged", now, actor=user, note=note)
            changed += 1
        return changed


def assign(
    store: Store,
    alert_id: int,
    assignee: str | None,
    by: str,
    now: datetime,
    scope: Scope | None = None,
) -> None:
    """Give an alert to a user (None takes it back)."""
    from coc.auth.users import get_user

    if assignee is not None:
        user = get_user(store, assignee)
        if user is None or not user.active:
            raise AlertActionError(f"không có người dùng '{assignee}'")
    with store.write() as session:
        (alert,) = _load(session, [alert_id], scope)
        alert.assignee, alert.assigned_by, alert.assigned_at = assignee, by, now
        _event(session, alert, "assigned", now, actor=by, note=assignee)


def clear_by_hand(
    store: Store, alert_id: int, user: str, reason: str, now: datetime, scope: Scope | None = None
) -> None:
    """A person clears an active alert, with a reason. Its rule raises a new one only after
    the condition has gone and come back."""
    note = _note(reason, "lý do")
    if note is None:
        raise AlertActionError("cần lý do khi xóa cảnh báo bằng tay")
    with store.write() as session:
        (alert,) = _load(session, [alert_id], scope)
        if alert.status != "open":
            raise AlertActionError(f"cảnh báo số {alert_id} đã được xóa")
        alert.status, alert.cleared_at = "cleared", now
        alert.cleared_by, alert.clear_reason = user, note
        _event(session, alert, "cleared", now, actor=user, note=note)


def state_of(alert: Alert) -> str:
    active = "ACTIVE" if alert.status == "open" else "CLEARED"
    return f"{active}_{'ACK' if alert.acknowledged_at is not None else 'UNACK'}"


def as_dict(a: Alert) -> dict[str, Any]:
    return {
        "id": a.id,
        "rule": a.rule_id,
        "kind": a.kind,
        "subject": a.subject,
        "device_id": a.device_id or None,
        "key": a.key,
        "hamlet": a.hamlet,
        "org_unit": a.org_unit,
        "severity": a.severity,
        "status": a.status,
        "state": state_of(a),
        "message": a.message,
        "value": a.value,
        "threshold": a.threshold,
        "count": a.count,
        "last_value": a.last_value,
        "last_seen_at": iso_utc(a.last_seen_at),
        "opened_at": iso_utc(a.opened_at),
        "cleared_at": iso_utc(a.cleared_at),
        "cleared_by": a.cleared_by,
        "clear_reason": a.clear_reason,
        "acknowledged_at": iso_utc(a.acknowledged_at),
        "acknowledged_by": a.acknowledged_by,
        "ack_comment": a.ack_comment,
        "assignee": a.assignee,
        "assigned_by": a.assigned_by,
        "assigned_at": iso_utc(a.assigned_at),
    }


def priority(a: Alert) -> tuple[int, int, float]:
    """Unacknowledged first, then most severe, then newest (the wall's order)."""
    return (
        0 if a.acknowledged_at is None else 1,
        SEVERITY_ORDER.get(a.severity, 9),
        -a.opened_at.timestamp(),
    )


@dataclass(frozen=True)
class AlertFilter:
    """The alerts page and `GET /api/v1/alerts` filters; None means any."""

    states: tuple[str, ...] = ()  # of STATES; empty: active ones only
    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    hamlets: tuple[str, ...] = ()
    since: datetime | None = None  # opened at or after
    until: datetime | None = None  # opened before
    limit: int = 500
    scope: Scope | None = None  # a person's org units (coc.scope); None: every alert


def find_alerts(session: Session, f: AlertFilter = AlertFilter()) -> list[dict[str, Any]]:
    """Alerts matching the filter, in the wall's order (unacknowledged, severity, newest)."""
    stmt = select(Alert)
    states = f.states or ("ACTIVE_UNACK", "ACTIVE_ACK")
    statuses = {"open" if s.startswith("ACTIVE") else "cleared" for s in states}
    stmt = stmt.where(Alert.status.in_(sorted(statuses)))
    if f.kinds:
        stmt = stmt.where(Alert.kind.in_(f.kinds))
    if f.severities:
        stmt = stmt.where(Alert.severity.in_(f.severities))
    if f.hamlets:
        stmt = stmt.where(Alert.hamlet.in_(f.hamlets))
    if f.since is not None:
        stmt = stmt.where(Alert.opened_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(Alert.opened_at < f.until)
    units = allowed_codes(f.scope)
    if units is not None:
        stmt = stmt.where(Alert.org_unit.in_(sorted(units)))
    stmt = stmt.order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(f.limit)
    rows = [a for a in session.scalars(stmt) if state_of(a) in states]
    rows.sort(key=priority)
    return [as_dict(a) for a in rows]


def history(session: Session, alert_id: int) -> list[dict[str, Any]]:
    """The steps of one alert, oldest first."""
    stmt = select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
    return [
        {"event": e.event, "actor": e.actor, "note": e.note, "at": iso_utc(e.at)}
        for e in session.scalars(stmt)
    ]


def hamlets(session: Session) -> list[str]:
    """Hamlets that alerts name (the page's filter choices)."""
    stmt = select(Alert.hamlet).where(Alert.hamlet.is_not(None)).distinct()
    return sorted(h for h in session.scalars(stmt) if h)


def list_alerts(store: Store, f: AlertFilter = AlertFilter()) -> list[dict[str, Any]]:
    """`find_alerts` in a session of its own (for pages)."""
    with store.session() as session:
        return find_alerts(session, f)


def known_hamlets(store: Store) -> list[str]:
    with store.session() as session:
        return hamlets(session)
