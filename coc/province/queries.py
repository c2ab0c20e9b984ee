"""Read-side functions the province dashboard pages call: rank communes by completion,
compare them on one indicator, place them on a map, and show reporting completeness.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import fmean
from typing import NamedTuple

from sqlalchemy import select
from sqlmodel import Session

from coc.indicators.catalog import Catalog, IndicatorDef
from coc.indicators.engine import band, completion
from coc.periods import parse_period
from coc.province.completeness import missing, reporting
from coc.province.hierarchy import Hierarchy
from coc.store.models import DataValue
from coc.store.values import default_combos

__all__ = [
    "CommuneScore",
    "CommuneValue",
    "commune_map",
    "commune_ranking",
    "compare_indicator",
    "missing",
    "reporting",
    "reporting_completeness",
]


@dataclass(frozen=True)
class CommuneScore:
    rank: int | None  # 1 = best; None when the commune has no scored indicator
    code: str
    name: str
    completion: float | None  # mean completion % (each capped at 100) over scored indicators
    band: str | None
    scored: int  # indicators with a value and a target in the period
    reported: int  # indicators with any value in the period
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class CommuneValue:
    rank: int | None
    code: str
    name: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    completion: float | None
    band: str | None
    last_updated: datetime | None


class _Value(NamedTuple):
    """The columns the province pages read of a data value (plain rows: a province reads
    thousands, and ORM objects cost ten times as much)."""

    org_unit: str
    indicator_code: str
    value: float | None
    numerator: float | None
    denominator: float | None
    last_updated: datetime | None


def _values(session: Session, codes: list[str], period: str) -> dict[tuple[str, str], _Value]:
    stmt = select(
        DataValue.org_unit,
        DataValue.indicator_code,
        DataValue.value,
        DataValue.numerator,
        DataValue.denominator,
        DataValue.last_updated,
    ).where(
        DataValue.org_unit.in_(codes),
        DataValue.period == period,
        DataValue.deleted.is_(False),
        default_combos(),
    )
    return {(r[0], r[1]): _Value(*r) for r in session.execute(stmt)}


def _completion(ind: IndicatorDef, value: float | None, year: int) -> float | None:
    return completion(value, ind.target_for(year), ind.direction)


def _ranked(scores: list[float | None]) -> list[int | None]:
    """Competition ranking (1, 2, 2, 4) of the non-empty scores, highest first."""
    present = sorted((s for s in scores if s is not None), reverse=True)
    return [None if s is None else present.index(s) + 1 for s in scores]


def commune_ranking(
    session: Session, catalog: Catalog, hierarchy: Hierarchy, period: str
) -> list[CommuneScore]:
    """Communes ranked by mean completion % of the indicators they reported for the period."""
    year = parse_period(period).year
    values = _values(session, hierarchy.commune_codes(), period)
    rows = []
    for unit in hierarchy.communes:
        pcts, reported = [], 0
        for ind in catalog.with_targets:
            dv = values.get((unit.code, ind.code))
            if dv is None or dv.value is None:
                continue
            reported += 1
            pct = _completion(ind, dv.value, year)
            if pct is not None:
                pcts.append(min(pct, 100.0))
        mean = round(fmean(pcts), 1) if pcts else None
        rows.append((unit, mean, len(pcts), reported))
    ranks = _ranked([r[1] for r in rows])
    out = [
        CommuneScore(rank, u.code, u.name, mean, band(mean), scored, reported, u.lat, u.lon)
        for rank, (u, mean, scored, reported) in zip(ranks, rows, strict=True)
    ]
    return sorted(out, key=lambda s: (s.rank is None, s.rank or 0, s.code))


def compare_indicator(
    session: Session, catalog: Catalog, hierarchy: Hierarchy, code: str, period: str
) -> list[CommuneValue]:
    """Every commune's value of one indicator in the period, ranked by completion
    (or by value when the indicator has no target), best first; missing ones last."""
    ind = catalog.get(code)
    year = parse_period(period).year
    values = _values(session, hierarchy.commune_codes(), period)
    rows = []
    for unit in hierarchy.communes:
        dv = values.get((unit.code, code))
        value = None if dv is None else dv.value
        pct = _completion(ind, value, year)
        rows.append((unit, dv, value, pct))
    if ind.target_for(year) is not None:
        keys = [pct for _u, _dv, _v, pct in rows]
    else:
        keys = [
            None if v is None else (v if ind.direction == "higher" else -v) for *_x, v, _p in rows
        ]
    ranks = _ranked(keys)
    out = [
        CommuneValue(
            rank,
            u.code,
            u.name,
            value,
            None if dv is None else dv.numerator,
            None if dv is None else dv.denominator,
            ind.target_for(year),
            None if pct is None else round(pct, 1),
            band(pct, ind.bands),
            None if dv is None else dv.last_updated,
        )
        for rank, (u, dv, value, pct) in zip(ranks, rows, strict=True)
    ]
    return sorted(out, key=lambda r: (r.rank is None, r.rank or 0, r.code))


def commune_map(
    session: Session, catalog: Catalog, hierarchy: Hierarchy, period: str
) -> list[CommuneScore]:
    """Communes with coordinates and their completion band, for a map of the province."""
    return [
        s
        for s in commune_ranking(session, catalog, hierarchy, period)
        if s.lat is not None and s.lon is not None
    ]


reporting_completeness = reporting  # the pages' name for `completeness.reporting`
