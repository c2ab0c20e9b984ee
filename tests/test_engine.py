"""Indicator engine: values computed by hand from small fixtures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from coc.indicators.catalog import Catalog, sync_catalog
from coc.indicators.engine import Engine, band, completion
from coc.indicators.query import indicator_rows
from coc.ingest.writers import write_records, write_values
from coc.periods import parse_period
from coc.store.db import Store
from coc.store.models import DataValue

OU = "10237"
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def _doc(i: int, direction: str, signed: bool, day: str = "20261105", **extra: object) -> dict:
    return {
        "id": f"VB{i}",
        "direction": direction,
        "issued_date": day,
        "signed": signed,
        "status": "done",
        **extra,
    }


@pytest.fixture
def store(sqlite_store: Store, catalog: Catalog) -> Store:
    sync_catalog(sqlite_store, catalog, OU, [2026])
    return sqlite_store


def _value(store: Store, code: str, period: str) -> DataValue | None:
    with store.session() as s:
        return s.scalars(
            select(DataValue).where(DataValue.indicator_code == code, DataValue.period == period)
        ).one_or_none()


def test_completion_higher_lower_and_missing() -> None:
    assert completion(45.0, 60.0) == 75.0
    assert completion(2.0, 1.5, "lower") == 75.0
    assert completion(0.0, 1.5, "lower") == 100.0
    assert completion(None, 60.0) is None
    assert completion(45.0, None) is None
    assert completion(45.0, 0.0) is None


def test_bands_are_gap_free() -> None:
    assert [band(p) for p in (0, 49.99, 50, 79.99, 80, 130)] == [
        "red",
        "red",
        "amber",
        "amber",
        "green",
        "green",
    ]
    assert band(None) is None
    assert band(70, (60, 70)) == "green"


def test_signed_ratio_from_documents(store: Store, catalog: Catalog) -> None:
    docs = [
        _doc(1, "out", True),
        _doc(2, "out", True),
        _doc(3, "out", False),
        _doc(4, "in", False),
        _doc(5, "out", True, "20261001"),
    ]
    summary = write_records(store, "document", docs, OU, "test")
    assert summary.imported == 5
    Engine(catalog).refresh(store, OU, ["202611", "202610", "2026"], now=NOW)
    nov = _value(store, "VB_DI_KY_SO", "202611")
    assert (nov.numerator, nov.denominator) == (2, 3)
    assert nov.value == pytest.approx(66.6667)
    assert _value(store, "VB_DI_KY_SO", "202610").value == 100.0
    year = _value(store, "VB_DI_KY_SO", "2026")
    assert (year.numerator, year.denominator, year.value) == (3, 4, 75.0)


def test_empty_denominator_stores_nothing(store: Store, catalog: Catalog) -> None:
    Engine(catalog).refresh(store, OU, ["202611"], now=NOW)
    assert _value(store, "VB_DI_KY_SO", "202611") is None
    with store.session() as s:
        rows = {r.code: r for r in indicator_rows(s, catalog, OU, "202611")}
    assert rows["VB_DI_KY_SO"].actual is None
    assert rows["VB_DI_KY_SO"].completion is None
    assert rows["VB_DI_KY_SO"].band is None


def test_ratio_of_reported_elements_and_missing_target(store: Store, catalog: Catalog) -> None:
    write_values(
        store,
        catalog,
        [
            {"code": "SO_HO", "period": "202611", "value": 16000},
            {"code": "SO_HO_PHU_CAP_QUANG", "period": "202611", "value": 12000},
        ],
        OU,
        "reporting",
    )
    Engine(catalog).refresh(store, OU, ["202611"], now=NOW)
    fibre = _value(store, "HO_PHU_CAP_QUANG", "202611")
    assert (fibre.numerator, fibre.denominator, fibre.value) == (12000, 16000, 75.0)
    with store.session() as s:
        rows = {r.code: r for r in indicator_rows(s, catalog, OU, "202611")}
    # 75 % of households against a target of 80 % → 93,75 % completion: close, not met
    # (one month only, so no path to judge: amber by the bands)
    assert rows["HO_PHU_CAP_QUANG"].completion == pytest.approx(93.75)
    assert (rows["HO_PHU_CAP_QUANG"].status, rows["HO_PHU_CAP_QUANG"].band) == ("near", "amber")
    # the dossier count has no yearly target: no completion, no band
    assert rows["TTHC_SO_HO_SO_TIEP_NHAN"].target is None
    assert rows["TTHC_SO_HO_SO_TIEP_NHAN"].completion is None


def test_lower_is_better_inverts(store: Store, catalog: Catalog) -> None:
    write_values(
        store,
        catalog,
        [{"code": "TY_LE_HO_NGHEO", "period": "202611", "value": 2.0}],
        OU,
        "reporting",
    )
    with store.session() as s:
        row = next(
            r for r in indicator_rows(s, catalog, OU, "202611") if r.code == "TY_LE_HO_NGHEO"
        )
    # target 1,5 % poor households; actual 2 % → 1,5 ÷ 2 × 100 = 75 %
    assert (row.actual, row.target, row.completion, row.band) == (2.0, 1.5, 75.0, "amber")


def test_year_aggregation_of_elements(store: Store, catalog: Catalog) -> None:
    write_values(
        store,
        catalog,
        [
            {"code": "THU_NGAN_SACH", "period": "202601", "value": 1000},
            {"code": "THU_NGAN_SACH", "period": "202602", "value": 1500},
            {"code": "DAN_SO", "period": "202601", "value": 59900},
            {"code": "DAN_SO", "period": "202602", "value": 59950},
        ],
        OU,
        "reporting",
    )
    engine = Engine(catalog)
    with store.session() as s:
        year = parse_period("2026")
        assert engine.compute(s, catalog.get("THU_NGAN_SACH"), OU, year).value == 2500
        assert engine.compute(s, catalog.get("DAN_SO"), OU, year).value == 59950
        rows = {r.code: r for r in indicator_rows(s, catalog, OU, "202602")}
    # budget revenue is compared year to date: 2.500 of 14.500 planned
    # the month shows its own 1.500; the year to date 2.500 is compared with the plan
    budget = rows["THU_NGAN_SACH"]
    assert (budget.actual, budget.ytd, budget.shown_period) == (1500, 2500, "202602")
    assert budget.completion == pytest.approx(2500 / 14500 * 100)
    # path after 2 months 14.500·2/12 = 2.416,7 ≤ 2.500; projection 2.500 + 1.250·10 = 15.000
    assert (budget.status, budget.projection) == ("on_track", 15000)
    assert budget.path == pytest.approx(14500 * 2 / 12)
    assert rows["DAN_SO"].previous == 59900
    assert rows["DAN_SO"].change == 50


def test_refresh_is_idempotent(store: Store, catalog: Catalog) -> None:
    write_records(store, "document", [_doc(1, "out", True)], OU, "test")
    engine = Engine(catalog)
    first = engine.refresh(store, OU, ["202611"], now=NOW)
    second = engine.refresh(store, OU, ["202611"], now=NOW)
    assert first.inserted >= 1
    assert (second.inserted, second.updated) == (0, 0)


def test_device_snapshot_only_for_current_period(store: Store, catalog: Catalog) -> None:
    from coc.store.models import Device

    with store.write() as s:
        for i, online in enumerate([True, True, True, False]):
            s.add(
                Device(
                    device_id=f"cam-{i}", org_unit=OU, kind="camera", name=f"C{i}", online=online
                )
            )
    Engine(catalog).refresh(store, OU, ["202611", "202610"], now=NOW)
    assert _value(store, "CAMERA_HOAT_DONG", "202611").value == 75.0
    assert _value(store, "CAMERA_HOAT_DONG", "202610") is None


def test_value_that_can_no_longer_be_computed_is_soft_deleted(
    store: Store, catalog: Catalog
) -> None:
    write_records(store, "document", [_doc(1, "out", True)], OU, "test")
    engine = Engine(catalog)
    engine.refresh(store, OU, ["202611"], now=NOW)
    assert _value(store, "VB_DI_KY_SO", "202611").deleted is False
    # the source re-dates the only document into October: November has nothing to count
    write_records(store, "document", [_doc(1, "out", True, "20261015")], OU, "test")
    engine.refresh(store, OU, ["202611", "202610"], now=NOW)
    assert _value(store, "VB_DI_KY_SO", "202611").deleted is True
    assert _value(store, "VB_DI_KY_SO", "202610").value == 100.0
    # and it comes back, undeleted, when a November document arrives again
    write_records(store, "document", [_doc(2, "out", False)], OU, "test")
    engine.refresh(store, OU, ["202611"], now=NOW)
    revived = _value(store, "VB_DI_KY_SO", "202611")
    assert (revived.deleted, revived.value) == (False, 0.0)
