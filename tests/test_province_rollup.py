"""Receiving pushes (POST /api/v1/dataValueSets) and rolling values up the hierarchy."""

from __future__ import annotations

import pytest
import requests
from fixtures_base import new_store, small_catalog
from fixtures_http import (
    FEED_TOKEN,
    PUSH_TOKENS,
    auth,
    commune_settings,
    province_settings,
    serve_coc,
    stored,
)
from sqlalchemy import select

from coc.indicators.catalog import IndicatorDef
from coc.province.hierarchy import Hierarchy
from coc.province.rollup import aggregate, rollup_all
from coc.store.models import Quarantine

pytestmark = pytest.mark.timeout(60)
COMMUNES = [
    {"code": "10237", "name": "Xã Chương Dương", "parent": "001"},
    {"code": "10238", "name": "Xã Thượng Phúc", "parent": "001"},
    {"code": "10239", "name": "Xã Tự Nhiên"},
]


def _settings():
    s = province_settings(COMMUNES, province={"districts": [{"code": "001", "name": "Huyện A"}]})
    tokens = {**PUSH_TOKENS, "10239": "push-10239-77aa88bb"}
    return s.model_copy(update={"province": s.province.model_copy(update={"push_tokens": tokens})})


def _push(url: str, code: str, values: list[dict], token: str | None = None) -> requests.Response:
    tokens = {**PUSH_TOKENS, "10239": "push-10239-77aa88bb"}
    return requests.post(
        f"{url}/api/v1/dataValueSets",
        json={"dataValues": values},
        headers=auth(token or tokens[code]),
        timeout=5,
    )


def _dv(code: str, ou: str, value: str, num: str | None = None, den: str | None = None) -> dict:
    out = {"dataElement": code, "period": "202610", "orgUnit": ou, "value": value}
    if num is not None:
        out.update(numerator=num, denominator=den)
    return out


@pytest.fixture
def province(tmp_path):
    store = new_store(tmp_path / "p.sqlite3")
    with serve_coc(store, _settings()) as (url, _):
        yield store, url


def test_rollup_by_aggregation_through_district_and_province(province):
    store, url = province
    per_commune = {
        "10237": [
            _dv("TTHC_DUNG_HAN", "10237", "80", "12", "15"),
            _dv("DAN_SO", "10237", "100"),
            _dv("TY_LE_BHYT", "10237", "90"),
            _dv("THU_NGAN_SACH", "10237", "1"),
        ],
        "10238": [
            _dv("TTHC_DUNG_HAN", "10238", "60", "3", "5"),
            _dv("DAN_SO", "10238", "200"),
            _dv("TY_LE_BHYT", "10238", "80"),
            _dv("THU_NGAN_SACH", "10238", "2"),
        ],
        "10239": [
            _dv("TTHC_DUNG_HAN", "10239", "90", "9", "10"),
            _dv("DAN_SO", "10239", "300"),
            _dv("TY_LE_BHYT", "10239", "70"),
            _dv("THU_NGAN_SACH", "10239", "3"),
        ],
    }
    for code, values in per_commune.items():
        r = _push(url, code, values)
        assert r.status_code == 200
        assert r.json() == {
            "status": "OK",
            "conflicts": [],
            "importCount": {"imported": 4, "updated": 0, "ignored": 0, "deleted": 0},
        }
    got = stored(store)

    def at(code, ou):
        dv = got[(code, ou, "202610")]
        return dv.value, dv.numerator, dv.denominator

    assert at("TTHC_DUNG_HAN", "001") == (75.0, 15.0, 20.0)  # 15 ÷ 20, not mean(80, 60)
    assert at("TTHC_DUNG_HAN", "01") == (80.0, 24.0, 30.0)
    assert at("DAN_SO", "001")[0] == 300.0 and at("DAN_SO", "01")[0] == 600.0
    assert at("TY_LE_BHYT", "001")[0] == 85.0 and at("TY_LE_BHYT", "01")[0] == 80.0
    assert at("THU_NGAN_SACH", "001")[0] == 3.0 and at("THU_NGAN_SACH", "01")[0] == 6.0
    # a soft delete flows up; a re-send of the same value is ignored
    r = _push(url, "10239", [{**_dv("DAN_SO", "10239", ""), "deleted": True}])
    assert r.json()["importCount"]["deleted"] == 1
    assert _push(url, "10237", per_commune["10237"]).json()["importCount"]["ignored"] == 4
    assert stored(store)[("DAN_SO", "01", "202610")].value == 300.0


