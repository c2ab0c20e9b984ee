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

from sqlalchemy import and_, select, tuple_

from coc.indicators.catalog import Catalog, IndicatorDef
from coc.province.hierarchy import Hierarchy
from coc.province.receive import soft_delete
from coc.store.db import Store
from coc.store.models import DataValue
from coc.store.upsert import upsert_rows

ROLLUP = "rollup"
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
    table = DataValue.__table__
    out: dict[tuple[str, str], dict[str, Row]] = defaultdict(dict)
    pair = tuple_(table.c.indicator_code, table.c.period)
    for start in range(0, len(keys), 400):
        stmt = select(
            table.c.indicator_code,
            table.c.period,
            table.c.org_unit,
            table.c.value,
            table.c.numerator,
            table.c.denominator,
        ).where(
            and_(
                pair.in_(keys[start : start + 400]),
                table.c.org_unit.in_(communes),
                table.c.deleted.is_(False),
            )
        )
        for r in conn.execute(stmt):  # type: ignore[attr-defined]
            out[(r.indicator_code, r.period)][r.org_unit] = (r.value, r.numerator, r.denominator)
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
        leaves = _leaf_rows(conn, communes, wanted)
        rows, gone = [], []
        for unit in hierarchy.aggregates:
            under = set(hierarchy.leaves_under(unit.code))
            for code, period in wanted:
                found = [r for ou, r in leaves.get((code, period), {}).items() if ou in under]
                value, num, den = aggregate(catalog.get(code), found)
                if value is None:
                    gone.append((code, unit.code, period))
                    continue
                rows.append(
                    {
                        "indicator_code": code,
                        "org_unit": unit.code,
                        "period": period,
                        "value": value,
                        "numerator": num,
                        "denominator": den,
                        "source": ROLLUP,
                        "deleted": False,
                    }
                )
        result = upsert_rows(
            conn,
            DataValue,
            rows,
            ["indicator_code", "org_unit", "period"],
            compare=["value", "numerator", "denominator", "deleted"],
            touch="last_updated",
        )
        removed = _retire(conn, gone)
    return result.inserted + result.updated + removed


def _retire(conn: object, keys: list[tuple[str, str, str]]) -> int:
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
