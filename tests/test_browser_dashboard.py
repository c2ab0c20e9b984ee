"""The dashboard in real headless Chromium (Debian's chromium, driven by Playwright).

The app runs under waitress on a free loopback port, on a freshly seeded SQLite store.
Screenshots (1920×1080) are written to test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from fixtures_base import new_store, serve_waitress
from fixtures_web import NOW, PASSWORD, make_settings, needs_chromium, seed, shot, write_levels

from coc.auth import add_user
from coc.devices.rollups import rollup_all

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Any) -> Iterator[str]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("browser")
    store = new_store(tmp / "b.sqlite3")
    seed(store, shipped_catalog)
    write_levels(store, NOW - timedelta(hours=6), [3.0 + (i % 30) / 10 for i in range(72)])
    rollup_all(store, raw_days=30, now=NOW)  # the sensors page charts roll-ups
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    app = create_app(store, make_settings(tmp / "data"), shipped_catalog, clock=lambda: NOW)
    with serve_waitress(app.server) as url:
        yield url
    store.dispose()


def test_wall_screen_renders_every_tile_without_console_errors(page, server_url, shipped_catalog):
    page.goto(f"{server_url}/wall?kiosk=1&period=202611")
    page.wait_for_selector("#wall-tiles .tile", timeout=15_000)
    page.wait_for_load_state("networkidle")
    tiles = page.locator("#wall-tiles .tile")
    assert tiles.count() == int(page.locator("#wall-tiles").get_attribute("data-tiles"))
    for i in range(tiles.count()):  # every tile of the first page (test_browser_wall: all)
        tile = tiles.nth(i)
        assert tile.locator(".tile-name").inner_text().strip()
        assert tile.locator(".tile-actual").inner_text().strip()
        assert tile.locator(".status-word").inner_text().strip()
    assert not page.locator("#app-nav").is_visible()  # ?kiosk=1 hides navigation
    assert page.locator("#wall-count-camera").inner_text() == "Camera hoạt động: 1/2"
    ticker = page.locator("#wall-ticker").inner_text()
    assert "Mất kết nối quá 15 phút: Camera ngã ba (10:00 20/11/2026)" in ticker
    shot(page, "wall-1920x1080")
    for i in range(1, len(shipped_catalog.with_targets)):  # the tile's page of the playlist
        if page.locator("#tile-TK_THANH_TOAN").count():
            break
        page.goto(f"{server_url}/wall?kiosk=1&period=202611&i={i}")
        page.wait_for_selector("#wall-tiles .tile", timeout=15_000)
    tile = page.locator("#tile-TK_THANH_TOAN")
    assert tile.locator(".tile-actual").inner_text() == "72,5%"
    # the clock is 20/11: November is in progress, its figures are provisional and to date
    assert tile.locator(".status-word").inner_text() == "Tạm tính"
    assert tile.locator(".tile-period").inner_text() == "đến ngày 20/11"
    assert page.coc_errors == []


def test_wall_rotation_moves_to_next_page(page, server_url):
    page.goto(f"{server_url}/wall?pages=thu-tuc,tong-quan&interval=5&kiosk=1&period=202611")
    page.wait_for_selector("#tthc-total", timeout=15_000)
    assert page.locator("#wall-root").get_attribute("data-page") == "thu-tuc"
    assert page.locator("#tthc-total .kpi-value").inner_text() == "33,2 / 48"
    assert page.locator("#tthc-note").count() == 0  # the item table stays off the wall
    page.wait_for_selector("#tthc-chart .main-svg", timeout=15_000)
    assert "15,0/20" in page.locator("#tthc-chart").inner_text()
    shot(page, "wall-tthc-1920x1080")
    page.wait_for_url("**/wall?*i=1", timeout=15_000)
    page.wait_for_selector("#wall-tiles .tile", timeout=15_000)
    assert page.locator("#wall-root").get_attribute("data-page") == "tong-quan"
    assert page.coc_errors == []


def test_clerk_logs_in_enters_value_and_exports_excel(page, server_url, tmp_path):
    page.goto(f"{server_url}/login?next=/nhap-lieu?code=DINH_DANH_DIEN_TU%26period=202611")
    page.fill("#username", "thuky")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#entry-value", timeout=15_000)
    page.wait_for_load_state("networkidle")  # Dash has registered its callbacks
    page.fill("#entry-value", "76,5")
    page.click("#entry-save")
    page.wait_for_selector("#entry-ok", timeout=15_000)
    assert page.locator("#entry-ok").inner_text() == (
        "Đã lưu: Tỷ lệ người dân có tài khoản định danh điện tử mức 2 – Tháng 11/2026 = 76,5"
    )
    shot(page, "entry-1920x1080")

    page.goto(f"{server_url}/chi-tieu/DINH_DANH_DIEN_TU?period=202611")
    page.wait_for_selector("#ind-actual", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.locator("#ind-actual .kpi-value").inner_text() == "76,5%"
    assert page.locator("#ind-completion .kpi-value").inner_text() == "95,6%"

    page.goto(f"{server_url}/chi-tieu?period=202611")
    page.wait_for_selector("text=Xuất Excel", timeout=15_000)
    page.wait_for_load_state("networkidle")
    households = page.locator(".ag-row", has_text="Số hộ gia đình").first
    assert households.locator("[col-id=actual]").inner_text() == "16.000"  # a count, no ",0"
    assert households.locator("[col-id=source]").inner_text() == "Hệ thống báo cáo"
    with page.expect_download(timeout=15_000) as info:
        page.locator("button", has_text="Xuất Excel").first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name == "chi-tieu.xlsx"
    sheet = openpyxl.load_workbook(target).active
    header = [c.value for c in sheet[1]]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert rows["DINH_DANH_DIEN_TU"]["Thực hiện"] == 76.5
    assert rows["DINH_DANH_DIEN_TU"]["Hoàn thành (%)"] == 95.6
    shot(page, "indicators-1920x1080")
    assert page.coc_errors == []


PAGES = {
    "overview": "/?period=202611",
    "indicator": "/chi-tieu/TTHC_DUNG_HAN?period=202611",
    "tthc": "/thu-tuc?period=202611",
    "documents": "/van-ban?period=202611",
    "sensors": "/cam-bien",
    "devices": "/thiet-bi",
    "sync": "/dong-bo",
    "wall-en": "/wall?kiosk=1&period=202611&lang=en",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_without_console_errors(page, server_url, name):
    page.goto(server_url + PAGES[name])
    page.wait_for_selector("#_pages_content > *", timeout=15_000)
    page.wait_for_load_state("networkidle")
    for graph in page.locator(".js-plotly-plot").all():
        assert graph.locator(".main-svg").count() > 0  # every Plotly graph drew itself
    shot(page, f"{name}-1920x1080")
    assert page.coc_errors == []


def test_sensor_chart_draws_rollups_and_rule_thresholds(page, server_url):
    page.goto(server_url + "/cam-bien")
    page.wait_for_selector("#sensor-graph .main-svg", timeout=15_000)
    page.wait_for_load_state("networkidle")
    chart = page.locator("#sensor-graph").inner_text()
    assert "Đo mực nước sông Hồng – Mực nước (trung bình 5 phút)" in chart
    assert "water_level" not in page.locator("body").inner_text()  # the key, raw
    ticks = page.locator("#sensor-graph .xtick text").evaluate_all(
        "els => els.map(e => e.textContent)"
    )  # SVG text: 14:30 over 20/11 (dd/mm), no English month names
    assert ticks and all(re.fullmatch(r"(\d\d:\d\d)?\d\d/\d\d(/\d{4})?", x) for x in ticks), ticks
    assert "Mực nước cao: 4,5" in chart and "Mực nước rất cao kéo dài: 5,5" in chart
    assert page.coc_errors == []
