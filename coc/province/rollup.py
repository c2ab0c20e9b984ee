"""Roll commune values up the hierarchy by each indicator's aggregation.

sum → sum of the communes' values; average → mean of the communes' values; ratio → summed
numerators ÷ summed denominators × scale (a true rate, not a mean of rates); last (a
snapshot such as a head count) → sum, or mean for a percentage. A ratio value without
numerator/denominator falls back to the mean of values so it still shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from statistics import fmean
from typing import Any

from sqlalchemy import and_, select, text

from coc.indicators.catalog import Catalog, IndicatorDef
from coc.province.hierarchy import Hierarchy
from coc.province.receive import soft_delete
from coc.store.db import Store
from coc.store.models import DataValue
from coc.store.upsert import bulk_upsert
from coc.store.values import DEFAULT_COMBO, VALUE_KEYS, ValueKey, stored_values, value_key
from coc.timeutil import utcnow

ROLLUP = "rollup"
ROLLUP_LOCK = 0x0C0C_5901  # pg advisory lock id for roll-ups
Row = tuple[float | None, float | None, float | None]  # value, numerator, denominator


def aggregate(ind: IndicatorDef, rows: list[Row]) -> Row:
    """One aggregate (value, numerator, denominator) from the communes' rows."""
    values = [v for v, _n, _d in rows if v is not None]
    how = ind.aggregation
    if how == "last":
        how = "average" if ind.is_percent else "sum"
    if how == "ratio":
        if rows and all(n is not None and d is not None for _v, n, d in rows):
            num = sum(n for _v, n, _d in rows if n is not None)
            den = sum(d for _v, _n, d in rows if d is not None)
            scale = float(ind.formula.get("scale", 100))
            return (round(num / den * scale, 4) if den else None), num, den
        how = "average"
    if not values:
        return None, None, None
    if how == "sum":
        return float(sum(values)), None, None
    return round(fmean(values), 4), None, None


def _leaf_rows(
    conn: object, communes: list[str], keys: list[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Row]]:
    """Commune values of the default combos, per period: `org_unit IN … AND period = ? AND
    indicator_code IN …` is ranges of the unique index (a row-value IN was a full scan)."""
    table = DataValue.__table__
    out: dict[tuple[str, str], dict[str, Row]] = defaultdict(dict)
    by_period: dict[str, set[str]] = defaultdict(set)
    for code, period in keys:
        by_period[period].add(code)
    for period, codes in sorted(by_period.items()):
        for start in range(0, len(communes), 2000):
            stmt = select(
                table.c.indicator_code,
                table.c.period,
                table.c.org_unit,
                table.c.value,
                table.c.numerator,
                table.c.denominator,
            ).where(
                and_(
                    table.c.org_unit.in_(communes[start : start + 2000]),
                    table.c.period == period,
                    table.c.indicator_code.in_(sorted(codes)),
                    table.c.category_option_combo == DEFAULT_COMBO,
                    table.c.attribute_option_combo == DEFAULT_COMBO,
                    table.c.deleted.is_(False),
                )
            )
            for r in conn.execute(stmt):  # type: ignore[attr-defined]
                out[(r.indicator_code, r.period)][r.org_unit] = (
                    r.value,
                    r.numerator,
                    r.denominator,
                )
    return out


def rollup(
    store: Store, catalog: Catalog, hierarchy: Hierarchy, keys: Iterable[tuple[str, str]]
) -> int:
    """Recompute the aggregates of (indicator, period) pairs; returns values changed."""
    wanted = sorted({k for k in keys if k[0] in catalog})
    communes = hierarchy.commune_codes()
    if not wanted or not communes:
        return 0
    with store.write_conn() as conn:
        if conn.dialect.name == "postgresql":
            # web workers in other processes roll up too: one at a time, each reading the
            # commune values the others committed, so no aggregate misses a commune
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ROLLUP_LOCK})
        leaves = _leaf_rows(conn, communes, wanted)
        rows, gone = [], []
        for unit in hierarchy.aggregates:
            under = set(hierarchy.leaves_under(unit.code))
            for code, period in wanted:
                found = [r for ou, r in leaves.get((code, period), {}).items() if ou in under]
                value, num, den = aggregate(catalog.get(code), found)
                if value is None:
                    gone.append((unit.code, period, code, DEFAULT_COMBO, DEFAULT_COMBO))
                    continue
                rows.append(
                    {
                        "indicator_code": code,
                        "org_unit": unit.code,
                        "period": period,
                        "category_option_combo": DEFAULT_COMBO,
                        "attribute_option_combo": DEFAULT_COMBO,
                        "value": value,
                        "numerator": num,
                        "denominator": den,
                        "source": ROLLUP,
                        "deleted": False,
                    }
                )
        written = _write_changed(conn, rows)
        removed = _retire(conn, gone)
    return written + removed


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


def _write_changed(conn: Any, rows: list[dict[str, Any]]) -> int:
    """Write only the aggregates that changed, in one INSERT … ON CONFLICT executemany
    (one UPDATE per row would make a 100-commune pull quadratic)."""
    if not rows:
        return 0
    keys = [value_key(r) for r in rows]
    old = stored_values(conn, keys)
    now = utcnow()
    changed = []
    for key, row in zip(keys, rows, strict=True):
        before = old.get(key)
        if (
            before is not None
            and not before["deleted"]
            and all(_close(before[c], row[c]) for c in ("value", "numerator", "denominator"))
        ):
            continue
        changed.append({**row, "last_updated": now, "created_at": now})
    update = ["value", "numerator", "denominator", "source", "deleted", "last_updated"]
    bulk_upsert(conn, DataValue, changed, VALUE_KEYS, update)
    return len(changed)


def _retire(conn: object, keys: list[ValueKey]) -> int:
    """Soft-delete aggregates whose communes no longer have a value."""
    return len(soft_delete(conn, keys)) if keys else 0


def rollup_all(store: Store, catalog: Catalog, hierarchy: Hierarchy) -> int:
    """Recompute every aggregate from the stored commune values (after config changes)."""
    table = DataValue.__table__
    with store.session() as session:
        keys = session.execute(
            select(table.c.indicator_code, table.c.period)
            .where(table.c.org_unit.in_(hierarchy.commune_codes()))
            .distinct()
        ).all()
    return rollup(store, catalog, hierarchy, [(k, p) for k, p in keys])
