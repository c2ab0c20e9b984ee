"""The indicator engine: values per period from facts and data values, completion, bands.

Computed values are written back as data values (source "computed") so the dashboard, the
feed and the province all read one table; drill-down goes back to the facts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlmodel import Session

from coc.indicators import measures, validation
from coc.indicators.catalog import Catalog, IndicatorDef
from coc.indicators.context import MeasureContext
from coc.periods import Period, parse_period
from coc.store.db import Store
from coc.store.locks import LOCKED_CONTEXT, hold_locked, locked_keys, locked_reason
from coc.store.models import DataValue
from coc.store.quarantine import insert_rows, quarantine_row
from coc.store.upsert import UpsertResult
from coc.store.values import default_combos, upsert_values
from coc.timeutil import utcnow

log = logging.getLogger(__name__)
COMPUTED = "computed"


@dataclass(frozen=True)
class Computed:
    value: float | None
    numerator: float | None = None
    denominator: float | None = None


def completion(
    actual: float | None, target: float | None, direction: str = "higher"
) -> float | None:
    """Actual ÷ target × 100 (higher is better) or target ÷ actual × 100 (lower is better).

    None when there is no actual or no usable target. Lower-is-better with an actual of 0
    has met any non-negative target: 100.
    """
    if actual is None or target is None:
        return None
    if direction == "lower":
        if actual <= 0:
            return 100.0 if target >= 0 else None
        return target / actual * 100.0
    if target == 0:
        return None
    return actual / target * 100.0


def band(pct: float | None, thresholds: tuple[float, float] = (50.0, 80.0)) -> str | None:
    """Gap-free colour band of a completion %: red < t0 ≤ amber < t1 ≤ green."""
    if pct is None:
        return None
    red_below, amber_below = thresholds
    if pct < red_below:
        return "red"
    if pct < amber_below:
        return "amber"
    return "green"


def _element_values(
    session: Session, code: str, org_unit: str, periods: list[str]
) -> dict[str, float]:
    stmt = select(DataValue.period, DataValue.value).where(
        DataValue.indicator_code == code,
        DataValue.org_unit == org_unit,
        DataValue.period.in_(periods),
        DataValue.deleted.is_(False),
        DataValue.value.is_not(None),
        default_combos(),
    )
    return {p: float(v) for p, v in session.execute(stmt)}


def element_value(
    session: Session, ind: IndicatorDef, org_unit: str, period: Period
) -> float | None:
    """A reported value; for a quarter or year, months aggregated by the indicator's rule."""
    direct = _element_values(session, ind.code, org_unit, [period.code])
    if period.code in direct or period.kind in ("month", "day"):
        return direct.get(period.code)
    months = [m.code for m in period.months()]
    values = _element_values(session, ind.code, org_unit, months)
    if not values:
        return None
    ordered = [values[m] for m in months if m in values]
    if ind.aggregation == "sum":
        return float(sum(ordered))
    if ind.aggregation == "average":
        return sum(ordered) / len(ordered)
    return ordered[-1]


class Engine:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def _ref(self, ref: str, ctx: MeasureContext) -> float | None:
        kind, _, name = ref.partition(":")
        if kind == "measure":
            return measures.get(name)(ctx)
        if kind == "element":
            return element_value(ctx.session, self._element_def(name), ctx.org_unit, ctx.period)
        raise ValueError(f"tham chiếu công thức không hợp lệ: {ref!r}")

    def _element_def(self, code: str) -> IndicatorDef:
        if code in self.catalog:
            return self.catalog.get(code)
        return IndicatorDef(
            code=code,
            name_vi=code,
            name_en=code,
            pillar="kinh_te_xa_hoi",
            unit="",
            source="reporting",
            formula={"type": "element"},
            kind="element",
            aggregation="last",
        )

    def compute(
        self,
        session: Session,
        ind: IndicatorDef,
        org_unit: str,
        period: Period,
        now: datetime | None = None,
    ) -> Computed:
        ctx = MeasureContext(session, org_unit, period, now or utcnow())
        formula = ind.formula
        kind = formula["type"]
        if kind == "element":
            return Computed(element_value(session, ind, org_unit, period))
        if kind == "measure":
            return Computed(measures.get(formula["name"])(ctx))
        numerator = self._ref(formula["numerator"], ctx)
        denominator = self._ref(formula["denominator"], ctx)
        scale = float(formula.get("scale", 100))
        if numerator is None or not denominator:
            return Computed(None, numerator, denominator)
        return Computed(numerator / denominator * scale, numerator, denominator)

    def breakdown(
        self,
        session: Session,
        ind: IndicatorDef,
        dimension: str,
        org_unit: str,
        period: Period,
        now: datetime | None = None,
    ) -> dict[str, Computed]:
        """The indicator per option of `dimension` (a catalog `breakdowns` entry), for the
        options that have a value: a ratio's option needs a non-zero denominator."""
        ctx = MeasureContext(session, org_unit, period, now or utcnow())
        formula = ind.formula
        if formula["type"] == "measure":
            counts = measures.breakdown(formula["name"], dimension)(ctx, dimension)
            return {opt: Computed(v) for opt, v in sorted(counts.items())}
        num_name = formula["numerator"].partition(":")[2]
        den_name = formula["denominator"].partition(":")[2]
        nums = measures.breakdown(num_name, dimension)(ctx, dimension)
        dens = measures.breakdown(den_name, dimension)(ctx, dimension)
        scale = float(formula.get("scale", 100))
        return {
            opt: Computed(nums.get(opt, 0.0) / den * scale, nums.get(opt, 0.0), den)
            for opt, den in sorted(dens.items())
            if den
        }

    def computable(self, ind: IndicatorDef) -> bool:
        return ind.formula["type"] != "element"

    def refresh(
        self,
        store: Store,
        org_unit: str,
        periods: Iterable[str],
        now: datetime | None = None,
        codes: Iterable[str] | None = None,
    ) -> UpsertResult:
        """Compute every formula indicator for the periods and upsert the data values, then
        check the validation rules of the months (`coc.indicators.validation`)."""
        now = now or utcnow()
        periods = list(periods)
        wanted = set(codes) if codes else None
        rows: list[dict] = []
        gone: list[tuple[str, str]] = []
        split: set[tuple[str, str]] = set()  # (indicator, period) served broken down
        with store.session() as session:
            for code in periods:
                period = parse_period(code)
                current = period.start_utc <= now < period.end_utc
                for ind in self.catalog.indicators:
                    if not self.computable(ind) or (wanted and ind.code not in wanted):
                        continue
                    if ind.snapshot and not current:
                        continue
                    try:
                        result = self.compute(session, ind, org_unit, period, now)
                    except Exception:  # one broken formula must not stop the others
                        log.exception("computing %s for %s failed", ind.code, code)
                        continue
                    if result.value is None:
                        gone.append((ind.code, code))
                        continue
                    rows.append(_row(ind.code, org_unit, code, result))
                    try:
                        for dim in ind.breakdowns:
                            parts = self.breakdown(session, ind, dim, org_unit, period, now)
                            rows += [
                                _row(ind.code, org_unit, code, part, f"{dim}.{option}")
                                for option, part in parts.items()
                            ]
                        if ind.breakdowns:
                            split.add((ind.code, code))
                    except Exception:  # the total stands without its breakdown
                        log.exception("breaking down %s for %s failed", ind.code, code)
        compare = ["value", "numerator", "denominator", "deleted"]
        with store.write_conn() as conn:
            _retire_options(conn, org_unit, rows, split)
            rows, gone, held = hold_locked_computed(conn, org_unit, rows, gone, compare)
            _retire(conn, org_unit, gone)
            result = upsert_values(conn, rows, compare=compare)
        for row in held:
            result.reject(locked_reason(org_unit, row["period"]), row["indicator_code"])
        validation.check(store, self.catalog, org_unit, periods, now)
        return result


