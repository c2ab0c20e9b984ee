"""Validation rules (DHIS2 style): a breaking value is kept and marked, shown with the
rule's message, held back from the feed and the push until a clerk confirms or corrects it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures_base import SAMPLE_DIR

from coc.errors import ConfigError
from coc.indicators import validation
from coc.indicators.catalog import Catalog, load_catalog, sync_catalog
from coc.indicators.engine import Engine
from coc.indicators.query import indicator_rows
from coc.ingest.writers import write_values
from coc.store.db import Store
from coc.sync.values import page
from coc.timeutil import utcnow

OU = "10237"
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def store(sqlite_store: Store, shipped_catalog: Catalog) -> Store:
    sync_catalog(sqlite_store, shipped_catalog, OU, [2026])
    return sqlite_store


def _write(store: Store, catalog: Catalog, values: dict[str, float], period: str = "202611"):
    items = [{"code": c, "period": period, "value": v} for c, v in values.items()]
    write_values(store, catalog, items, OU, "reporting")
    Engine(catalog).refresh(store, OU, [period], now=NOW)


def _rule(catalog: Catalog, code: str):
    return next(r for r in catalog.rules if r.code == code)


def test_rules_compare_sides_and_skip_missing_values(shipped_catalog: Catalog) -> None:
    rule = _rule(shipped_catalog, "OCOP_TREN_MANG_LE_TONG")
    sides = (rule.left, rule.operator, rule.right)
    assert sides == (("SO_SP_OCOP_TREN_MANG",), "<=", ("SO_SP_OCOP",))
    values = {("SO_SP_OCOP_TREN_MANG", "202611"): 12.0, ("SO_SP_OCOP", "202611"): 5.0}
    breach = validation.evaluate(rule, "202611", values)
    assert breach is not None and (breach.left, breach.right) == (12.0, 5.0)
    assert validation.evaluate(rule, "202611", {**values, ("SO_SP_OCOP", "202611"): 12.0}) is None
    assert validation.evaluate(rule, "202611", {("SO_SP_OCOP", "202611"): 5.0}) is None
    text = validation.message(rule, 12, 5, "vi")
    assert text.endswith("(12 > 5)") and "OCOP" in text


def test_every_ratio_gets_numerator_not_above_denominator(shipped_catalog: Catalog) -> None:
    ratios = [i for i in shipped_catalog.indicators if len(i.elements()) == 2]
    covered = {r.left + r.right for r in shipped_catalog.rules if r.kind == "compare"}
    assert ratios and all((i.elements()[0], i.elements()[1]) in covered for i in ratios)


def test_month_over_month_change_limit(shipped_catalog: Catalog) -> None:
    rule = _rule(shipped_catalog, "DAN_SO_BIEN_DONG")  # 5 % declared in the catalog
    # 60.000 → 63.100 is +5,17 %: flagged; → 63.000 is exactly +5 %: not
    before = {("DAN_SO", "202610"): 60_000.0}
    assert validation.evaluate(rule, "202611", {**before, ("DAN_SO", "202611"): 63_100.0})
    assert not validation.evaluate(rule, "202611", {**before, ("DAN_SO", "202611"): 63_000.0})
    assert not validation.evaluate(rule, "202611", {("DAN_SO", "202611"): 1.0})


def test_a_rule_over_an_unknown_element_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "indicators: []\nelements:\n  - {code: A, name_vi: A, name_en: A}\n"
        "validation_rules:\n  - {code: R, name_vi: R, left: A, operator: '<=', right: B}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="không có phần tử dữ liệu B"):
        load_catalog(path)


def test_breaking_value_is_kept_marked_and_held_until_confirmed(
    store: Store, shipped_catalog: Catalog
) -> None:
    _write(store, shipped_catalog, {"SO_SP_OCOP_TREN_MANG": 12, "SO_SP_OCOP": 5, "SO_TRUONG": 6})
    flags = validation.open_flags(store, OU, "202611", shipped_catalog)
    assert [f.rule_code for f in flags] == ["OCOP_TREN_MANG_LE_TONG"]
    assert "OCOP_QUANG_BA_TREN_MANG" in flags[0].held
    with store.session() as s:
        rows = {r.code: r for r in indicator_rows(s, shipped_catalog, OU, "202611", now=NOW)}
        # kept: the 240 % is computed and shown, marked with the rule's message
        ocop = rows["OCOP_QUANG_BA_TREN_MANG"]
        assert ocop.actual == 240.0 and ocop.held and ocop.flags[0].endswith("(12 > 5)")
        sent = {(v.indicator_code, v.period) for v in page(s, org_unit=OU)}
    assert ("OCOP_QUANG_BA_TREN_MANG", "202611") not in sent
    assert ("SO_SP_OCOP", "202611") not in sent and ("SO_SP_OCOP", "2026") not in sent
    assert ("SO_TRUONG", "202611") in sent
    mark = utcnow()
    assert validation.confirm(store, shipped_catalog, flags[0].id, "clerk", "đúng")
    assert validation.confirm(store, shipped_catalog, flags[0].id, "clerk") is None  # once
    assert validation.open_flags(store, OU, "202611", shipped_catalog) == []
    with store.session() as s:
        released = {(v.indicator_code, v.period) for v in page(s, org_unit=OU, since=mark)}
    # released values come after the watermark taken before the release: the next push sends
    # them; values that were never held are not sent again
    assert {("OCOP_QUANG_BA_TREN_MANG", "202611"), ("SO_SP_OCOP", "202611")} <= released
    assert ("SO_TRUONG", "202611") not in released
    # confirmed stays confirmed while the values do not change
    Engine(shipped_catalog).refresh(store, OU, ["202611"], now=NOW)
    assert validation.open_flags(store, OU, "202611", shipped_catalog) == []


def test_a_correction_clears_the_flag(store: Store, shipped_catalog: Catalog) -> None:
    _write(store, shipped_catalog, {"SO_SP_OCOP_TREN_MANG": 12, "SO_SP_OCOP": 5})
    assert validation.open_flags(store, OU, None, shipped_catalog)
    _write(store, shipped_catalog, {"SO_SP_OCOP": 12})
    assert validation.open_flags(store, OU, None, shipped_catalog) == []
    with store.session() as s:
        sent = {(v.indicator_code, v.period) for v in page(s, org_unit=OU)}
        rows = {r.code: r for r in indicator_rows(s, shipped_catalog, OU, "202611", now=NOW)}
    assert ("OCOP_QUANG_BA_TREN_MANG", "202611") in sent
    assert rows["OCOP_QUANG_BA_TREN_MANG"].actual == 100.0
    assert not rows["OCOP_QUANG_BA_TREN_MANG"].held


def test_the_sample_data_breaks_no_rule(shipped_catalog: Catalog) -> None:
    import json

    items = json.loads((SAMPLE_DIR / "reporting.json").read_text(encoding="utf-8"))
    values = {(i["code"], i["period"]): float(i["value"]) for i in items}
    periods = sorted({i["period"] for i in items})
    broken = [
        (r.code, p)
        for p in periods
        for r in shipped_catalog.rules
        if validation.evaluate(r, p, values)
    ]
    assert broken == []
