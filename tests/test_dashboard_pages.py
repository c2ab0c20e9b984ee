"""Every read-only page through Dash's router on the seeded store (NOW = 20/11/2026 10:00)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fixtures_web import NOW, ORG, call, dump, find, login, render_page, texts, write_levels

from coc.devices.alerts import evaluate, load_rules
from coc.devices.rollups import rollup_all
from coc.ingest.writers import write_records
from coc.store.models import DeviceEvent
from dashboards.app import export_frame, export_payload


def wall_parts(page: Any) -> int:
    """N of "Trang 1/N" in the wall overview's subtitle (1 without it)."""
    found = re.search(r"Trang \d+/(\d+)", " ".join(texts(find(page, "wall-body"))))
    return int(found.group(1)) if found else 1


def test_wall_screen_tiles_ticker_counts(web_app, shipped_catalog):
    client = web_app.server.test_client()
    page = render_page(client, "/wall", "?period=202611&kiosk=1")
    assert find(page, "wall-root")["props"]["className"] == "wall"
    assert texts(find(page, "wall-count-camera")) == ["Camera hoạt động: ", "1/2"]
    assert find(page, "wall-count-camera")["props"]["className"] == "wall-count wall-count-bad"
    assert texts(find(page, "wall-count-speaker")) == ["Loa hoạt động: ", "1/1"]
    assert find(page, "wall-count-speaker")["props"]["className"] == "wall-count wall-count-ok"
    # the open alert the real offline rule raised in the seed (cam-02 offline for an hour)
    assert texts(find(page, "wall-ticker")) == [
        "Cảnh báo", "⚠ Mất kết nối quá 15 phút: Camera ngã ba (10:00 20/11/2026)"
    ]  # fmt: skip
    parts = wall_parts(page)
    assert parts > 1  # 37 indicators do not fit one screen of large tiles
    assert find(page, "wall-rotate")["props"]["interval"] == 30000  # pages of tiles rotate
    shown: list[str] = []
    for i in range(parts):
        tiles = find(render_page(client, "/wall", f"?period=202611&kiosk=1&i={i}"), "wall-tiles")
        ids = [c["props"].get("id", "") for c in tiles["props"]["children"]]
        shown += [x for x in ids if x.startswith("tile-")]
    assert sorted(shown) == sorted(f"tile-{i.code}" for i in shipped_catalog.with_targets)


def test_wall_playlist_rotates_to_next(web_app):
    client = web_app.server.test_client()
    search = "?pages=tong-quan,thu-tuc,cam-bien&interval=30&kiosk=1&period=202611"
    parts = wall_parts(render_page(client, "/wall", search))  # the overview's steps first
    page = render_page(client, "/wall", search + f"&i={parts}")
    assert find(page, "wall-root")["props"]["data-page"] == "thu-tuc"
    assert find(page, "wall-rotate")["props"]["interval"] == 30000
    assert find(page, "wall-next")["props"]["data"] == (
        f"/wall?pages=tong-quan,thu-tuc,cam-bien&interval=30&kiosk=1&period=202611&i={parts + 1}"
    )
    last = render_page(client, "/wall", search.replace("30", "2") + f"&i={parts + 1}")
    assert find(last, "wall-root")["props"]["data-page"] == "cam-bien"
    assert find(last, "wall-rotate")["props"]["interval"] == 5000  # floor 5 s
    assert find(last, "wall-next")["props"]["data"].endswith("&i=0")


