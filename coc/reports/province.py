"""The province (or district) edition of the monthly report: its communes ranked,
their reporting completeness, and each indicator compared across them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlmodel import Session

from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.periods import Period, parse_period
from coc.province.completeness import CommuneReporting, reporting
from coc.province.hierarchy import Hierarchy
from coc.province.queries import CommuneScore, commune_ranking
from coc.store.db import Store
from coc.store.models import DataValue
from coc.store.values import default_combos
from coc.timeutil import as_utc


@dataclass(frozen=True)
class IndicatorSpread:
    code: str
    name: str
    unit: str
    decimals: int
    communes_with_data: int
    communes: int
    lowest: tuple[str, float] | None  # (commune name, value)
    median: float | None
    highest: tuple[str, float] | None


@dataclass(frozen=True)
class ProvinceReport:
    unit_name: str
    period: Period
    generated_at: datetime
    ranking: tuple[CommuneScore, ...]
    reporting: tuple[CommuneReporting, ...]
    spread: tuple[IndicatorSpread, ...]


def _period_values(
    session: Session, codes: list[str], period: str
) -> dict[str, list[tuple[str, float]]]:
    """indicator code → [(org unit, value)] of the communes' values in the period, in one
    query of plain columns (no ORM objects: a province has thousands)."""
    stmt = select(DataValue.indicator_code, DataValue.org_unit, DataValue.value).where(
        DataValue.org_unit.in_(codes),
        DataValue.period == period,
        DataValue.deleted.is_(False),
        DataValue.value.is_not(None),
        default_combos(),
    )
    out: dict[str, list[tuple[str, float]]] = {}
    for code, org_unit, value in session.execute(stmt):
        out.setdefault(code, []).append((org_unit, float(value)))
    return out


def _spread(
    session: Session, catalog: Catalog, hierarchy: Hierarchy, period: str, lang: str
) -> list[IndicatorSpread]:
    names = {u.code: u.name for u in hierarchy.communes}
    values = _period_values(session, list(names), period)
    out = []
    for ind in catalog.indicators:
        if ind.kind != "indicator":
            continue
        ordered = sorted(
            ((names[ou], v) for ou, v in values.get(ind.code, []) if ou in names),
            key=lambda x: (x[1], x[0]),
        )
        out.append(
            IndicatorSpread(
                code=ind.code,
                name=ind.name(lang),
                unit=ind.unit,
                decimals=ind.decimals,
                communes_with_data=len(ordered),
                communes=len(names),
                lowest=ordered[0] if ordered else None,
                median=median(v for _n, v in ordered) if ordered else None,
                highest=ordered[-1] if ordered else None,
            )
        )
    return out


def build(
    store: Store,
    catalog: Catalog,
    settings: Settings,
    period_code: str,
    now: datetime,
    lang: str = "vi",
    tree: Hierarchy | None = None,
) -> ProvinceReport:
    """The edition of `tree`'s communes (a person's visible tree; default the whole one)."""
    period = parse_period(period_code)
    hierarchy = tree or Hierarchy.from_settings(settings)
    months = [m.code for m in period.months()]
    with store.session() as session:
        return ProvinceReport(
            unit_name=hierarchy.root.name,
            period=period,
            generated_at=as_utc(now),
            ranking=tuple(commune_ranking(session, catalog, hierarchy, period.code)),
            reporting=tuple(reporting(session, hierarchy, months, now=now)),
            spread=tuple(_spread(session, catalog, hierarchy, period.code, lang)),
        )