def _row(
    code: str, org_unit: str, period: str, result: Computed, combo: str = ""
) -> dict[str, Any]:
    return {
        "indicator_code": code,
        "org_unit": org_unit,
        "period": period,
        "category_option_combo": combo,
        "attribute_option_combo": "",
        "value": _round(result.value),
        "numerator": result.numerator,
        "denominator": result.denominator,
        "source": COMPUTED,
        "deleted": False,
    }


def hold_locked_computed(
    conn: Any,
    org_unit: str,
    rows: list[dict],
    gone: list[tuple[str, str]],
    compare: list[str],
) -> tuple[list[dict], list[tuple[str, str]], list[dict]]:
    """(rows to write, keys to retire, rows held). A recompute leaves approved periods
    alone: a value it would change is held in quarantine with the reason (written once
    un-approved and recomputed), and a value it would retire stays."""
    free, held = hold_locked(conn, rows, compare)
    if held:
        insert_rows(
            conn,
            [
                quarantine_row(
                    COMPUTED,
                    {"code": r["indicator_code"], "period": r["period"], "value": r["value"]}
                    | ({"combo": c} if (c := r.get("category_option_combo")) else {}),
                    locked_reason(r["org_unit"], r["period"]),
                    LOCKED_CONTEXT,
                    key=f"locked:{r['indicator_code']}/{r['org_unit']}/{r['period']}"
                    + (f"/{c}" if c else ""),
                )
                for r in held
            ],
        )
    locked = locked_keys(conn, org_unit, gone)
    return free, [k for k in gone if k[1] not in locked], held


def _retire(conn: Any, org_unit: str, keys: list[tuple[str, str]]) -> None:
    """A computed value that can no longer be computed (its facts moved or vanished) is
    soft-deleted, so the feed tells the province instead of keeping a stale number."""
    if not keys:
        return
    table = DataValue.__table__
    for start in range(0, len(keys), 400):
        conn.execute(
            table.update()
            .where(
                tuple_(table.c.indicator_code, table.c.period).in_(keys[start : start + 400]),
                table.c.org_unit == org_unit,
                table.c.source == COMPUTED,
                table.c.deleted.is_(False),
            )
            .values(deleted=True, last_updated=utcnow())
        )


def _retire_options(
    conn: Any, org_unit: str, rows: list[dict], split: set[tuple[str, str]]
) -> None:
    """A broken-down value whose option has no value any more (its reports moved to another
    category or hamlet) is soft-deleted like a retired total: for the (indicator, period)
    pairs broken down now, except in approved periods (they keep what they had)."""
    keep: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        keep.setdefault((r["indicator_code"], r["period"]), set()).add(r["category_option_combo"])
    locked = locked_keys(conn, org_unit, sorted(split))
    table = DataValue.__table__
    for code, period in sorted(split):
        if period in locked:
            continue
        conn.execute(
            table.update()
            .where(
                table.c.org_unit == org_unit,
                table.c.indicator_code == code,
                table.c.period == period,
                table.c.source == COMPUTED,
                table.c.deleted.is_(False),
                table.c.category_option_combo.not_in(sorted(keep[(code, period)])),
            )
            .values(deleted=True, last_updated=utcnow())
        )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