def test_indicator_table_rows_and_filters(web_app):
    client = web_app.server.test_client()
    page = render_page(client, "/chi-tieu", "?period=202611")
    rows = find(page, {"type": "coc-table", "table": "chi-tieu"})["props"]["rowData"]
    row = next(r for r in rows if r["code"] == "TK_THANH_TOAN")
    name = "Tỷ lệ người dân từ 15 tuổi có tài khoản thanh toán"
    assert row["name"] == f"[{name}](/chi-tieu/TK_THANH_TOAN?period=202611)"
    assert (row["actual"], row["target"], row["completion"], row["change"]) == (72.5, 80, 90.6, 2.5)
    # 20/11: the month is in progress, so the figure is provisional, not "Đạt"
    assert (row["status"], row["pillar"]) == ("○ Tạm tính", "Kinh tế số")
    assert row["shown"] == "T11/2026 (đến ngày 20/11)"
    assert row["source"] == "Hệ thống báo cáo"  # the source in words, never its id

    inputs = [
        {"id": "indicators-pillar", "property": "value", "value": None},
        {"id": "indicators-source", "property": "value", "value": "documents"},
        {"id": "indicators-status", "property": "value", "value": "none"},
    ]
    state = [
        {"id": "indicators-period", "property": "data", "value": "202611"},
        {"id": "indicators-lang", "property": "data", "value": "vi"},
        {"id": "indicators-ou", "property": "data", "value": "10237"},
    ]
    response = call(web_app.server.test_client(), "indicators-table.children", inputs, state)
    table = response.json["response"]["indicators-table"]["children"]
    codes = [
        r["code"]
        for r in find(table, {"type": "coc-table", "table": "chi-tieu"})["props"]["rowData"]
    ]
    assert codes == ["VB_DI_KY_SO", "VB_DIEN_TU", "HSCV_TREN_MANG", "VB_DEN_QUA_HAN"]


def test_indicator_page_masks_names_for_viewers(web_app):
    client = web_app.server.test_client()
    page = render_page(client, "/chi-tieu/TTHC_DUNG_HAN", "?period=202611")
    assert texts(find(page, "ind-actual"))[0] == "75%"
    assert texts(find(page, "ind-target"))[0] == "95%"
    assert texts(find(page, "ind-completion"))[0] == "78,9%"
    assert texts(find(page, "ind-numerator"))[0] == "3"
    assert texts(find(page, "ind-denominator"))[0] == "4"
    assert texts(find(page, "ind-formula"))[0].startswith("(Hồ sơ đã kết thúc xử lý")
    rows = find(page, {"type": "coc-table", "table": "chi-tiet-TTHC_DUNG_HAN"})["props"]["rowData"]
    assert rows == [
        {"ma": "000.00.23.H26-261101-0002", "tthc": "Đăng ký khai sinh", "chu": "N***** V** A*",
         "nhan": "03/11/2026", "hen": "06/11/2026", "xong": "10/11/2026", "kenh": "Trực tiếp",
         "dung_han": "Quá hạn"}
    ]  # fmt: skip
    assert "Nguyễn Văn An" not in dump(page)
    series = find(page, "ind-series")["props"]["figure"]["data"]
    assert series[0]["y"][-2:] == [None, 75.0] and series[1]["y"] == [95.0, 95.0]

    login(client, "thuky")
    page = render_page(client, "/chi-tieu/TTHC_DUNG_HAN", "?period=202611")
    rows = find(page, {"type": "coc-table", "table": "chi-tiet-TTHC_DUNG_HAN"})["props"]["rowData"]
    assert rows[0]["chu"] == "Nguyễn Văn An"


def test_unsigned_documents_behind_signed_rate(web_app):
    page = render_page(web_app.server.test_client(), "/chi-tieu/VB_DI_KY_SO", "?period=202611")
    rows = find(page, {"type": "coc-table", "table": "chi-tiet-VB_DI_KY_SO"})["props"]["rowData"]
    assert [(r["so"], r["ngay"]) for r in rows] == [("103/UBND", "13/11/2026")]


def test_tthc_scorecard(web_app):
    # November at 20/11 (as of now): 2.1 3 of 4 → 75 % × 20 = 15; 3.3 2 of 4 = 50 % ≥ 50 →
    # 12; 3.6 no fee-bearing dossier → none; 4.1 0 of 3 → 0 of 6; 4.2 1 of 4 = 25/80 × 4 =
    # 1,25 (shown 1,2: fmt rounds half to even); 5.4 75/90 × 6 = 5. Total 33,25 of the 48
    # points computable; nothing scaled up.
    page = render_page(web_app.server.test_client(), "/thu-tuc", "?period=202611")
    assert texts(find(page, "tthc-total")) == ["33,2 / 48", "điểm tính được (tối đa 100)"]
    rows = find(page, {"type": "coc-table", "table": "diem-766"})["props"]["rowData"]
    assert [(r["points"], r["computable"], r["max"]) for r in rows] == [
        ("chưa tính", "0", "18"), ("15", "20", "20"), ("12", "12", "12"),
        ("chưa tính", "0", "10"), ("1,2", "10", "22"), ("5", "6", "18"),
    ]  # fmt: skip
    items = {
        r["item"].split()[0]: r
        for r in find(page, {"type": "coc-table", "table": "chi-tieu-766"})["props"]["rowData"]
    }
    assert (items["2.1"]["rate"], items["2.1"]["count"], items["2.1"]["points"]) == (
        "75%", "3/4", "15")  # fmt: skip
    assert items["3.6"]["points"] == "không có hồ sơ" and items["3.6"]["max"] == "6"
    assert items["1.4"]["points"] == "chưa tính" and items["1.4"]["rate"] == "—"
    assert items["5.4"]["threshold"] == "90%"
    overdue = find(page, {"type": "coc-table", "table": "ho-so-qua-han"})["props"]["rowData"]
    assert [r["chu"] for r in overdue] == ["N***** V** A*"]


