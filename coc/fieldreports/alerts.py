"""Reminders and overdue alerts of field reports.

Overdue reports open an alert of kind `fieldreport_overdue` (subject: the report's code)
through the alert lifecycle (coc.alerts.lifecycle), so the wall, `/alerts`, `/canh-bao`,
acknowledgement and the notification routing by kind, severity and hamlet treat them like
every other alert. Messages hold the code, category and deadline, never a name or phone
number.

Reports held in the moderation queue (no deadline runs there) longer than
`fieldreports.moderation_alert_hours` open one alert of kind `fieldreport_moderation` per
org unit (subject: the org unit's code) saying how many wait; it clears when none waits
that long any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from coc.alerts.lifecycle import AlertSpec, clear_alert, close, open_alert, raise_alert
from coc.fieldreports.categories import Categories
from coc.fieldreports.service import MODERATION
from coc.fmt import day, moment, number
from coc.indicators.fieldreports import OPEN
from coc.notify.config import NotifyConfig
from coc.notify.outbox import enqueue
from coc.store import audit
from coc.store.db import Store
from coc.store.models import Alert, FieldReport

RULE = "fieldreport.overdue"
KIND = "fieldreport_overdue"
MODERATION_RULE = "fieldreport.moderation"
MODERATION_KIND = "fieldreport_moderation"


def raise_overdue(
    session: Session,
    code: str,
    *,
    category: str,
    deadline: datetime,
    now: datetime,
    hamlet: str | None = None,
    org_unit: str | None = None,
) -> bool:
    """Open the overdue alert of report `code` unless one is open; True if opened."""
    if open_alert(session, KIND, code) is not None:
        return False
    message = f"Phản ánh {code[:2]}-{code[2:]} ({category}) quá hạn xử lý từ {day(deadline)}"
    spec = AlertSpec(KIND, code, "warning", message, rule=RULE, hamlet=hamlet, org_unit=org_unit)
    raise_alert(session, spec, now, count_repeat=False)
    return True


def clear_overdue(session: Session, code: str, *, now: datetime) -> None:
    clear_alert(session, KIND, code, now)


@dataclass(frozen=True)
class DeadlineRun:
    reminded: list[str]
    overdue: list[str]


def remind(
    session: Session, report: FieldReport, who: str, notify: NotifyConfig | None, now: datetime
) -> int:
    """Queue the handler's reminder in the notification outbox (coc.notify.outbox), where
    `who` (a user, or a unit listed under `people:` in the notification settings) is
    reached; recorded once per report and address. The message holds the code, category
    and deadline, never the reporter's name or phone. Returns how many were queued."""
    if notify is None:
        return 0
    queued = 0
    shown = f"{report.code[:2]}-{report.code[2:]}"
    for channel, recipient in notify.addresses(who):
        row = enqueue(
            session,
            key=f"fieldreport-remind:{report.code}:{channel}:{recipient}",
            channel=channel,
            recipient=recipient,
            title=f"Nhắc xử lý phản ánh {shown}",
            body=f"Phản ánh {shown} đến hạn xử lý {day(report.deadline)}.",
            severity="info",
            event="remind",
            now=now,
            topic=f"fieldreport:{report.code}",
        )
        queued += row is not None
    return queued


def check_deadlines(
    store: Store,
    categories: Categories,
    *,
    now: datetime,
    remind_hours: float,
    notify: NotifyConfig | None = None,
) -> DeadlineRun:
    """Remind (once, audited, and through the outbox when `notify` says where the handler
    is reached) reports whose deadline is near and alert the overdue ones. Scheduled;
    safe to run any number of times."""
    reminded: list[str] = []
    overdue: list[str] = []
    soon = now + timedelta(hours=remind_hours)
    with store.write() as session:
        rows = session.scalars(
            select(FieldReport).where(
                FieldReport.state.in_(OPEN),
                FieldReport.deadline.is_not(None),
                FieldReport.deadline <= soon,
            )
        ).all()
        for r in rows:
            if r.deadline <= now:  # type: ignore[operator]
                name = categories.name(r.category)
                if raise_overdue(
                    session,
                    r.code,
                    category=name,
                    deadline=r.deadline,
                    now=now,
                    hamlet=r.hamlet,  # type: ignore[arg-type]
                    org_unit=r.org_unit,
                ):
                    overdue.append(r.code)
                    audit.record(session, "coc", "overdue", "field_report", r.code,
                                 new=r.deadline.isoformat())  # type: ignore[union-attr]  # fmt: skip
            elif r.reminded_at is None:
                r.reminded_at = now
                reminded.append(r.code)
                who = r.assignee or r.unit or "văn phòng"
                detail = f"nhắc {who}: hạn {day(r.deadline)}"
                audit.record(session, "coc", "remind", "field_report", r.code, detail=detail)
                remind(session, r, who, notify, now)
    return DeadlineRun(reminded, overdue)


def check_moderation(store: Store, *, now: datetime, hours: float) -> dict[str, int]:
    """Alert, per org unit, the reports waiting in the moderation queue since more than
    `hours` before `now` (received then, held since); clear the alert of a unit where none
    waits that long. The message names how many and since when, no report or person.
    Returns how many wait per org unit. Scheduled with the deadlines; a level check."""
    since = now - timedelta(hours=hours)
    stmt = (
        select(FieldReport.org_unit, func.count(), func.min(FieldReport.received_at))
        .where(FieldReport.state == MODERATION, FieldReport.received_at < since)
        .group_by(FieldReport.org_unit)
    )
    waiting: dict[str, int] = {}
    with store.write() as session:
        for unit, n, oldest in session.execute(stmt).all():
            waiting[unit] = n
            message = (
                f"{n} phản ánh chờ kiểm duyệt quá {number(hours, 1)} giờ "
                f"(lâu nhất từ {moment(oldest)})"
            )
            spec = AlertSpec(MODERATION_KIND, unit, "warning", message, rule=MODERATION_RULE,
                             value=float(n), threshold=hours, org_unit=unit)  # fmt: skip
            raise_alert(session, spec, now, count_repeat=False)
        open_ = select(Alert).where(Alert.kind == MODERATION_KIND, Alert.status == "open")
        for alert in session.scalars(open_).all():
            if alert.subject not in waiting:
                close(session, alert, now)
    return waiting