def test_aggregate_rules():
    avg = IndicatorDef(
        "X_AVG",
        "x",
        "x",
        "kinh_te_xa_hoi",
        "ngày",
        "reporting",
        {"type": "element"},
        aggregation="average",
    )
    assert aggregate(avg, [(10.0, None, None), (20.0, None, None), (40.0, None, None)]) == (
        23.3333,
        None,
        None,
    )
    ratio = small_catalog().get("TTHC_DUNG_HAN")
    assert aggregate(ratio, [(80.0, 12.0, 15.0), (50.0, None, None)]) == (65.0, None, None)
    assert aggregate(ratio, [(0.0, 0.0, 0.0)]) == (None, 0.0, 0.0)


def test_push_refusals(province, tmp_path):
    store, url = province
    assert requests.post(f"{url}/api/v1/dataValueSets", json={}, timeout=5).status_code == 401
    feed = _push(url, "10237", [], token=FEED_TOKEN)
    assert feed.status_code == 403 and "chỉ được đọc" in feed.json()["reason"]
    bad_body = requests.post(
        f"{url}/api/v1/dataValueSets",
        data="not json",
        headers=auth(PUSH_TOKENS["10237"]),
        timeout=5,
    )
    assert bad_body.status_code == 400 and bad_body.json()["error"] == "bad_request"
    mixed = _push(
        url,
        "10237",
        [
            _dv("DAN_SO", "10237", "5"),
            _dv("DAN_SO", "10238", "6"),  # another commune's value with 10237's token
            _dv("KHONG_CO", "10237", "1"),
            _dv("DAN_SO", "10237", "nhiều"),
        ],
    ).json()
    assert mixed["status"] == "WARNING"
    assert mixed["importCount"] == {"imported": 1, "updated": 0, "ignored": 3, "deleted": 0}
    assert [c["indexes"] for c in mixed["conflicts"]] == [[1], [2], [3]]
    with store.session() as s:
        reasons = [q.reason for q in s.scalars(select(Quarantine))]
    assert len(reasons) == 3 and "10238" in reasons[0]
    only_bad = _push(url, "10237", [_dv("KHONG_CO", "10237", "1")]).json()
    assert only_bad["status"] == "ERROR"
    commune = new_store(tmp_path / "c.sqlite3")
    settings = commune_settings()
    settings = settings.model_copy(update={"province": _settings().province})
    with serve_coc(commune, settings) as (curl, _):
        refused = _push(curl, "10237", [_dv("DAN_SO", "10237", "5")])
    assert refused.status_code == 403 and "chế độ xã" in refused.json()["reason"]


def test_rollup_all_after_config_change(province):
    store, url = province
    _push(url, "10237", [_dv("DAN_SO", "10237", "100")])
    _push(url, "10239", [_dv("DAN_SO", "10239", "300")])
    moved = [{**c, "parent": None} if c["code"] == "10237" else c for c in COMMUNES]
    s = province_settings(moved, province={"districts": [{"code": "001", "name": "Huyện A"}]})
    hierarchy = Hierarchy.from_settings(s)
    assert hierarchy.leaves_under("001") == ["10238"]
    rollup_all(store, small_catalog(), hierarchy)
    got = stored(store)
    assert got[("DAN_SO", "001", "202610")].deleted is True
    assert got[("DAN_SO", "01", "202610")].value == 400.0


def test_a_district_pushes_for_its_own_communes_only(tmp_path):
    store = new_store(tmp_path / "p.sqlite3")
    s = _settings()
    tokens = {**s.province.push_tokens, "001": "push-district-001-xyz"}
    s = s.model_copy(update={"province": s.province.model_copy(update={"push_tokens": tokens})})
    with serve_coc(store, s) as (url, _):
        body = _push(
            url,
            "10237",
            [
                _dv("DAN_SO", "10237", "100"),
                _dv("DAN_SO", "10238", "200"),
                _dv("DAN_SO", "10239", "300"),  # not under district 001
            ],
            token="push-district-001-xyz",
        ).json()
    assert body["importCount"]["imported"] == 2
    assert [c["indexes"] for c in body["conflicts"]] == [[2]]
    assert stored(store)[("DAN_SO", "001", "202610")].value == 300.0