def test_tthc_scorecard_in_english(web_app):
    page = render_page(web_app.server.test_client(), "/thu-tuc", "?period=202611&lang=en")
    assert texts(find(page, "tthc-total")) == ["33.2 / 48", "computable points (of 100)"]
    rows = find(page, {"type": "coc-table", "table": "diem-766"})["props"]["rowData"]
    assert rows[0]["group"] == "1. Publicity and transparency"
    assert rows[0]["points"] == "not computed"


def test_tthc_scorecard_follows_new_dossiers(fresh_app):
    client = fresh_app.server.test_client()
    assert texts(find(render_page(client, "/thu-tuc", "?period=202611"), "tthc-total"))[0] == (
        "33,2 / 48"
    )
    late = {"MaHoSo": "000.00.23.H26-261101-0005", "MaTTHC": "1.001612",
            "TenTTHC": "Đăng ký khai sinh", "TrangThaiHoSo": 10, "HoSoCoThanhPhanSoHoa": 1,
            "KenhThucHien": 1, "NgayTiepNhan": "20261116080000", "NgayHenTra": "20261117170000",
            "NgayKetThucXuLy": "20261119100000", "ChuHoSo": "Đỗ Văn Em"}  # fmt: skip
    write_records(fresh_app.coc_state.store, "dossier", [late], ORG, source="tthc")
    # 2.1 on time 3 of 5 = 60 % → 60/100×20 = 12 points (was 15);
    # group 2 and the overdue list follow the new dossier at once (no stale memo)
    page = render_page(client, "/thu-tuc", "?period=202611")
    rows = find(page, {"type": "coc-table", "table": "diem-766"})["props"]["rowData"]
    assert rows[1]["points"] == "12"
    overdue = find(page, {"type": "coc-table", "table": "ho-so-qua-han"})["props"]["rowData"]
    assert [r["chu"] for r in overdue] == ["N***** V** A*", "Đ* V** E*"]


def test_documents_page(web_app):
    page = render_page(web_app.server.test_client(), "/van-ban", "?period=202611")
    assert texts(find(page, "docs-signed"))[0] == "75%"
    assert texts(find(page, "docs-overdue"))[0] == "1"
    rows = find(page, {"type": "coc-table", "table": "van-ban-qua-han"})["props"]["rowData"]
    assert rows == [
        {"so": "55/UBND-VP", "trich_yeu": "Công văn về phòng chống lụt bão",
         "ngay": "02/11/2026", "han": "10/11/2026", "xong": "—", "nguoi": ""}
    ]  # fmt: skip


def test_devices_grid_uptime_and_map(fresh_app):
    store = fresh_app.coc_state.store
    page = render_page(fresh_app.server.test_client(), "/thiet-bi")
    assert "Thời gian hoạt động hôm nay: —" in texts(find(page, "device-cam-02"))  # no events
    day_start = NOW.replace(hour=0) - timedelta(hours=7)  # local midnight 20/11 = 17:00 UTC 19/11
    with store.write() as session:
        session.add(
            DeviceEvent(
                device_id="cam-02", ts=day_start - timedelta(hours=1), state="online", online=True
            )
        )
        session.add(DeviceEvent(device_id="cam-02", ts=day_start + timedelta(hours=5),
                                state="offline", online=False))  # fmt: skip
    page = render_page(fresh_app.server.test_client(), "/thiet-bi")
    # online 5 h of the 10 h since local midnight (NOW is 10:00 local): 50 %
    assert "Thời gian hoạt động hôm nay: 50%" in texts(find(page, "device-cam-02"))
    assert texts(find(page, "devices-camera"))[0] == "Camera: 1/2 trực tuyến"
    fig = find(page, "device-map")["props"]["figure"]
    assert fig["data"][0]["fill"] == "toself"
    assert "mapbox" not in dump(fig) and "tile" not in dump(fig["layout"])


