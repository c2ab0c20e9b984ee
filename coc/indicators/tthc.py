"""Decision 766/QĐ-TTg measures over one-stop dossiers, by the national portal's formulas.

See docs/decision-766.md. Dossiers of a period are those received (NgayTiepNhan) in it;
status 3 (not accepted) and 7 (withdrawn by the citizen) leave every denominator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from coc.indicators.context import MeasureContext, MeasureFn
from coc.periods import Period, parse_period
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
    """Completed by the (supplement-extended) due date, or open and not yet past it.

    Missing dates never count in the commune's favour: no NgayHenTra, or a completed
    dossier with neither NgayKetThucXuLy nor NgayTra, is judged late (and so shows up in
    the drill-down for a clerk to correct at the source).
    """
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


def _price(fee: Any) -> float:
    if not isinstance(fee, dict):
        return 0.0
    value = fee.get("Gia")
    if isinstance(value, str):  # "2.000" from some portals means 2,000 đồng
        value = value.strip().replace(".", "").replace(",", ".")
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def is_fee_bearing(d: Dossier) -> bool:
    """A procedure with a fee: at least one DanhSachLePhi item with Gia > 0."""
    return any(_price(f) > 0 for f in d.DanhSachLePhi or [])


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
    """The period's dossiers that count (received in it, not excluded), oldest first."""
    stmt = (
        select(Dossier)
        .where(
            Dossier.org_unit == ctx.org_unit,
            Dossier.NgayTiepNhan >= ctx.period.start_utc,
            Dossier.NgayTiepNhan < ctx.period.end_utc,
        )
        .order_by(Dossier.NgayTiepNhan, Dossier.id)
    )
    return [d for d in ctx.session.scalars(stmt) if d.TrangThaiHoSo not in EXCLUDED]


def _facts(ctx: MeasureContext) -> list[DossierFacts]:
    cache = ctx.session.info.setdefault("tthc_facts", {})
    key = (ctx.org_unit, ctx.period.code, ctx.now)
    if key not in cache:
        cache[key] = [facts_of(d, ctx.now) for d in dossiers_received(ctx)]
    return cache[key]


Predicate = Callable[[DossierFacts], bool]

# Each counting measure is the number of the period's dossiers that meet its predicate.
# The scorecard's rates and the drill-down's "dossiers that pull it down" are built from
# these same predicates (coc.indicators.drill), never restated.
PREDICATES: dict[str, Predicate] = {
    "dossiers_received": lambda f: True,
    "dossiers_on_time": lambda f: f.on_time,
    "dossiers_late": lambda f: not f.on_time,
    "dossiers_online": lambda f: f.online,
    "dossiers_fee_bearing": lambda f: f.fee_bearing,
    "dossiers_paid_online": lambda f: f.fee_bearing and f.paid_online,
    "dossiers_completed": lambda f: f.completed,
    "dossiers_e_result": lambda f: f.e_result,
    "dossiers_digitised": lambda f: f.digitised,
    "dossiers_complaints": lambda f: f.complaint,
}
# 5.4: satisfaction = 100 − (overdue rate + complaint rate); these measures lower it
SATISFACTION_PENALTIES = ("dossiers_late", "dossiers_complaints")


def count(facts: list[DossierFacts], name: str) -> int:
    keep = PREDICATES[name]
    return sum(1 for f in facts if keep(f))


def _counter(name: str) -> MeasureFn:
    def measure(ctx: MeasureContext) -> float:
        return float(count(_facts(ctx), name))

    measure.__name__ = name
    return measure


def satisfaction_of(facts: list[DossierFacts]) -> float | None:
    """5.4: 100 − (overdue rate + complaint rate), in percent, floored at 0."""
    if not facts:
        return None
    penalty = sum(count(facts, name) for name in SATISFACTION_PENALTIES)
    return max(0.0, 100.0 - 100.0 * penalty / len(facts))


def satisfaction(ctx: MeasureContext) -> float | None:
    return satisfaction_of(_facts(ctx))


MEASURES: dict[str, MeasureFn] = {
    **{name: _counter(name) for name in PREDICATES},
    "tthc_satisfaction": satisfaction,
}


def drag_down(name: str) -> Predicate | None:
    """The dossiers a measure-only indicator lists behind its number: those it counts, or
    for satisfaction those that lower it. None for a name that is not a TTHC measure."""
    if name == "tthc_satisfaction":
        penalties = [PREDICATES[n] for n in SATISFACTION_PENALTIES]
        return lambda f: any(p(f) for p in penalties)
    return PREDICATES.get(name)


