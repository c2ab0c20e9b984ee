"""Completeness registrations (DHIS2's completeDataSetRegistrations): a clerk marks a
period complete for the commune; the registration is served by the feed, pushed upstream
and received by the province, whose completeness and on-time reporting read it.

`read_registration` turns an outside item (DHIS2's JSON) into a row or a `Rejected` with
the reason; it never raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from coc.config import Settings
from coc.counts import Counts
from coc.errors import ValidationError
from coc.ingest.records import Rejected
from coc.periods import parse_period
from coc.scope import Scope
from coc.scope import check as check_unit
from coc.store.db import Store
from coc.store.models import AuditLog, CompleteRegistration
from coc.store.quarantine import insert_rows, quarantine_row
from coc.timeutil import iso_utc, parse_datetime, utcnow

SOURCE = "registration"
KEY = ("data_set", "org_unit", "period", "attribute_option_combo")


def mark_complete(
    store: Store,
    settings: Settings,
    org_unit: str,
    period: str,
    actor: str,
    now: datetime,
    *,
    completed: bool = True,
    scope: Scope | None = None,
) -> CompleteRegistration:
    """Mark the period complete (or reopen it) for the org unit, audited; `UnitRefused`
    for an org unit outside the person's `scope`."""
    check_unit(scope, org_unit)
    try:
        code = parse_period(str(period).strip()).code
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    label = parse_period(code).label()
    if completed and parse_period(code).start_utc > now:
        raise ValidationError(f"{label} chưa bắt đầu, chưa đánh dấu hoàn thành được")
    row = {
        "data_set": settings.approval.data_set,
        "org_unit": org_unit,
        "period": code,
        "attribute_option_combo": "",
        "completed": completed,
        "date": now,
        "stored_by": actor[:64],
        "source": "local",
    }
    with store.write_conn() as conn:
        old = _find(conn, row)
        if old is not None and bool(old.completed) == completed:
            word = "đã được đánh dấu hoàn thành" if completed else "chưa được đánh dấu hoàn thành"
            raise ValidationError(f"{label} {word}")
        if old is None and not completed:
            raise ValidationError(f"{label} chưa được đánh dấu hoàn thành")
        _put(conn, row, old)
        conn.execute(
            AuditLog.__table__.insert(),
            [
                {
                    "ts": utcnow(),
                    "actor": actor,
                    "action": "complete" if completed else "reopen",
                    "entity": "complete_registration",
                    "entity_key": f"{settings.approval.data_set}/{org_unit}/{code}",
                    "old_value": None if old is None else str(bool(old.completed)),
                    "new_value": str(completed),
                    "detail": None,
                }
            ],
        )
    with store.session() as session:
        found = registration(session, settings.approval.data_set, org_unit, code)
    assert found is not None
    return found


def _find(conn: Connection, row: dict[str, Any]) -> Any:
    table = CompleteRegistration.__table__
    return conn.execute(select(table).where(and_(*[table.c[k] == row[k] for k in KEY]))).first()


def _put(conn: Connection, row: dict[str, Any], old: Any) -> None:
    table = CompleteRegistration.__table__
    stamp = utcnow()
    if old is None:
        conn.execute(table.insert().values(**row, last_updated=stamp, created_at=stamp))
    else:
        update = {k: v for k, v in row.items() if k not in KEY}
        conn.execute(
            table.update().where(table.c.id == old.id).values(**update, last_updated=stamp)
        )


def registration(
    session: Session, data_set: str, org_unit: str, period: str
) -> CompleteRegistration | None:
    stmt = select(CompleteRegistration).where(
        CompleteRegistration.data_set == data_set,
        CompleteRegistration.org_unit == org_unit,
        CompleteRegistration.period == period,
        CompleteRegistration.attribute_option_combo == "",
    )
    return session.scalars(stmt).first()


