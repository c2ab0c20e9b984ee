"""The shipped phase-1 catalog: every entry loads whole, coverage, guidance targets and
formulas that resolve; and the small test catalog still covers what tests rely on."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from fixtures_base import SHIPPED_CATALOG

from coc.errors import ConfigError
from coc.indicators import measures
from coc.indicators.catalog import (
    AGGREGATIONS,
    FORMULA_TYPES,
    PILLARS,
    Catalog,
    IndicatorDef,
    load_catalog,
)

GUIDANCE_TARGETS = {
    "VB_DI_KY_SO": 100,
    "VB_DIEN_TU": 100,
    "HSCV_TREN_MANG": 60,
    "TTHC_MOT_CUA_DIEN_TU": 100,
    "CB_MOT_CUA_CO_TAI_KHOAN": 100,
    "CBCC_CO_CHUNG_THU_SO": 100,
    "MAY_TINH_DIET_VIRUS": 100,
    "KQ_TTHC_SO_HOA": 15,
    "OCOP_QUANG_BA_TREN_MANG": 100,
    "VPOSTCODE": 80,
    "TRUONG_HOC_NEN_TANG_SO": 100,
    "HO_PHU_CAP_QUANG": 80,
    "HO_CO_SDT_TIN_NHAN": 80,
    "DIEN_THOAI_THONG_MINH": 100,
}


def test_every_shipped_entry_loads_with_its_names_whole(shipped_catalog: Catalog) -> None:
    raw = yaml.safe_load(SHIPPED_CATALOG.read_text(encoding="utf-8"))
    entries = raw["indicators"] + raw["elements"]
    assert [i.code for i in shipped_catalog.indicators] == [e["code"] for e in entries]
    known = {f.name for f in dataclasses.fields(IndicatorDef)}
    for entry, ind in zip(entries, shipped_catalog.indicators, strict=True):
        # an unquoted comma in a flow mapping cuts a name short and leaves a stray key
        assert set(entry) <= known, f"{ind.code}: unknown keys {set(entry) - known}"
        for lang in ("vi", "en"):
            name = ind.name(lang)
            assert name == entry[f"name_{lang}"] and name == name.strip(), (ind.code, lang)
            assert name.count("(") == name.count(")"), (ind.code, name)
        assert not ind.name_vi.isascii(), f"{ind.code}: tên tiếng Việt thiếu dấu: {ind.name_vi}"
    names = [i.name_vi for i in shipped_catalog.indicators]
    assert len(names) == len(set(names))


def test_small_test_catalog_covers_every_kind(catalog: Catalog, shipped_catalog: Catalog) -> None:
    """tests/data/catalog.yaml stands in for the shipped one: it must keep every formula
    type, direction, aggregation in use and pillar, so tests on it mean something."""
    indicators = catalog.with_targets
    assert {i.formula["type"] for i in catalog.indicators} == set(FORMULA_TYPES)
    assert {i.direction for i in indicators} == {"higher", "lower"}
    used = {i.aggregation for i in shipped_catalog.indicators}
    assert used <= {i.aggregation for i in catalog.indicators} <= set(AGGREGATIONS)
    assert {i.pillar for i in indicators} == set(PILLARS)
    refs = {f[k].split(":")[0] for f in (i.formula for i in indicators) for k in f if k != "type"}
    assert {"measure", "element"} <= refs  # ratios of stored facts and of reported figures
    assert any(i.snapshot for i in indicators) and any(i.target is None for i in indicators)
    assert any(i.kind == "element" for i in catalog.indicators)
    assert len(catalog.indicators) < len(shipped_catalog.indicators) / 2  # small


def test_at_least_30_indicators_across_all_pillars(shipped_catalog: Catalog) -> None:
    indicators = shipped_catalog.with_targets
    assert len([i for i in indicators if i.target is not None]) >= 30
    assert {i.pillar for i in indicators} == set(PILLARS)
    for ind in indicators:
        assert ind.name_vi and ind.name_en and ind.unit and ind.source
        assert ind.direction in ("higher", "lower")
        assert ind.formula_vi and ind.formula_en, ind.code


def test_guidance_targets(shipped_catalog: Catalog) -> None:
    for code, target in GUIDANCE_TARGETS.items():
        assert shipped_catalog.get(code).target == target, code


def test_required_groups_present(shipped_catalog: Catalog) -> None:
    for code in (
        "DAN_SO",
        "SO_HO",
        "TY_LE_HO_NGHEO",
        "THU_NHAP_BINH_QUAN",
        "TY_LE_BHYT",
        "THU_NGAN_SACH",
        "TTHC_DUNG_HAN",
        "TTHC_TRUC_TUYEN",
        "TTHC_THANH_TOAN_TRUC_TUYEN",
        "TTHC_SO_HOA_HO_SO",
        "TTHC_HAI_LONG",
        "CAMERA_HOAT_DONG",
        "LOA_HOAT_DONG",
    ):
        assert code in shipped_catalog
    assert shipped_catalog.get("TY_LE_HO_NGHEO").direction == "lower"


def test_every_formula_reference_resolves(shipped_catalog: Catalog) -> None:
    known = set(measures.names())
    for ind in shipped_catalog.indicators:
        f = ind.formula
        refs = [f["numerator"], f["denominator"]] if f["type"] == "ratio" else []
        if f["type"] == "measure":
            refs = [f"measure:{f['name']}"]
        for ref in refs:
            kind, _, name = ref.partition(":")
            assert (name in known) if kind == "measure" else (name in shipped_catalog), (
                ind.code,
                ref,
            )


def test_value_ranges(shipped_catalog: Catalog) -> None:
    assert shipped_catalog.get("VB_DI_KY_SO").value_range() == (0.0, 100.0)
    assert shipped_catalog.get("DAN_SO").value_range() == (0, 1000000)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("indicators:\n  - {code: bad, name_vi: a, name_en: b}\n", "mã phải viết hoa"),
        ("indicators:\n  - {code: A, name_vi: a, name_en: b, pillar: x}\n", "trụ cột"),
        (
            "indicators:\n  - {code: A, name_vi: a, name_en: b, pillar: xa_hoi_so}\n"
            "  - {code: A, name_vi: a, name_en: b, pillar: xa_hoi_so}\n",
            "bị trùng",
        ),
        ("indicators: [\n", "không phải YAML"),
    ],
)
def test_invalid_catalog_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_catalog(path)
