"""The indicator catalog: read from config/indicators.yaml, validated, synced to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coc.config import read_yaml
from coc.errors import ConfigError
from coc.store.db import Store
from coc.store.models import Indicator, Target
from coc.store.upsert import upsert_rows

PILLARS = ("chinh_quyen_so", "kinh_te_so", "xa_hoi_so", "kinh_te_xa_hoi", "ha_tang_so")
FORMULA_TYPES = ("ratio", "measure", "element")
AGGREGATIONS = ("ratio", "sum", "average", "last")


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    name_vi: str
    name_en: str
    pillar: str
    unit: str
    source: str
    formula: dict[str, Any]
    kind: str = "indicator"
    direction: str = "higher"
    aggregation: str = "ratio"
    formula_vi: str = ""
    formula_en: str = ""
    target: float | None = None
    targets: dict[int, float] = field(default_factory=dict)  # per-year overrides
    bands: tuple[float, float] = (50.0, 80.0)
    decimals: int = 1
    min_value: float | None = None
    max_value: float | None = None
    snapshot: bool = False
    sort_order: int = 0
    responsible: str = ""  # username answering explanation requests (changeable in the UI)

    def name(self, lang: str = "vi") -> str:
        return self.name_vi if lang == "vi" else self.name_en

    def target_for(self, year: int) -> float | None:
        return self.targets.get(year, self.target)

    def describe(self) -> dict[str, Any]:
        """The fields the store's Indicator row and the API catalog both show, in order."""
        return {
            "code": self.code,
            "kind": self.kind,
            "name_vi": self.name_vi,
            "name_en": self.name_en,
            "pillar": self.pillar,
            "unit": self.unit,
            "direction": self.direction,
            "aggregation": self.aggregation,
            "source": self.source,
        }

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    def value_range(self) -> tuple[float | None, float | None]:
        """Valid range for entered values: 0–100 for percentages unless set."""
        if self.is_percent:
            low = 0.0 if self.min_value is None else self.min_value
            high = 100.0 if self.max_value is None else self.max_value
            return low, high
        low = 0.0 if self.min_value is None else self.min_value
        return low, self.max_value


@dataclass(frozen=True)
class Catalog:
    indicators: tuple[IndicatorDef, ...]
    pillars: dict[str, dict[str, str]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {i.code: i for i in self.indicators})

    def get(self, code: str) -> IndicatorDef:
        try:
            return self._by_code[code]  # type: ignore[attr-defined]
        except KeyError:
            raise KeyError(f"không có chỉ tiêu '{code}'") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code  # type: ignore[attr-defined]

    @property
    def with_targets(self) -> list[IndicatorDef]:
        return [i for i in self.indicators if i.kind == "indicator"]

    @property
    def enterable(self) -> list[IndicatorDef]:
        """What a person reports (by form or Excel template): the element formulas."""
        return [i for i in self.indicators if i.formula.get("type") == "element"]

    def pillar_name(self, pillar: str, lang: str = "vi") -> str:
        return self.pillars.get(pillar, {}).get(lang, pillar)


def _indicator(raw: dict[str, Any], kind: str, order: int, bands: list[float]) -> IndicatorDef:
    code = raw.get("code")
    if not code or not str(code).isupper():
        raise ConfigError(f"chỉ tiêu thứ {order + 1}: mã phải viết hoa, có dạng TTHC_DUNG_HAN")
    formula = raw.get("formula") or {"type": "element"}
    if formula.get("type") not in FORMULA_TYPES:
        raise ConfigError(f"chỉ tiêu {code}: loại công thức không hợp lệ {formula.get('type')!r}")
    pillar = raw.get("pillar", "kinh_te_xa_hoi")
    if kind == "indicator" and pillar not in PILLARS:
        raise ConfigError(f"chỉ tiêu {code}: trụ cột không hợp lệ {pillar!r}")
    aggregation = raw.get("aggregation", "ratio" if formula["type"] == "ratio" else "last")
    if aggregation not in AGGREGATIONS:
        raise ConfigError(f"chỉ tiêu {code}: cách tổng hợp không hợp lệ {aggregation!r}")
    direction = raw.get("direction", "higher")
    if direction not in ("higher", "lower"):
        raise ConfigError(f"chỉ tiêu {code}: hướng phải là higher hoặc lower")
    own_bands = raw.get("bands") or bands
    if len(own_bands) != 2 or not own_bands[0] <= own_bands[1]:
        raise ConfigError(f"chỉ tiêu {code}: ngưỡng màu phải là [đỏ, vàng] tăng dần")
    target = raw.get("target")
    targets = raw.get("targets") or {}
    return IndicatorDef(
        code=code,
        kind=kind,
        name_vi=raw["name_vi"],
        name_en=raw["name_en"],
        pillar=pillar,
        unit=str(raw.get("unit", "")),
        source=raw.get("source", "reporting"),
        formula=formula,
        direction=direction,
        aggregation=aggregation,
        formula_vi=raw.get("formula_vi", ""),
        formula_en=raw.get("formula_en", ""),
        target=None if target is None else float(target),
        targets={int(y): float(v) for y, v in targets.items()},
        bands=(float(own_bands[0]), float(own_bands[1])),
        decimals=int(raw.get("decimals", 1)),
        min_value=raw.get("min_value"),
        max_value=raw.get("max_value"),
        snapshot=bool(raw.get("snapshot", False)),
        sort_order=order,
        responsible=str(raw.get("responsible") or ""),
    )


def load_catalog(path: str | Path) -> Catalog:
    data = read_yaml(Path(path), "danh mục chỉ tiêu")
    bands = data.get("default_bands", [50, 80])
    items: list[IndicatorDef] = []
    try:
        for raw in data.get("indicators", []):
            items.append(_indicator(raw, "indicator", len(items), bands))
        for raw in data.get("elements", []):
            if raw.get("code") in {i.code for i in items}:
                continue
            raw = {"formula": {"type": "element"}, "aggregation": "last", **raw}
            items.append(_indicator(raw, "element", len(items), bands))
    except KeyError as exc:
        raise ConfigError(f"danh mục chỉ tiêu thiếu trường {exc}") from None
    codes = [i.code for i in items]
    dupes = {c for c in codes if codes.count(c) > 1}
    if dupes:
        raise ConfigError(f"mã chỉ tiêu bị trùng: {', '.join(sorted(dupes))}")
    pillars = {k: dict(v) for k, v in (data.get("pillars") or {}).items()}
    return Catalog(tuple(items), pillars)


def sync_catalog(store: Store, catalog: Catalog, org_unit: str, years: list[int]) -> None:
    """Write the catalog and the yearly targets of `org_unit` into the store (upsert)."""
    rows = [
        {
            **i.describe(),
            "formula": i.formula,
            "formula_text_vi": i.formula_vi,
            "formula_text_en": i.formula_en,
            "bands": list(i.bands),
            "decimals": i.decimals,
            "min_value": i.min_value,
            "max_value": i.max_value,
            "sort_order": i.sort_order,
        }
        for i in catalog.indicators
    ]
    targets = [
        {"indicator_code": i.code, "org_unit": org_unit, "year": year, "value": t}
        for i in catalog.indicators
        for year in years
        if (t := i.target_for(year)) is not None
    ]
    with store.write_conn() as conn:
        upsert_rows(conn, Indicator, rows, ["code"])
        upsert_rows(
            conn, Target, targets, ["indicator_code", "org_unit", "year"], compare=["value"]
        )
