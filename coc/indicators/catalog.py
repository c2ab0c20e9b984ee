"""The indicator catalog: read from config/indicators.yaml, validated, synced to the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coc.config import read_yaml
from coc.errors import ConfigError
from coc.indicators import measures
from coc.store.db import Store
from coc.store.models import Indicator, Target
from coc.store.upsert import upsert_rows

PILLARS = ("chinh_quyen_so", "kinh_te_so", "xa_hoi_so", "kinh_te_xa_hoi", "ha_tang_so")
FORMULA_TYPES = ("ratio", "measure", "element")
AGGREGATIONS = ("ratio", "sum", "average", "last")
OPERATORS = ("<=", "<", ">=", ">", "==", "!=")
# Days after a month ends by which a source's figures for it should be in; a site's
# catalog overrides these under `source_lags`, an indicator under `lag_days`.
DEFAULT_LAGS = {"documents": 0, "tthc": 0, "devices": 0, "reporting": 20}


@dataclass(frozen=True)
class ValidationRule:
    """A DHIS2-style validation rule: left side, operator, right side over data elements.

    A side is a sum of element codes ("A + B"); `kind` "change" is the month-over-month
    limit of one element (`limit_pct`), flagged for follow-up.
    """

    code: str
    name_vi: str
    name_en: str
    left: tuple[str, ...]
    operator: str
    right: tuple[str, ...]
    kind: str = "compare"  # compare | change
    limit_pct: float | None = None

    def name(self, lang: str = "vi") -> str:
        return self.name_vi if lang == "vi" else self.name_en

    @property
    def elements(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.left, *self.right)))


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
    lag_days: int = 0  # figures for a month should be in this many days after it ends
    show_ytd: bool = False  # show the year to date beside the period's own value
    max_change_pct: float | None = None  # month-over-month change flagged beyond this
    responsible: str = ""  # username answering explanation requests (changeable in the UI)
    # dimensions the value is also served broken down by, as disaggregated values
    # (category option combo "<dimension>.<option>", e.g. "thon.ky_duong")
    breakdowns: tuple[str, ...] = ()

    def elements(self) -> tuple[str, ...]:
        """The data elements a ratio is built from (numerator, denominator), if any."""
        if self.formula.get("type") != "ratio":
            return ()
        refs = (self.formula.get("numerator", ""), self.formula.get("denominator", ""))
        return tuple(r.partition(":")[2] for r in refs if str(r).startswith("element:"))

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
    rules: tuple[ValidationRule, ...] = ()

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


def _indicator(
    raw: dict[str, Any], kind: str, order: int, bands: list[float], lags: dict[str, int]
) -> IndicatorDef:
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
    source = raw.get("source", "reporting")
    lag = raw.get("lag_days", lags.get(source, 0))
    if not isinstance(lag, int) or lag < 0:
        raise ConfigError(f"chỉ tiêu {code}: độ trễ báo cáo (lag_days) phải là số ngày ≥ 0")
    change = raw.get("max_change_pct")
    breakdowns = _breakdowns(code, formula, raw.get("breakdowns"))
    return IndicatorDef(
        code=code,
        kind=kind,
        name_vi=raw["name_vi"],
        name_en=raw["name_en"],
        pillar=pillar,
        unit=str(raw.get("unit", "")),
        source=source,
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
        lag_days=lag,
        show_ytd=bool(raw.get("show_ytd", False)),
        max_change_pct=None if change is None else float(change),
        responsible=str(raw.get("responsible") or ""),
        breakdowns=breakdowns,
    )


def _breakdowns(code: str, formula: dict[str, Any], raw: Any) -> tuple[str, ...]:
    """The declared breakdowns, each one every measure of the formula can be split by."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(d, str) for d in raw):
        raise ConfigError(f"chỉ tiêu {code}: breakdowns phải là danh sách tên chiều")
    if formula["type"] == "measure":
        names = [str(formula.get("name", ""))]
    elif formula["type"] == "ratio":
        refs = [str(formula.get(k, "")) for k in ("numerator", "denominator")]
        if not all(r.startswith("measure:") for r in refs):
            raise ConfigError(f"chỉ tiêu {code}: chỉ chia nhỏ được tỷ lệ giữa hai phép đo")
        names = [r.partition(":")[2] for r in refs]
    else:
        raise ConfigError(f"chỉ tiêu {code}: phần tử nhập tay không chia nhỏ được")
    for dim in raw:
        if not all(dim in measures.dimensions(n) for n in names):
            raise ConfigError(f"chỉ tiêu {code}: không chia được theo chiều {dim!r}")
    return tuple(dict.fromkeys(raw))


