"""Reminders and overdue alerts of field reports.

Overdue reports open an alert through the alert table that device alerts use (`Alert`,
rule `fieldreport.overdue`, the report's code in `device_id`), so the wall, `/api/v1/alerts`
and the alert history show them. `raise_overdue` and `clear_overdue` are the only two
places that touch that mechanism: when the alert lifecycle and notification outbox land,
these are re-wired to it. Messages hold the code, category and deadline, never a name
or phone number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from coc.fieldreports.categories import Categories
from coc.fmt import day
from coc.indicators.fieldreports import OPEN
from coc.store import audit
from coc.store.db import Store
from coc.store.models import Alert, FieldReport

RULE = "fieldreport.overdue"


def raise_overdue(
    session: Session, code: str, *, category: str, deadline: datetime, now: datetime
) -> bool:
    """Open the overdue alert of report `code` unless one is open; True if opened."""
    held = session.scalars(
        select(Alert).where(Alert.rule_id == RULE, Alert.device_id == code, Alert.status == "open")
    ).first()
    if held is not None:
        return False
    session.add(
        Alert(
            rule_id=RULE,
            device_id=code,
            severity="warning",
            status="open",
            message=f"Phản ánh {code[:2]}-{code[2:]} ({category}) quá hạn xử lý từ {day(deadline)}",
            opened_at=now,
        )
    )
    return True


def clear_overdue(session: Session, code: str, *, now: datetime) -> None:
    for alert in session.scalars(
        select(Alert).where(Alert.rule_id == RULE, Alert.device_id == code, Alert.status == "open")
    ):
        alert.status, alert.cleared_at = "cleared", now


@dataclass(frozen=True)
class DeadlineRun:
    reminded: list[str]
    overdue: list[str]


def check_deadlines(
    store: Store, categories: Categories, *, now: datetime, remind_hours: float
) -> DeadlineRun:
    """Remind (once, audited) reports whose deadline is near and alert the overdue ones.
    Scheduled; safe to run any number of times."""
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
                if raise_overdue(session, r.code, category=name, deadline=r.deadline, now=now):  # type: ignore[arg-type]
                    overdue.append(r.code)
                    audit.record(session, "coc", "overdue", "field_report", r.code,
                                 new=r.deadline.isoformat())  # type: ignore[union-attr]  # fmt: skip
            elif r.reminded_at is None:
                r.reminded_at = now
                reminded.append(r.code)
                who = r.assignee or r.unit or "văn phòng"
                detail = f"nhắc {who}: hạn {day(r.deadline)}"
                audit.record(session, "coc", "remind", "field_report", r.code, detail=detail)
    return DeadlineRun(reminded, overdue)
