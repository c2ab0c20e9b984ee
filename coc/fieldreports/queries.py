"""Reads of field reports, one shape per audience:

- `public_status` (the citizen with a code, the wall, the map): no name, phone, sender
  key, address digest or description of a report still in moderation;
- `clerk_rows` / `clerk_detail` (logged-in clerks only: the caller checks the role):
  everything, the reporter's name and phone included, and how the answer went back — but
  never the Zalo user id, which stays sealed (only whether the report has one);
- `stats`, `month_summary`: counts by category and hamlet, the only thing that leaves
  the commune (as the catalog's indicators in the feed).

The clerks' reads and the map take the person's `scope` (`coc.scope`): a user bound to
some org units sees the reports of those only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from coc.fieldreports.answers import way_of
from coc.fieldreports.categories import Categories
from coc.fieldreports.service import by_code
from coc.indicators.fieldreports import OPEN, counted, on_time, overdue
from coc.periods import Period
from coc.scope import Scope, allowed_codes
from coc.store.db import Store
from coc.store.models import FieldReport, FieldReportPhoto


@dataclass(frozen=True)
class PublicStatus:
    code: str
    state: str
    category: str
    hamlet: str | None
    received_at: datetime
    deadline: datetime | None
    handled_at: datetime | None
    answered_at: datetime | None
    answer: str | None  # only once published (đã phản hồi)
    reject_reason: str | None
    photo_ids: list[int] = field(default_factory=list)  # published photos only


def _within(stmt: Any, scope: Scope | None) -> Any:
    units = allowed_codes(scope)
    return stmt if units is None else stmt.where(FieldReport.org_unit.in_(sorted(units)))


def public_status(store: Store, code: str) -> PublicStatus | None:
    """What anyone holding the code may see."""
    with store.session() as session:
        r = by_code(session, code)
        if r is None:
            return None
        photos = session.scalars(
            select(FieldReportPhoto.id)
            .where(
                FieldReportPhoto.report_id == r.id,
                FieldReportPhoto.public.is_(True),
                FieldReportPhoto.data.is_not(None),
            )
            .order_by(FieldReportPhoto.seq)
        ).all()
    answered = r.state == "da_phan_hoi"
    return PublicStatus(
        code=r.code,
        state=r.state,
        category=r.category,
        hamlet=r.hamlet,
        received_at=r.received_at,
        deadline=r.deadline,
        handled_at=r.handled_at,
        answered_at=r.answered_at,
        answer=r.answer if answered else None,
        reject_reason=r.reject_reason if r.state == "tu_choi" else None,
        photo_ids=list(photos) if answered else [],
    )


def photo(
    store: Store,
    photo_id: int,
    *,
    code: str | None = None,
    clerk: bool = False,
    scope: Scope | None = None,
) -> bytes | None:
    """A photo's JPEG: a clerk sees any of their `scope`; the public only a published one
    of `code`."""
    with store.session() as session:
        row = session.get(FieldReportPhoto, photo_id)
        if row is None:
            return None
        report = session.get(FieldReport, row.report_id)
        if clerk:
            mine = scope is None or (report is not None and scope.allows(report.org_unit))
            return row.data if mine else None
        ok = row.public and report is not None and report.code == code
        return row.data if ok and report.state == "da_phan_hoi" else None


def open_points(store: Store, *, now: datetime, scope: Scope | None = None) -> list[dict[str, Any]]:
    """Open reports with a position, for the map: code, category, state, overdue."""
    stmt = (
        select(FieldReport.code, FieldReport.category, FieldReport.state,
               FieldReport.lat, FieldReport.lon, FieldReport.deadline, FieldReport.hamlet)
        .where(FieldReport.state.in_(OPEN), FieldReport.lat.is_not(None))
        .order_by(FieldReport.received_at)
    )  # fmt: skip
    with store.session() as session:
        rows = session.execute(_within(stmt, scope)).all()
    return [
        {
            "code": c,
            "category": cat,
            "state": st,
            "lat": lat,
            "lon": lon,
            "hamlet": h,
            "overdue": dl is not None and dl < now,
        }
        for c, cat, st, lat, lon, dl, h in rows
    ]


def open_counts(store: Store, *, now: datetime, scope: Scope | None = None) -> tuple[int, int]:
    """(open reports, of which past their deadline), with or without a position."""
    open_ = _within(select(func.count()).where(FieldReport.state.in_(OPEN)), scope)
    with store.session() as session:
        total = session.scalar(open_)
        late = session.scalar(open_.where(FieldReport.deadline < now))
    return int(total or 0), int(late or 0)


CLERK_COLUMNS = (
    "code", "state", "channel", "category", "hamlet", "received_at", "deadline", "assignee",
    "unit", "reporter_name", "reporter_phone", "moderation_reason",
)  # fmt: skip


def clerk_rows(
    store: Store, *, states: tuple[str, ...] | None = None, scope: Scope | None = None
) -> list[dict[str, Any]]:
    """Every report (newest first) with the reporter's contact: for clerks only."""
    stmt = _within(select(FieldReport), scope)
    if states:
        stmt = stmt.where(FieldReport.state.in_(states))
    stmt = stmt.order_by(FieldReport.received_at.desc()).limit(2000)
    with store.session() as session:
        rows = session.scalars(stmt).all()
    return [
        {c: getattr(r, c) for c in CLERK_COLUMNS} | {"description": r.description} for r in rows
    ]