@dataclass(frozen=True)
class RegistrationQuery:
    """DHIS2's query: dataSet, period or startDate/endDate, orgUnit (children), lastUpdated."""

    data_sets: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    org_units: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    since: datetime | None = None
    limit: int = 10000


def find(session: Session, query: RegistrationQuery) -> list[CompleteRegistration]:
    """Registrations matching the query, oldest change first. A period matches a
    startDate/endDate span when it lies inside it (DHIS2's rule)."""
    stmt = select(CompleteRegistration)
    if query.data_sets:
        stmt = stmt.where(CompleteRegistration.data_set.in_(query.data_sets))
    if query.periods:
        stmt = stmt.where(CompleteRegistration.period.in_(query.periods))
    if query.org_units:
        stmt = stmt.where(CompleteRegistration.org_unit.in_(query.org_units))
    if query.since:
        stmt = stmt.where(CompleteRegistration.last_updated >= query.since)
    stmt = stmt.order_by(CompleteRegistration.last_updated, CompleteRegistration.id)
    rows = list(session.scalars(stmt))
    if query.start or query.end:
        rows = [r for r in rows if _inside(r.period, query.start, query.end)]
    return rows[: query.limit]


def _inside(period: str, start: datetime | None, end: datetime | None) -> bool:
    try:
        p = parse_period(period)
    except ValueError:
        return False
    return (start is None or p.start_utc >= start) and (end is None or p.end_utc <= end)


def to_wire(reg: CompleteRegistration) -> dict[str, Any]:
    """One registration in DHIS2's JSON shape."""
    return {
        "dataSet": reg.data_set,
        "period": reg.period,
        "organisationUnit": reg.org_unit,
        "attributeOptionCombo": reg.attribute_option_combo or None,
        "completed": bool(reg.completed),
        "date": iso_utc(reg.date),
        "storedBy": reg.stored_by,
        "lastUpdated": iso_utc(reg.last_updated),
    }


def to_push(reg: CompleteRegistration, standard_only: bool) -> dict[str, Any]:
    """A registration as pushed upstream: DHIS2's fields only for a DHIS2 endpoint."""
    out = to_wire(reg)
    out.pop("lastUpdated")
    if not out["attributeOptionCombo"]:
        out.pop("attributeOptionCombo")
    if standard_only and out.get("storedBy") is None:
        out.pop("storedBy")
    return out


TRUE_WORDS = {"true": True, "false": False}


def _text(item: dict[str, Any], key: str, default: str | None, limit: int) -> str | Rejected:
    raw = item.get(key, default)
    if isinstance(raw, dict):  # DHIS2 older exports nest {"id": ...}
        raw = raw.get("id", raw.get("code"))
    if raw is None or raw == "":
        if default:
            return default
        return Rejected(f"thiếu {key}")
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return Rejected(f"{key} không phải chuỗi: {raw!r}"[:200])
    text = str(raw).strip()
    if not text or len(text) > limit:
        return Rejected(f"{key} không hợp lệ: {text[:40]!r}")
    return text


