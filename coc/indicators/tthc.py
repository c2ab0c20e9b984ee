"""Decision 766/QĐ-TTg measures over one-stop dossiers, by the national portal's formulas.

See docs/decision-766.md. Two sets of dossiers per period:
- *received*: NgayTiepNhan in the period (the denominators of 3.3, 3.6, 4.1, 4.2);
- *processed*: received in it, or received earlier and still being processed in it (2.1
  and 5.4, the portal's "hồ sơ được tiếp nhận, xử lý trong kỳ").
Status 3 (not accepted) is in neither; status 7 (withdrawn after acceptance) stays in both.
Open dossiers are judged at `MeasureContext.as_of`: the end of the period, or now while it
is in progress, so a past period never drifts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from coc.indicators.context import MeasureContext, MeasureFn
from coc.periods import Period, parse_period
from coc.store.models import Dossier
from coc.store.types import UTCDateTime
from coc.timeutil import as_utc, parse_datetime

NOT_ACCEPTED, WITHDRAWN, STOPPED = 3, 7, 8
RESULT_STATES = (9, 10)  # processed, result returned
ENDED = (WITHDRAWN, STOPPED, *RESULT_STATES)  # 2.1: processing has ended


@dataclass(frozen=True)
class DossierFacts:
    """What 766 needs of one dossier in one period, derived once."""

    received: bool  # received in the period (else carried over from an earlier one)
    completed: bool  # 4.1's set: a result was issued
    on_time: bool  # 2.1, judged at the period's as_of
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


def _supplements(d: Dossier, until: datetime) -> list[dict]:
    """Supplement requests made before `until` (one without a date counts as made)."""
    out = []
    for item in d.DanhSachHoSoBoSung or []:
        if not isinstance(item, dict):
            continue
        asked = _date(item.get("NgayBoSung"))
        if asked is None or asked < until:
            out.append(item)
    return out


def supplement_wait(d: Dossier, until: datetime) -> timedelta:
    """Time spent waiting for the citizen's supplements up to `until` (excluded from the
    processing time); a supplement not yet returned runs until `until`."""
    wait = timedelta(0)
    for item in _supplements(d, until):
        asked = _date(item.get("NgayBoSung"))
        if asked is None:
            continue
        back = min(_date(item.get("NgayTiepNhanBoSung")) or until, until)
        if back > asked:
            wait += back - asked
    return wait


def has_ended(d: Dossier) -> bool:
    """Processing has ended: withdrawn, stopped, processed or returned (2.1)."""
    return d.TrangThaiHoSo in ENDED or d.NgayKetThucXuLy is not None


def ended_at(d: Dossier) -> datetime | None:
    end = d.NgayKetThucXuLy or d.NgayTra
    return as_utc(end) if end is not None else None


def has_result(d: Dossier) -> bool:
    return any(isinstance(item, dict) and item for item in d.DanhSachGiayToKetQua or [])


def is_completed(d: Dossier) -> bool:
    """4.1's completed set: a result was issued. Stopped dossiers (8) count only when they
    have a result; withdrawn ones (7) never (nothing was issued)."""
    if d.TrangThaiHoSo == WITHDRAWN:
        return False
    if d.TrangThaiHoSo == STOPPED:
        return has_result(d)
    return d.TrangThaiHoSo in RESULT_STATES or d.NgayKetThucXuLy is not None


def is_on_time(d: Dossier, as_of: datetime) -> bool:
    """2.1: ended by the (supplement-extended) due date, or still open at `as_of` and not
    past it. A dossier that ended after `as_of` was open at `as_of`.

    Missing dates never count in the commune's favour: no NgayHenTra, or an ended dossier
    with neither NgayKetThucXuLy nor NgayTra, is judged late (and so shows up in the
    drill-down for a clerk to correct at the source). More than one supplement request
    before `as_of` is late.
    """
    as_of = as_utc(as_of)
    if len(_supplements(d, as_of)) > 1 or d.NgayHenTra is None:
        return False
    end = ended_at(d)
    if has_ended(d) and end is None:
        return False
    moment = end if end is not None and has_ended(d) and end < as_of else as_of
    return moment <= as_utc(d.NgayHenTra) + supplement_wait(d, moment)


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


def facts_of(d: Dossier, period: Period, as_of: datetime) -> DossierFacts:
    completed = is_completed(d)
    e_result = has_e_result(d)
    received = d.NgayTiepNhan is not None and as_utc(d.NgayTiepNhan) >= period.start_utc
    return DossierFacts(
        received=received,
        completed=completed,
        on_time=is_on_time(d, as_of),
        online=d.KenhThucHien == 2,
        fee_bearing=is_fee_bearing(d),
        paid_online=d.DuocThanhToanTrucTuyen in (1, 2),
        e_result=completed and e_result,
        digitised=d.HoSoCoThanhPhanSoHoa == 1 and (not completed or e_result),
        complaint=bool(d.CoKhieuNai),
    )


_ended_at = func.coalesce(Dossier.NgayKetThucXuLy, Dossier.NgayTra, type_=UTCDateTime())


def dossiers_processed(ctx: MeasureContext) -> list[Dossier]:
    """The dossiers processed in the period, oldest first: received in it, or received
    earlier and not ended before it started (an ended dossier without a date counts only
    in the period it was received in)."""
    start, end = ctx.period.start_utc, ctx.period.end_utc
    open_before = or_(
        _ended_at >= start,
        and_(
            _ended_at.is_(None),
            or_(Dossier.TrangThaiHoSo.is_(None), Dossier.TrangThaiHoSo.not_in(ENDED)),
        ),
    )
    stmt = (
        select(Dossier)
        .where(
            Dossier.org_unit == ctx.org_unit,
            Dossier.NgayTiepNhan < end,
            or_(Dossier.NgayTiepNhan >= start, open_before),
            or_(Dossier.TrangThaiHoSo.is_(None), Dossier.TrangThaiHoSo != NOT_ACCEPTED),
        )
        .order_by(Dossier.NgayTiepNhan, Dossier.id)
    )
    return list(ctx.session.scalars(stmt))


def judged(ctx: MeasureContext) -> list[tuple[Dossier, DossierFacts]]:
    """Each processed dossier with its facts; the measures, the scorecard and the
    drill-down all read this one list."""
    cache = ctx.session.info.setdefault("tthc_facts", {})
    key = (ctx.org_unit, ctx.period.code, ctx.as_of)
    if key not in cache:
        cache[key] = [(d, facts_of(d, ctx.period, ctx.as_of)) for d in dossiers_processed(ctx)]
    return cache[key]


def _facts(ctx: MeasureContext) -> list[DossierFacts]:
    return [f for _, f in judged(ctx)]


Predicate = Callable[[DossierFacts], bool]

# Each counting measure is the number of the period's processed dossiers that meet its
# predicate. The scorecard's rates and the drill-down's "dossiers that pull it down" are
# built from these same predicates (coc.indicators.drill), never restated.
PREDICATES: dict[str, Predicate] = {
    "dossiers_received": lambda f: f.received,
    "dossiers_processed": lambda f: True,
    "dossiers_on_time": lambda f: f.on_time,
    "dossiers_late": lambda f: not f.on_time,
    "dossiers_online": lambda f: f.received and f.online,
    "dossiers_fee_bearing": lambda f: f.received and f.fee_bearing,
    "dossiers_paid_online": lambda f: f.received and f.fee_bearing and f.paid_online,
    "dossiers_completed": lambda f: f.received and f.completed,
    "dossiers_e_result": lambda f: f.received and f.e_result,
    "dossiers_digitised": lambda f: f.received and f.digitised,
    "dossiers_complaints": lambda f: f.complaint,
}
# 5.4: satisfaction = 100 − (overdue rate + complaint rate) over the processed dossiers;
# a dossier that is both late and complained about lowers it once.
SATISFACTION_PENALTIES = ("dossiers_late", "dossiers_complaints")


def count(facts: list[DossierFacts], name: str) -> int:
    keep = PREDICATES[name]
    return sum(1 for f in facts if keep(f))


def _counter(name: str) -> MeasureFn:
    def measure(ctx: MeasureContext) -> float:
        return float(count(_facts(ctx), name))

    measure.__name__ = name
    return measure


def lowers_satisfaction(f: DossierFacts) -> bool:
    return any(PREDICATES[n](f) for n in SATISFACTION_PENALTIES)


def satisfaction_of(facts: list[DossierFacts]) -> float | None:
    """5.4: 100 − (dossiers late or complained about, each once) ÷ processed, floored at 0."""
    if not facts:
        return None
    penalty = sum(1 for f in facts if lowers_satisfaction(f))
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
        return lowers_satisfaction
    return PREDICATES.get(name)


# ── Scorecard (docs/decision-766.md, "Groups and items") ───────────────────────────────

Rate = tuple[float | None, int | None, int | None]  # percent, numerator, denominator


def _ratio(numerator: str, denominator: str) -> Callable[[list[DossierFacts]], Rate]:
    """numerator ÷ denominator × 100 over the same facts the measures count."""

    def rate(facts: list[DossierFacts]) -> Rate:
        num, den = count(facts, numerator), count(facts, denominator)
        return (100.0 * num / den if den else None), num, den

    return rate


def _satisfaction(facts: list[DossierFacts]) -> Rate:
    penalty = sum(1 for f in facts if lowers_satisfaction(f))
    return satisfaction_of(facts), len(facts) - penalty, len(facts)


RATES: dict[str, Callable[[list[DossierFacts]], Rate]] = {
    "2.1": _ratio("dossiers_on_time", "dossiers_processed"),
    "3.3": _ratio("dossiers_online", "dossiers_received"),
    "3.6": _ratio("dossiers_paid_online", "dossiers_fee_bearing"),
    "4.1": _ratio("dossiers_e_result", "dossiers_completed"),
    "4.2": _ratio("dossiers_digitised", "dossiers_received"),
    "5.4": _satisfaction,
}


@dataclass(frozen=True)
class ItemSpec:
    code: str  # the item's number in the portal's guidance ("" when it has none)
    name_vi: str
    name_en: str
    points: float
    threshold: float  # full points at or above this rate (100: points in proportion)
    indicator: str | None = None  # the catalog indicator of the same formula


@dataclass(frozen=True)
class GroupSpec:
    code: str
    name_vi: str
    name_en: str
    items: tuple[ItemSpec, ...]

    @property
    def max_points(self) -> float:
        return sum(i.points for i in self.items)


# The portal's six groups and their items; which points are confirmed and which assumed
# is in docs/decision-766.md. An item absent from RATES has no source in COC: "chưa tính".
GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("1", "Công khai, minh bạch", "Publicity and transparency", (
        ItemSpec("1.1", "TTHC công bố đúng hạn", "Procedures announced on time", 6, 100),
        ItemSpec("1.2", "TTHC được cập nhật, công khai đúng hạn",
                 "Procedures published on time", 4, 100),
        ItemSpec("1.3", "TTHC công khai đầy đủ các bộ phận tạo thành",
                 "Procedures published in full", 2, 100),
        ItemSpec("1.4", "Hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia",
                 "Dossiers synchronised to the national portal", 6, 100),
    )),
    GroupSpec("2", "Tiến độ, kết quả giải quyết", "Timeliness and results", (
        ItemSpec("2.1", "Hồ sơ xử lý trước hạn, đúng hạn", "Dossiers handled on time",
                 20, 100, "TTHC_DUNG_HAN"),
    )),
    GroupSpec("3", "Dịch vụ công trực tuyến", "Online public services", (
        ItemSpec("3.3", "Hồ sơ nộp trực tuyến", "Dossiers submitted online",
                 12, 50, "TTHC_TRUC_TUYEN"),
    )),
    GroupSpec("4", "Thanh toán trực tuyến", "Online payment", (
        ItemSpec("3.5", "TTHC có nghĩa vụ tài chính được tích hợp thanh toán trên Cổng "
                 "Dịch vụ công quốc gia", "Fee-bearing procedures payable on the national "
                 "portal", 2, 80),
        ItemSpec("3.5b", "TTHC có giao dịch thanh toán trực tuyến",
                 "Procedures with online payments", 2, 100),
        ItemSpec("3.6", "Hồ sơ thanh toán trực tuyến", "Dossiers paid online",
                 6, 100, "TTHC_THANH_TOAN_TRUC_TUYEN"),
    )),
    GroupSpec("5", "Số hóa hồ sơ", "Digitisation", (
        ItemSpec("4.1", "Hồ sơ có kết quả giải quyết điện tử",
                 "Dossiers with an electronic result", 6, 100, "TTHC_KET_QUA_DIEN_TU"),
        ItemSpec("4.2", "Hồ sơ được số hóa", "Dossiers digitised", 4, 80, "TTHC_SO_HOA_HO_SO"),
        ItemSpec("", "Cung cấp dịch vụ chứng thực bản sao điện tử từ bản chính",
                 "Electronic certified copies", 2, 100),
        ItemSpec("4.3", "Hồ sơ khai thác, sử dụng lại dữ liệu số hóa",
                 "Dossiers reusing digitised data", 2, 80),
        ItemSpec("4.4", "Hồ sơ số hóa kết nối, chia sẻ để tái sử dụng",
                 "Digitised dossiers shared for reuse", 4, 100),
        ItemSpec("4.5a", "TTHC kết nối, chia sẻ dữ liệu dân cư",
                 "Procedures using the population database", 2, 100),
        ItemSpec("4.5b", "Hồ sơ sử dụng thông tin từ Cơ sở dữ liệu quốc gia về dân cư",
                 "Dossiers using the population database", 2, 100),
    )),
    GroupSpec("6", "Mức độ hài lòng", "Satisfaction", (
        ItemSpec("5.2", "Phản ánh, kiến nghị được xử lý đúng hạn",
                 "Feedback handled on time", 6, 100),
        ItemSpec("5.3", "Hài lòng trong xử lý phản ánh, kiến nghị",
                 "Satisfaction with feedback handling", 6, 100),
        ItemSpec("5.4", "Hài lòng trong tiếp nhận, giải quyết TTHC",
                 "Satisfaction with dossier handling", 6, 90, "TTHC_HAI_LONG"),
    )),
)  # fmt: skip
MAX_POINTS = 100.0


@dataclass(frozen=True)
class ScoreItem:
    spec: ItemSpec
    rate: float | None  # percent; None when not computed
    numerator: int | None
    denominator: int | None
    points: float | None  # None: "chưa tính" (no source, or no dossiers)
    computable: bool  # COC has a source for this item


@dataclass(frozen=True)
class ScoreGroup:
    spec: GroupSpec
    items: tuple[ScoreItem, ...]

    @property
    def points(self) -> float | None:
        """The points of the items computed, never scaled up; None when none is."""
        got = [i.points for i in self.items if i.points is not None]
        return sum(got) if got else None

    @property
    def computed_max(self) -> float:
        return sum(i.spec.points for i in self.items if i.points is not None)


@dataclass(frozen=True)
class Scorecard:
    groups: tuple[ScoreGroup, ...]

    @property
    def points(self) -> float | None:
        got = [g.points for g in self.groups if g.points is not None]
        return sum(got) if got else None

    @property
    def computed_max(self) -> float:
        """How many of the 100 points COC could compute ("74,2 / 82 điểm tính được")."""
        return sum(g.computed_max for g in self.groups)


def item_points(rate: float | None, max_points: float, threshold: float) -> float | None:
    """Full points at or above the threshold, otherwise rate × points ÷ threshold."""
    if rate is None:
        return None
    return max_points if rate >= threshold else max(0.0, rate) * max_points / threshold


def scorecard(session: Session, org_unit: str, period: str | Period, now: datetime) -> Scorecard:
    """The commune's Decision 766 groups and items for one period."""
    period = parse_period(period) if isinstance(period, str) else period
    facts = _facts(MeasureContext(session, org_unit, period, now))
    groups = []
    for group in GROUPS:
        items = []
        for spec in group.items:
            rate_fn = RATES.get(spec.code)
            rate, num, den = rate_fn(facts) if rate_fn else (None, None, None)
            points = item_points(rate, spec.points, spec.threshold)
            items.append(ScoreItem(spec, rate, num, den, points, rate_fn is not None))
        groups.append(ScoreGroup(group, tuple(items)))
    return Scorecard(tuple(groups))