def clerk_detail(store: Store, code: str, scope: Scope | None = None) -> dict[str, Any] | None:
    with store.session() as session:
        r = by_code(session, code)
        if r is None or (scope is not None and not scope.allows(r.org_unit)):
            return None
        photos = session.execute(
            select(FieldReportPhoto.id, FieldReportPhoto.public, FieldReportPhoto.fetch_state,
                   FieldReportPhoto.fetch_error, FieldReportPhoto.fetch_attempts,
                   FieldReportPhoto.source_url)
            .where(FieldReportPhoto.report_id == r.id)
            .order_by(FieldReportPhoto.seq)
        ).all()  # fmt: skip
    out = {c: getattr(r, c) for c in CLERK_COLUMNS}
    out.update(
        description=r.description,
        answer=r.answer,
        reject_reason=r.reject_reason,
        lat=r.lat,
        lon=r.lon,
        photos=[
            {"id": i, "public": bool(p), "state": st, "error": err, "tries": n, "link": url}
            for i, p, st, err, n, url in photos
        ],
        handled_at=r.handled_at,
        answered_at=r.answered_at,
        zalo_reachable=bool(r.sender_sealed),
        delivery={"state": r.answer_delivery, "note": r.answer_delivery_note,
                  "at": r.answer_delivery_at, "way": way_of(r)},
    )  # fmt: skip
    return out


@dataclass(frozen=True)
class Tally:
    received: int = 0
    handled: int = 0
    handled_on_time: int = 0
    overdue: int = 0
    open: int = 0

    @property
    def on_time_pct(self) -> float | None:
        return None if not self.handled else self.handled_on_time / self.handled * 100


def _tally(
    session: Session, org_unit: str, period: Period, now: datetime, group: Any
) -> dict[Any, Tally]:
    """Per group: received in the period; handled in it (and on time); overdue and still
    open among those received in it."""
    in_period = (
        (FieldReport.org_unit == org_unit)
        & (FieldReport.received_at >= period.start_utc)
        & (FieldReport.received_at < period.end_utc)
        & counted()
    )
    handled_in = (
        (FieldReport.org_unit == org_unit)
        & (FieldReport.handled_at >= period.start_utc)
        & (FieldReport.handled_at < period.end_utc)
        & counted()
    )
    out: dict[Any, dict[str, int]] = {}

    def add(where: Any, key: str) -> None:
        for g, n in session.execute(select(group, func.count()).where(where).group_by(group)):
            out.setdefault(g, {})[key] = int(n)

    add(in_period, "received")
    add(in_period & overdue(now), "overdue")
    add(in_period & FieldReport.state.in_(OPEN), "open")
    add(handled_in, "handled")
    add(handled_in & on_time(), "handled_on_time")
    return {g: Tally(**v) for g, v in out.items()}


@dataclass(frozen=True)
class Stats:
    period: str
    total: Tally
    by_category: dict[str, Tally]
    by_hamlet: dict[str, Tally]


def stats(store: Store, org_unit: str, period: Period, *, now: datetime) -> Stats:
    with store.session() as session:
        cats = _tally(session, org_unit, period, now, FieldReport.category)
        hamlets = _tally(session, org_unit, period, now, func.coalesce(FieldReport.hamlet, ""))
    total = Tally(*(sum(getattr(t, f) for t in cats.values()) for f in Tally.__dataclass_fields__))
    return Stats(period.code, total, cats, hamlets)


def month_summary(
    store: Store,
    org_unit: str,
    period: Period,
    *,
    now: datetime | None = None,
    categories: Categories | None = None,
    lang: str = "vi",
) -> dict[str, Any]:
    """The monthly report's section: totals and rows by category and by hamlet, names
    shown (no codes, no personal data). `now` judges reports still open (default: the
    period's end, so a past month's section never changes)."""
    judged = now if now is not None and now < period.end_utc else period.end_utc
    s = stats(store, org_unit, period, now=judged)

    def row(name: str, t: Tally) -> dict[str, Any]:
        return {"name": name, "received": t.received, "handled": t.handled,
                "handled_on_time": t.handled_on_time, "on_time_pct": t.on_time_pct,
                "overdue": t.overdue, "open": t.open}  # fmt: skip

    def cat_name(key: str) -> str:
        return categories.name(key, lang) if categories else key

    other = "Không rõ thôn" if lang == "vi" else "Hamlet not given"
    return {
        "period": period.code,
        "org_unit": org_unit,
        "total": row("Tổng số" if lang == "vi" else "Total", s.total),
        "by_category": [row(cat_name(k), t) for k, t in sorted(s.by_category.items())],
        "by_hamlet": [row(k or other, t) for k, t in sorted(s.by_hamlet.items())],
    }