def read_registration(
    item: Any,
    *,
    default_data_set: str,
    default_org_unit: str | None = None,
    allowed: Callable[[str], bool] = lambda _ou: True,
    now: datetime | None = None,
) -> dict[str, Any] | Rejected:
    """One completeDataSetRegistration item as a row, or why not. Never raises."""
    if not isinstance(item, dict):
        return Rejected("bản ghi hoàn thành không phải đối tượng JSON")
    data_set = _text(item, "dataSet", default_data_set, 64)
    ou = _text(item, "organisationUnit", default_org_unit, 16)
    if isinstance(ou, str) and "organisationUnit" not in item and "orgUnit" in item:
        ou = _text(item, "orgUnit", default_org_unit, 16)
    period = _text(item, "period", None, 10)
    for part in (data_set, ou, period):
        if isinstance(part, Rejected):
            return part
    assert isinstance(data_set, str) and isinstance(ou, str) and isinstance(period, str)
    try:
        period = parse_period(period).code
    except ValueError as exc:
        return Rejected(str(exc)[:200])
    if not allowed(ou):
        return Rejected(f"không được gửi số liệu của đơn vị {ou}")
    aoc = item.get("attributeOptionCombo") or ""
    if isinstance(aoc, dict):
        aoc = aoc.get("id") or ""
    if not isinstance(aoc, str) or len(aoc) > 64:
        return Rejected("attributeOptionCombo không hợp lệ")
    completed = item.get("completed", True)
    if isinstance(completed, str):
        completed = TRUE_WORDS.get(completed.strip().lower(), completed)
    if not isinstance(completed, bool):
        return Rejected(f"completed phải là true hoặc false: {completed!r}"[:200])
    date = item.get("date")
    stamp: datetime | None = None
    if date not in (None, ""):
        stamp = parse_datetime(date) if isinstance(date, str) else None
        if stamp is None:
            return Rejected(f"date không phải ngày giờ: {date!r}"[:200])
    stored_by = item.get("storedBy")
    if stored_by is not None and not isinstance(stored_by, str):
        return Rejected("storedBy không phải chuỗi")
    return {
        "data_set": data_set,
        "org_unit": ou,
        "period": period,
        "attribute_option_combo": aoc,
        "completed": completed,
        "date": stamp or now or utcnow(),
        "stored_by": (stored_by or None) and stored_by[:64],
    }


def import_registrations(
    store: Store,
    items: Iterable[Any],
    *,
    default_data_set: str,
    default_org_unit: str | None = None,
    allowed: Callable[[str], bool] = lambda _ou: True,
    source: str = "upstream",
) -> Counts:
    """Upsert received registrations (unchanged ones counted), quarantine the bad."""
    summary = Counts()
    bad: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        row = read_registration(
            item,
            default_data_set=default_data_set,
            default_org_unit=default_org_unit,
            allowed=allowed,
        )
        if isinstance(row, Rejected):
            name = _object(item)
            summary.reject(row.reason, name, index)
            where = f"completeDataSetRegistrations[{index}]"
            bad.append(quarantine_row(SOURCE, item, row.reason, where, key=name))
            continue
        rows.append({**row, "source": source})
    with store.write_conn() as conn:
        for row in rows:
            old = _find(conn, row)
            if old is None:
                summary.imported += 1
            elif bool(old.completed) == row["completed"] and _same_day(old.date, row["date"]):
                summary.unchanged += 1
                continue
            else:
                summary.updated += 1
            _put(conn, row, old)
        insert_rows(conn, bad)
    return summary


def _same_day(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and abs((a - b).total_seconds()) < 1


def _object(item: Any) -> str:
    if isinstance(item, dict):
        parts = (item.get(k, "") for k in ("dataSet", "organisationUnit", "period"))
        return "/".join(p[:64] if isinstance(p, str) else repr(p)[:64] for p in parts)
    return repr(item)[:80]


def registered(
    session: Session, org_units: Sequence[str], periods: Sequence[str]
) -> tuple[set[str], dict[tuple[str, str], datetime]]:
    """(org units that ever registered anything, completed registration date per (org
    unit, period)) for the province's completeness; any data set counts."""
    if not org_units:
        return set(), {}
    table = CompleteRegistration.__table__
    ever = {
        r[0]
        for r in session.execute(
            select(table.c.org_unit).where(table.c.org_unit.in_(list(org_units))).distinct()
        )
    }
    dates: dict[tuple[str, str], datetime] = {}
    if ever and periods:
        rows = session.execute(
            select(table.c.org_unit, table.c.period, table.c.date).where(
                table.c.org_unit.in_(sorted(ever)),
                table.c.period.in_(list(periods)),
                table.c.completed.is_(True),
            )
        )
        for ou, period, date in rows:
            key = (ou, period)
            dates[key] = min(dates.get(key, date), date)
    return ever, dates
