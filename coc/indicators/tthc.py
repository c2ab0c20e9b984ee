"""Decision 766/QĐ-TTg measures over one-stop dossiers, by the national portal's formulas.

See docs/decision-766.md. Dossiers of a period are those received (NgayTiepNhan) in it;
status 3 (not accepted) and 7 (withdrawn by the citizen) leave every denominator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from coc.indicators.measures import MeasureContext, measure
from coc.store.models import Dossier
from coc.timeutil import as_utc, parse_datetime

NOT_ACCEPTED, WITHDRAWN = 3, 7
COMPLETED = (8, 9, 10)  # stopped, processed, result returned
EXCLUDED = (NOT_ACCEPTED, WITHDRAWN)


@dataclass(frozen=True)
class DossierFacts:
    """What 766 needs of one dossier, derived once."""

    completed: bool
    on_time: bool
    online: bool
    fee_bearing: bool
    paid_online: bool
    e_result: bool
    digitised: bool
    complaint: bool


def _date(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_utc(value)
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def supplement_wait(dossier: Dossier, now: datetime) -> timedelta:
    """Time spent waiting for the citizen's supplements (excluded from processing time)."""
    wait = timedelta(0)
    for item in dossier.DanhSachHoSoBoSung or []:
        asked = _date(item.get("NgayBoSung"))
        if asked is None:
            continue
        back = _date(item.get("NgayTiepNhanBoSung")) or now
        if back > asked:
            wait += back - asked
    return wait


def is_completed(d: Dossier) -> bool:
    return d.TrangThaiHoSo in COMPLETED or d.NgayKetThucXuLy is not None


def is_on_time(d: Dossier, now: datetime) -> bool:
    """Completed by the (supplement-extended) due date, or open and not yet past it."""
    if len(d.DanhSachHoSoBoSung or []) > 1:
        return False
    if d.NgayHenTra is None:
        return False
    due = as_utc(d.NgayHenTra) + supplement_wait(d, now)
    if is_completed(d):
        end = d.NgayKetThucXuLy or d.NgayTra
        return end is not None and as_utc(end) <= due
    return as_utc(now) <= due


def has_e_result(d: Dossier) -> bool:
    return any(
        isinstance(item, dict) and item.get("DuongDanTepTinKetQua")
        for item in d.DanhSachGiayToKetQua or []
    )


def is_fee_bearing(d: Dossier) -> bool:
    fees = d.DanhSachLePhi or []
    return bool(fees) and any(float(f.get("Gia") or 0) > 0 for f in fees)


def facts_of(d: Dossier, now: datetime) -> DossierFacts:
    completed = is_completed(d)
    e_result = has_e_result(d)
    return DossierFacts(
        completed=completed,
        on_time=is_on_time(d, now),
        online=d.KenhThucHien == 2,
        fee_bearing=is_fee_bearing(d),
        paid_online=d.DuocThanhToanTrucTuyen in (1, 2),
        e_result=completed and e_result,
        digitised=d.HoSoCoThanhPhanSoHoa == 1 and (not completed or e_result),
        complaint=bool(d.CoKhieuNai),
    )


def dossiers_received(ctx: MeasureContext) -> list[Dossier]:
    stmt = select(Dossier).where(
        Dossier.org_unit == ctx.org_unit,
        Dossier.NgayTiepNhan >= ctx.period.start_utc,
        Dossier.NgayTiepNhan < ctx.period.end_utc,
    )
    return [d for d in ctx.session.scalars(stmt) if d.TrangThaiHoSo not in EXCLUDED]


def _facts(ctx: MeasureContext) -> list[DossierFacts]:
    cache = ctx.session.info.setdefault("tthc_facts", {})
    key = (ctx.org_unit, ctx.period.code, ctx.now)
    if key not in cache:
        cache[key] = [facts_of(d, ctx.now) for d in dossiers_received(ctx)]
    return cache[key]


def _count(ctx: MeasureContext, attr: str) -> float:
    return float(sum(1 for f in _facts(ctx) if getattr(f, attr)))


@measure("dossiers_received")
def received(ctx: MeasureContext) -> float:
    return float(len(_facts(ctx)))


@measure("dossiers_on_time")
def on_time(ctx: MeasureContext) -> float:
    return _count(ctx, "on_time")


@measure("dossiers_late")
def late(ctx: MeasureContext) -> float:
    return float(sum(1 for f in _facts(ctx) if not f.on_time))


@measure("dossiers_online")
def online(ctx: MeasureContext) -> float:
    return _count(ctx, "online")


@measure("dossiers_fee_bearing")
def fee_bearing(ctx: MeasureContext) -> float:
    return _count(ctx, "fee_bearing")


@measure("dossiers_paid_online")
def paid_online(ctx: MeasureContext) -> float:
    return float(sum(1 for f in _facts(ctx) if f.fee_bearing and f.paid_online))


@measure("dossiers_completed")
def completed(ctx: MeasureContext) -> float:
    return _count(ctx, "completed")


@measure("dossiers_e_result")
def e_result(ctx: MeasureContext) -> float:
    return _count(ctx, "e_result")


@measure("dossiers_digitised")
def digitised(ctx: MeasureContext) -> float:
    return _count(ctx, "digitised")


@measure("dossiers_complaints")
def complaints(ctx: MeasureContext) -> float:
    return _count(ctx, "complaint")


@measure("tthc_satisfaction")
def satisfaction(ctx: MeasureContext) -> float | None:
    """5.4: 100 − (overdue rate + complaint rate), in percent, floored at 0."""
    facts = _facts(ctx)
    if not facts:
        return None
    overdue = 100.0 * sum(1 for f in facts if not f.on_time) / len(facts)
    complaint = 100.0 * sum(1 for f in facts if f.complaint) / len(facts)
    return max(0.0, 100.0 - (overdue + complaint))