def _side(text: Any, rule: str, known: set[str]) -> tuple[str, ...]:
    codes = tuple(c.strip() for c in str(text or "").split("+") if c.strip())
    if not codes:
        raise ConfigError(f"quy tắc kiểm tra {rule}: thiếu vế trái hoặc vế phải")
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ConfigError(f"quy tắc kiểm tra {rule}: không có phần tử dữ liệu {unknown[0]}")
    return codes


def _rules(data: dict[str, Any], items: list[IndicatorDef]) -> tuple[ValidationRule, ...]:
    """Declared rules, then one numerator ≤ denominator rule per ratio over elements and
    one change rule per element with `max_change_pct`."""
    known = {i.code for i in items}
    rules: list[ValidationRule] = []
    for raw in data.get("validation_rules") or []:
        code = str(raw.get("code") or "")
        if not code.isupper():
            raise ConfigError("quy tắc kiểm tra: mã phải viết hoa, ví dụ OCOP_TREN_MANG_LE_TONG")
        operator = raw.get("operator", "<=")
        if operator not in OPERATORS:
            raise ConfigError(f"quy tắc kiểm tra {code}: phép so sánh không hợp lệ {operator!r}")
        rules.append(
            ValidationRule(
                code=code,
                name_vi=raw["name_vi"],
                name_en=raw.get("name_en", raw["name_vi"]),
                left=_side(raw.get("left"), code, known),
                operator=operator,
                right=_side(raw.get("right"), code, known),
            )
        )
    declared = {(r.left, r.right) for r in rules}
    for ind in items:
        parts = ind.elements()
        if len(parts) == 2 and ((parts[0],), (parts[1],)) not in declared:
            rules.append(
                ValidationRule(
                    code=f"{ind.code}_TU_LE_MAU",
                    name_vi=f"Tử số không vượt mẫu số ({ind.name_vi})",
                    name_en=f"Numerator not above denominator ({ind.name_en})",
                    left=(parts[0],),
                    operator="<=",
                    right=(parts[1],),
                )
            )
        if ind.max_change_pct is not None:
            rules.append(
                ValidationRule(
                    code=f"{ind.code}_BIEN_DONG",
                    name_vi=f"{ind.name_vi}: thay đổi so với tháng trước quá "
                    f"{ind.max_change_pct:g}%",
                    name_en=f"{ind.name_en}: change from the previous month above "
                    f"{ind.max_change_pct:g}%",
                    left=(ind.code,),
                    operator="<=",
                    right=(ind.code,),
                    kind="change",
                    limit_pct=ind.max_change_pct,
                )
            )
    codes = [r.code for r in rules]
    if len(codes) != len(set(codes)):
        raise ConfigError("mã quy tắc kiểm tra bị trùng")
    return tuple(rules)


def load_catalog(path: str | Path) -> Catalog:
    data = read_yaml(Path(path), "danh mục chỉ tiêu")
    bands = data.get("default_bands", [50, 80])
    lags = {**DEFAULT_LAGS, **(data.get("source_lags") or {})}
    items: list[IndicatorDef] = []
    try:
        for raw in data.get("indicators", []):
            items.append(_indicator(raw, "indicator", len(items), bands, lags))
        for raw in data.get("elements", []):
            if raw.get("code") in {i.code for i in items}:
                continue
            raw = {"formula": {"type": "element"}, "aggregation": "last", **raw}
            items.append(_indicator(raw, "element", len(items), bands, lags))
        rules = _rules(data, items)
    except KeyError as exc:
        raise ConfigError(f"danh mục chỉ tiêu thiếu trường {exc}") from None
    codes = [i.code for i in items]
    dupes = {c for c in codes if codes.count(c) > 1}
    if dupes:
        raise ConfigError(f"mã chỉ tiêu bị trùng: {', '.join(sorted(dupes))}")
    pillars = {k: dict(v) for k, v in (data.get("pillars") or {}).items()}
    return Catalog(tuple(items), pillars, rules)


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