def test_sensors_page_empty_then_with_readings(fresh_app):
    client = fresh_app.server.test_client()
    page = render_page(client, "/cam-bien")
    assert texts(find(page, "sensors-chart")) == ["Chưa có dữ liệu", ""]
    store = fresh_app.coc_state.store
    # one reading every 5 minutes from 08:00 to 09:55 local: 3.0 … 5.3 m
    write_levels(store, NOW - timedelta(hours=2), [3.0 + i / 10 for i in range(24)])
    page = render_page(client, "/cam-bien")
    assert texts(find(page, "live-mn-01-water_level"))[:3] == [
        "Mực nước", "5,3 m", "Đo mực nước sông Hồng"
    ]  # the metric's name, never its key  # fmt: skip
    assert texts(find(page, "sensors-chart")) == ["Chưa có dữ liệu", ""]  # no roll-up yet
    rollup_all(store, raw_days=30, now=NOW)
    settings = fresh_app.coc_state.settings
    # the real rules: water_high (> 4.5) opens at 4.6, 09:20 local; critical needs 5.5
    assert evaluate(store, load_rules(settings), now=NOW) == 1
    page = render_page(client, "/cam-bien")
    figure = find(page, "sensor-graph")["props"]["figure"]
    assert len(figure["data"][0]["y"]) == 24  # 24 five-minute roll-up buckets
    assert figure["data"][0]["y"][0] == 3.0 and figure["data"][0]["y"][-1] == 5.3
    assert figure["data"][0]["x"][0] == "2026-11-20T08:00:00"  # local time
    # threshold lines are the alert rules of config/alerts.yaml for this sensor
    assert [s["y0"] for s in figure["layout"]["shapes"]] == [4.5, 5.5]
    assert [a["text"] for a in figure["layout"]["annotations"]] == [
        "Mực nước cao: 4,5", "Mực nước rất cao kéo dài: 5,5"
    ]  # fmt: skip
    rows = find(page, {"type": "coc-table", "table": "lich-su-canh-bao"})["props"]["rowData"]
    assert rows == [  # newest first: the seed's offline camera, then the water level
        {"opened": "10:00 20/11/2026", "severity": "Cảnh báo", "device": "Camera ngã ba",
         "message": "Mất kết nối quá 15 phút: Camera ngã ba", "status": "Đang mở",
         "cleared": "—"},
        {"opened": "09:20 20/11/2026", "severity": "Cảnh báo",
         "device": "Đo mực nước sông Hồng",
         "message": "Mực nước cao: Đo mực nước sông Hồng — Mực nước = 4,6 m (> 4,5 m)",
         "status": "Đang mở", "cleared": "—"}
    ]  # fmt: skip


def test_sync_page_without_upstream(web_app):
    page = render_page(web_app.server.test_client(), "/dong-bo")
    assert texts(find(page, "sync-upstream"))[0] == "Chưa cấu hình"
    rows = find(page, {"type": "coc-table", "table": "dong-bo"})["props"]["rowData"]
    assert rows[0]["connector"] == "Hệ thống quản lý văn bản"  # the source in words
    assert rows[0]["status"] == "Thành công"


def test_export_xlsx_and_csv():
    columns = [
        {"field": "name", "headerName": "Chỉ tiêu"},
        {"field": "actual", "headerName": "Thực hiện"},
    ]
    rows = [{"name": "[Tỷ lệ ký số](/chi-tieu/VB_DI_KY_SO)", "actual": 75.0}]
    frame = export_frame(rows, columns)
    assert frame.to_dict("records") == [{"Chỉ tiêu": "Tỷ lệ ký số", "Thực hiện": 75.0}]
    csv = export_payload("chi-tieu", "export-csv", rows, columns)
    assert csv["filename"] == "chi-tieu.csv"
    assert csv["content"] == "\ufeffChỉ tiêu,Thực hiện\r\nTỷ lệ ký số,75.0\r\n"
    xlsx = export_payload("chi-tieu", "export-xlsx", rows, columns)
    assert xlsx["filename"] == "chi-tieu.xlsx" and xlsx["base64"] is True