# ── Scorecard (docs/decision-766.md, "Groups") ─────────────────────────────────────────


def _rate(numerator: str, denominator: str) -> Callable[[list[DossierFacts]], float | None]:
    """numerator ÷ denominator × 100 over the same facts the measures count."""

    def rate(facts: list[DossierFacts]) -> float | None:
        base = count(facts, denominator)
        return 100.0 * count(facts, numerator) / base if base else None

    return rate


RateFn = Callable[[list[DossierFacts]], float | None]
RATES: dict[str, RateFn] = {
    "2.1": _rate("dossiers_on_time", "dossiers_received"),
    "3.3": _rate("dossiers_online", "dossiers_received"),
    "3.6": _rate("dossiers_paid_online", "dossiers_fee_bearing"),
    "4.1": _rate("dossiers_e_result", "dossiers_completed"),
    "4.2": _rate("dossiers_digitised", "dossiers_received"),
    "5.4": satisfaction_of,
}
# (group, name, max points, ((item, name, catalog code, points, threshold %), …))
ItemSpec = tuple[str, str, str | None, float, float]
GROUPS: tuple[tuple[str, str, float, tuple[ItemSpec, ...]], ...] = (
    ("1", "Công khai, minh bạch", 18,
     (("1.4", "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia", None, 6, 100),)),
    ("2", "Tiến độ, kết quả giải quyết", 20,
     (("2.1", "Hồ sơ giải quyết trước hạn, đúng hạn", "TTHC_DUNG_HAN", 20, 100),)),
    ("3", "Dịch vụ công trực tuyến, thanh toán trực tuyến", 22,
     (("3.3", "Hồ sơ nộp trực tuyến", "TTHC_TRUC_TUYEN", 12, 50),
      ("3.6", "Hồ sơ thanh toán trực tuyến", "TTHC_THANH_TOAN_TRUC_TUYEN", 10, 100))),
    ("4", "Số hóa hồ sơ", 22,
     (("4.1", "Hồ sơ có kết quả điện tử", "TTHC_KET_QUA_DIEN_TU", 6, 100),
      ("4.2", "Hồ sơ được số hóa", "TTHC_SO_HOA_HO_SO", 4, 80))),
    ("5", "Mức độ hài lòng", 18,
     (("5.4", "Mức độ hài lòng của người dân, doanh nghiệp", "TTHC_HAI_LONG", 6, 90),)),
)  # fmt: skip


@dataclass(frozen=True)
class ScoreItem:
    code: str  # "2.1"
    name_vi: str
    indicator: str | None  # catalog code, None when COC cannot compute it
    rate: float | None  # percent
    threshold: float
    max_points: float
    points: float | None


@dataclass(frozen=True)
class ScoreGroup:
    code: str
    name_vi: str
    max_points: float
    items: tuple[ScoreItem, ...]
    points: float | None  # out of max_points, scaled over the items COC computes


def item_points(rate: float | None, max_points: float, threshold: float) -> float | None:
    """Full points at or above the threshold, otherwise rate × points ÷ threshold."""
    if rate is None:
        return None
    return max_points if rate >= threshold else max(0.0, rate) * max_points / threshold


def scorecard(
    session: Session, org_unit: str, period: str | Period, now: datetime
) -> list[ScoreGroup]:
    """The commune's Decision 766 groups for one period, with points per group."""
    period = parse_period(period) if isinstance(period, str) else period
    facts = _facts(MeasureContext(session, org_unit, period, now))
    groups = []
    for code, name, group_max, specs in GROUPS:
        items = []
        for item, item_name, indicator, points, threshold in specs:
            rate = RATES[item](facts) if item in RATES else None
            items.append(
                ScoreItem(
                    item,
                    item_name,
                    indicator,
                    rate,
                    threshold,
                    points,
                    item_points(rate, points, threshold),
                )
            )
        scored = [i for i in items if i.points is not None]
        reach = sum(i.max_points for i in scored)
        got = sum(i.points or 0.0 for i in scored) * group_max / reach if reach else None
        groups.append(ScoreGroup(code, name, group_max, tuple(items), got))
    return groups


def total_score(groups: list[ScoreGroup]) -> float | None:
    """Out of 100, scaled over the groups that have points."""
    scored = [g for g in groups if g.points is not None]
    reach = sum(g.max_points for g in scored)
    return sum(g.points or 0.0 for g in scored) * 100.0 / reach if reach else None
