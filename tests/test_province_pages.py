"""Province pages (ranking, comparison, map, reporting completeness) on received values.

Data and hand-computed results: see the province section of tests/fixtures_web.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fixtures_base import new_store
from fixtures_web import NOW, call, dump, find, province_settings, render_page, seed_province, texts

MISSING = "✖ Chưa báo cáo"
ON_TIME, LATE, NOT_DUE = "✔ Đúng hạn", "⚠ Trễ hạn", "○ Chưa đến hạn"


@pytest.fixture
def province_app(tmp_path: Path, shipped_catalog: Any) -> Any:
    from dashboards.app import create_app

    settings = province_settings(tmp_path / "data")
    store = new_store(tmp_path / "p.sqlite3")
    seed_province(store, shipped_catalog, settings)
    app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
    yield app
    store.dispose()


def _table(page: Any, name: str) -> list[dict[str, Any]]:
    return find(page, {"type": "coc-table", "table": name})["props"]["rowData"]


def test_ranking_orders_communes_by_completion(province_app):
    page = render_page(province_app.server.test_client(), "/tinh/xep-hang", "?period=202610")
    rows = _table(page, "xep-hang")
    assert [(r["rank"], r["code"], r["completion"], r["status"], r["scored"]) for r in rows] == [
        # "Đạt" only at 100 %: 87,5 % and 50 % of the targets are close, not achieved
        (1, "10237", 87.5, "⚠ Gần đạt", 2),
        (2, "10238", 50.0, "⚠ Gần đạt", 1),
        (None, "10239", None, "○ Chưa có số liệu", 0),
    ]
    chart = find(page, "prov-rank-chart")["props"]["figure"]["data"][0]
    assert chart["y"] == ["Xã Tự Nhiên", "Xã Thượng Phúc", "Xã Chương Dương"]  # best on top
    assert chart["text"] == ["—", "50", "87,5"]


def test_compare_one_indicator_and_switch_period(province_app):
    client = province_app.server.test_client()
    page = render_page(client, "/tinh/so-sanh", "?period=202610&code=TTHC_DUNG_HAN")
    rows = _table(page, "so-sanh")
    assert [(r["rank"], r["name"], r["value"], r["target"], r["completion"]) for r in rows] == [
        (1, "Xã Chương Dương", 95.0, 95.0, 100.0),
        (2, "Xã Thượng Phúc", 47.5, 95.0, 50.0),
        (None, "Xã Tự Nhiên", None, 95.0, None),
    ]
    # September through the page's callback: only 10239 reported TTHC_DUNG_HAN (90 of 95)
    # (the period comes from the URL's picker, kept in a store beside the body)
    inputs = [
        {"id": "prov-compare-code", "property": "value", "value": "TTHC_DUNG_HAN"},
        {"id": "prov-compare-tick", "property": "n_intervals", "value": None},
    ]
    state = [
        {"id": "prov-compare-period", "property": "data", "value": "202609"},
        {"id": "prov-compare-lang", "property": "data", "value": "vi"},
    ]
    response = call(client, "prov-compare-body.children", inputs, state)
    body = response.json["response"]["prov-compare-body"]["children"]
    rows = _table(body, "so-sanh")
    assert [(r["code"], r["rank"], r["completion"]) for r in rows] == [
        ("10239", 1, 94.7),
        ("10237", None, None),
        ("10238", None, None),
    ]


def test_map_places_communes_offline(province_app):
    page = render_page(province_app.server.test_client(), "/tinh/ban-do", "?period=202610")
    fig = find(page, "prov-map")["props"]["figure"]
    traces = [(t["name"], t["x"], t["y"], t["text"]) for t in fig["data"]]
    # coloured by the verdict: neither commune has met its targets (87,5 % and 50 %)
    assert traces == [
        ("⚠ Cần chú ý", [105.9, 105.87], [20.83, 20.81], ["Xã Chương Dương", "Xã Thượng Phúc"]),
    ]
    assert "mapbox" not in dump(fig) and "geo" not in fig["layout"]  # no tiles, no internet
    assert texts(find(page, "prov-map-unplaced")) == ["Chưa có tọa độ: Xã Tự Nhiên"]


def test_reporting_completeness_and_missing(province_app):
    client = province_app.server.test_client()
    page = render_page(client, "/tinh/bao-cao", "?period=202610")
    missing = _table(page, "chua-bao-cao")
    assert missing == [{"code": "10239", "name": "Xã Tự Nhiên"}]
    rows = _table(page, "bao-cao")
    # six months 05–10/2026, all ended by 20/11: expected 6 each
    assert [
        (r["code"], r["expected"], r["reported"], r["on_time"], r["rate"], r["on_time_rate"])
        for r in rows
    ] == [
        ("10237", 6, 2, 2, 33.3, 33.3),
        ("10239", 6, 1, 1, 16.7, 16.7),
        ("10238", 6, 1, 0, 16.7, 0.0),
    ]
    first = rows[0]
    assert [first[f"p2026{m:02d}"] for m in range(5, 11)] == [MISSING] * 4 + [ON_TIME, ON_TIME]
    assert (rows[2]["p202609"], rows[2]["p202610"]) == (MISSING, LATE)
    # November has not ended on 20/11: not due yet, and not expected
    inputs = [
        {"id": "prov-report-code", "property": "data", "value": None},
        {"id": "prov-report-tick", "property": "n_intervals", "value": None},
    ]
    state = [
        {"id": "prov-report-period", "property": "data", "value": "202611"},
        {"id": "prov-report-lang", "property": "data", "value": "vi"},
    ]
    response = call(client, "prov-report-body.children", inputs, state)
    body = response.json["response"]["prov-report-body"]["children"]
    rows = _table(body, "bao-cao")
    assert [(r["code"], r["expected"], r["p202611"]) for r in rows] == [
        ("10237", 5, NOT_DUE),
        ("10239", 5, NOT_DUE),
        ("10238", 5, NOT_DUE),
    ]
    assert len(_table(body, "chua-bao-cao")) == 3


def test_navigation_only_in_province_mode(province_app, web_app):
    from dashboards import state

    state.set_state(province_app.coc_state)
    layout = dump(province_app.server.test_client().get("/_dash-layout").json)
    for path in ("/tinh/xep-hang", "/tinh/so-sanh", "/tinh/ban-do", "/tinh/bao-cao"):
        assert f'"href": "{path}"' in layout
    assert "Xếp hạng xã" in layout and "Tình hình báo cáo" in layout

    state.set_state(web_app.coc_state)  # the commune app
    client = web_app.server.test_client()
    assert "/tinh/" not in dump(client.get("/_dash-layout").json)
    page = render_page(client, "/tinh/xep-hang")
    assert texts(find(page, "province-off")) == [
        "Trang này chỉ có ở chế độ tỉnh hoặc huyện (role: province, district)."
    ]


def test_province_pages_in_english(province_app):
    client = province_app.server.test_client()
    page = render_page(client, "/tinh/bao-cao", "?period=202610&lang=en")
    assert texts(page)[0] == "Reporting"
    header = [c["headerName"] for c in find(page, {"type": "coc-table", "table": "bao-cao"})
              ["props"]["columnDefs"]]  # fmt: skip
    assert header[:4] == ["Code", "Commune", "Reporting rate (%)", "On-time rate (%)"]
    assert _table(page, "bao-cao")[0]["p202610"] == "✔ On time"


def test_sync_page_lists_commune_pulls_without_credentials(province_app):
    page = render_page(province_app.server.test_client(), "/dong-bo")
    rows = _table(page, "lay-tu-xa")
    assert [(r["code"], r["url"], r["last"], r["status"]) for r in rows] == [
        ("10237", "http://10.0.0.7:8080", "—", "Chưa chạy"),
        ("10238", "Chỉ nhận xã đẩy lên", "—", "Chưa chạy"),
        ("10239", "Chỉ nhận xã đẩy lên", "—", "Chưa chạy"),
    ]
    text = dump(page)
    assert "mat-khau" not in text and "keo-10237-bi-mat" not in text
