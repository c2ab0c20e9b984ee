"""The province (or district) edition of the monthly report: its communes ranked,
their reporting completeness, and each indicator compared across them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.periods import Period, parse_period
from coc.province.completeness import CommuneReporting, reporting
from coc.province.hierarchy import Hierarchy
from coc.province.queries import CommuneScore, commune_ranking, compare_indicator
from coc.store.db import Store
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


def _spread(
    session: object, catalog: Catalog, hierarchy: Hierarchy, period: str, lang: str
) -> list[IndicatorSpread]:
    out = []
    for ind in catalog.indicators:
        if ind.kind != "indicator":
            continue
        rows = compare_indicator(session, catalog, hierarchy, ind.code, period)  # type: ignore[arg-type]
        known = [(r.name, r.value) for r in rows if r.value is not None]
        ordered = sorted(known, key=lambda x: x[1])
        out.append(
            IndicatorSpread(
                code=ind.code,
                name=ind.name(lang),
                unit=ind.unit,
                decimals=ind.decimals,
                communes_with_data=len(known),
                communes=len(rows),
                lowest=ordered[0] if ordered else None,  # type: ignore[arg-type]
                median=median(v for _n, v in ordered) if ordered else None,  # type: ignore[misc]
                highest=ordered[-1] if ordered else None,  # type: ignore[arg-type]
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
) -> ProvinceReport:
    period = parse_period(period_code)
    hierarchy = Hierarchy.from_settings(settings)
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