def test_all_pages_render_in_english(web_app):
    client = web_app.server.test_client()
    for path in ("/", "/wall", "/chi-tieu", "/thu-tuc", "/van-ban", "/cam-bien", "/thiet-bi",
                 "/dong-bo", "/chi-tieu/VB_DI_KY_SO"):  # fmt: skip
        text = dump(render_page(client, path, "?lang=en&period=202611"))
        assert "Chưa có dữ liệu" not in text, path
    assert ORG == "10237"


def test_sensor_zoom_requeries_finer_rollup(fresh_app):
    store = fresh_app.coc_state.store
    # every 5 minutes for 6 days, through the writer, then the roll-up job
    write_levels(store, NOW - timedelta(days=6), [float(i % 7) for i in range(6 * 24 * 12)])
    rollup_all(store, raw_days=30, now=NOW)
    client = fresh_app.server.test_client()
    inputs = [
        {
            "id": "sensor-graph",
            "property": "relayoutData",
            "value": {
                "xaxis.range[0]": "2026-11-19 00:00:00",
                "xaxis.range[1]": "2026-11-19 12:00:00",
            },
        }
    ]
    state = [{"id": "sensors-series", "property": "value", "value": "mn-01|water_level"},
             {"id": "sensors-range", "property": "value", "value": "7d"},
             {"id": "sensors-lang", "property": "data", "value": "vi"}]  # fmt: skip
    response = call(client, "sensor-graph.figure", inputs, state)
    figure = response.json["response"]["sensor-graph"]["figure"]
    # 12 local hours at 5-minute resolution: 144 buckets, shown in local time
    assert len(figure["data"][0]["x"]) == 144
    assert figure["data"][0]["x"][0] == "2026-11-19T00:00:00"
    assert figure["layout"]["title"]["text"] == (
        "Đo mực nước sông Hồng – Mực nước (trung bình 5 phút)"
    )
    assert figure["layout"]["xaxis"]["hoverformat"] == "%H:%M %d/%m/%Y"  # Vietnamese dates
    page = render_page(client, "/cam-bien")
    title = find(page, "sensor-graph")["props"]["figure"]["layout"]["title"]["text"]
    assert title == "Đo mực nước sông Hồng – Mực nước (trung bình 5 phút)"  # default span 24 h


def test_no_page_builds_a_deprecated_datatable(web_app):
    """Every table is a dash-ag-grid grid: rendering each page warns nothing about
    dash_table (pyproject also turns that warning into an error for the whole run)."""
    import warnings
    from pathlib import Path

    import dashboards

    client = web_app.server.test_client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for path in ("/", "/wall", "/chi-tieu", "/chi-tieu/TTHC_DUNG_HAN", "/thu-tuc",
                     "/van-ban", "/cam-bien", "/thiet-bi", "/dong-bo"):  # fmt: skip
            page = render_page(client, path, "?period=202611")
            assert "dash_table" not in dump(page)
    assert [str(w.message) for w in caught if "dash_table" in str(w.message)] == []
    source = Path(dashboards.__file__).parent
    assert [p.name for p in source.rglob("*.py") if "dash_table" in p.read_text()] == []


def test_navigation_comes_from_the_page_registry(web_app):
    import dash

    from dashboards.app import _nav, nav_pages
    from dashboards.i18n import STRINGS

    pages = nav_pages()
    # every page but the one-indicator page (a path template) is in the menu, in order
    listed = {p["module"] for p in dash.page_registry.values() if p.get("nav")}
    assert listed == {p["module"] for p in dash.page_registry.values()} - {
        "dashboards.pages.indicator"
    }
    assert [p["order"] for p in pages] == sorted(p["order"] for p in pages)
    assert all(p["nav"] in STRINGS for p in pages)
    with web_app.server.test_request_context("/"):
        menu = _nav("vi").children[1]
    hrefs = [link.href for link in menu.children]
    public = [p["path"] for p in pages if not p.get("clerk_only") and not p.get("province_only")]
    assert hrefs == public  # a viewer in commune mode: no clerk or province pages
