"""Reporting completeness (DHIS2-style) and the ranking/comparison functions of the pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fixtures_base import new_store, small_catalog
from fixtures_http import province_settings, put_values
from sqlalchemy import select, update

from coc.province.completeness import missing, reporting
from coc.province.hierarchy import Hierarchy, sync_org_units
from coc.province.queries import commune_map, commune_ranking, compare_indicator
from coc.store.models import DataValue, OrgUnit

pytestmark = pytest.mark.timeout(60)
COMMUNES = [
    {"code": "10237", "name": "Xã Chương Dương", "lat": 20.83, "lon": 105.90},
    {"code": "10238", "name": "Xã Thượng Phúc", "lat": 20.81, "lon": 105.87},
    {"code": "10239", "name": "Xã Tự Nhiên"},
]


@pytest.fixture
def setup(tmp_path):
    store = new_store(tmp_path / "p.sqlite3")
    settings = province_settings(COMMUNES)
    sync_org_units(store, settings)
    return store, Hierarchy.from_settings(settings)


def _received(store, ou: str, period: str, when: datetime) -> None:
    put_values(
        store,
        [
            {
                "indicator_code": "DAN_SO",
                "org_unit": ou,
                "period": period,
                "value": 1.0,
                "source": "upstream",
            }
        ],
    )
    with store.write_conn() as conn:
        conn.execute(
            update(DataValue.__table__)
            .where(DataValue.org_unit == ou, DataValue.period == period)
            .values(created_at=when)
        )


def test_reporting_rates_on_time_and_missing(setup):
    store, hierarchy = setup
    _received(store, "10237", "202609", datetime(2026, 10, 5, tzinfo=UTC))
    _received(store, "10237", "202610", datetime(2026, 11, 20, tzinfo=UTC))  # after 15/11: late
    _received(store, "10238", "202609", datetime(2026, 10, 15, 16, 59, tzinfo=UTC))  # just in time
    put_values(
        store,
        [
            {
                "indicator_code": "DAN_SO",
                "org_unit": "01",
                "period": "202610",
                "value": 2.0,
                "source": "rollup",
            }
        ],
    )
    now = datetime(2026, 11, 21, tzinfo=UTC)
    with store.session() as s:
        rows = reporting(s, hierarchy, ["202609", "202610", "202611"], 15, now)
        assert missing(s, hierarchy, "202610") == [
            ("10238", "Xã Thượng Phúc"),
            ("10239", "Xã Tự Nhiên"),
        ]
    summary = [(r.code, r.expected, r.reported, r.on_time, r.rate, r.on_time_rate) for r in rows]
    assert summary == [
        ("10237", 2, 2, 1, 100.0, 50.0),
        ("10238", 2, 1, 1, 50.0, 50.0),
        ("10239", 2, 0, 0, 0.0, 0.0),
    ]
    first = rows[0].periods
    assert [(p.period, p.reported, p.on_time) for p in first] == [
        ("202609", True, True),
        ("202610", True, False),
        ("202611", False, False),
    ]


def test_ranking_comparison_and_map(setup):
    store, hierarchy = setup
    catalog = small_catalog()
    put_values(
        store,
        [
            {
                "indicator_code": "TTHC_DUNG_HAN",
                "org_unit": "10237",
                "period": "202610",
                "value": 95.0,
                "numerator": 19.0,
                "denominator": 20.0,
            },
            {"indicator_code": "DAN_SO", "org_unit": "10237", "period": "202610", "value": 30250.0},
            {
                "indicator_code": "TTHC_DUNG_HAN",
                "org_unit": "10238",
                "period": "202610",
                "value": 47.5,
            },
            {
                "indicator_code": "VB_DEN_QUA_HAN",
                "org_unit": "10238",
                "period": "202610",
                "value": 10.0,
            },
        ],
    )
    with store.session() as s:
        ranking = commune_ranking(s, catalog, hierarchy, "202610")
        compare = compare_indicator(s, catalog, hierarchy, "TTHC_DUNG_HAN", "202610")
        pins = commune_map(s, catalog, hierarchy, "202610")
        names = {o.code: o.name for o in s.scalars(select(OrgUnit))}
    assert [(r.rank, r.code, r.completion, r.band, r.scored) for r in ranking] == [
        (1, "10237", 75.0, "amber", 2),  # mean(95 ÷ 95 → 100, 30.250 ÷ 60.500 → 50)
        (2, "10238", 50.0, "amber", 2),  # mean(47,5 ÷ 95 → 50, lower-better 5 ÷ 10 → 50)
        (None, "10239", None, None, 0),
    ]
    assert [(c.rank, c.code, c.value, c.completion, c.band, c.numerator) for c in compare] == [
        (1, "10237", 95.0, 100.0, "green", 19.0),
        (2, "10238", 47.5, 50.0, "amber", None),
        (None, "10239", None, None, None, None),
    ]
    assert [p.code for p in pins] == ["10237", "10238"]
    assert names["01"] == "Thành phố Hà Nội" and names["10239"] == "Xã Tự Nhiên"
