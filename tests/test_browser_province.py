"""The province ranking page in real headless Chromium, on values received from communes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fixtures_base import new_store, serve_waitress
from fixtures_web import NOW, needs_chromium, province_settings, seed_province, shot

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def province_url(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Any) -> Iterator[str]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("browser-province")
    settings = province_settings(tmp / "data")
    store = new_store(tmp / "p.sqlite3")
    seed_province(store, shipped_catalog, settings)
    app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
    with serve_waitress(app.server) as url:
        yield url
    store.dispose()


def test_ranking_page_renders_without_console_errors(page, province_url):
    page.goto(f"{province_url}/tinh/xep-hang?period=202610")
    page.wait_for_selector("#prov-rank-chart .main-svg", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.locator(".nav-province").count() == 4  # province mode shows its pages
    page.wait_for_selector("#prov-rank-body .ag-cell[col-id=name]", timeout=15_000)
    cells = page.locator("#prov-rank-body .ag-cell[col-id=name]").all_inner_texts()
    assert cells == ["Xã Chương Dương", "Xã Thượng Phúc", "Xã Tự Nhiên"]
    shot(page, "province-ranking-1920x1080")
    assert page.coc_errors == []


def test_reporting_and_map_pages_render_without_console_errors(page, province_url):
    for path, selector in (
        ("/tinh/bao-cao?period=202610", "#prov-missing"),
        ("/tinh/ban-do?period=202610", "#prov-map .main-svg"),
        ("/tinh/so-sanh?period=202610", "#prov-compare-chart .main-svg"),
    ):
        page.goto(province_url + path)
        page.wait_for_selector(selector, timeout=15_000)
        page.wait_for_load_state("networkidle")
        shot(page, "province-" + path.split("/")[2].split("?")[0] + "-1920x1080")
    assert "Xã Tự Nhiên" in page.locator("#_pages_content").inner_text()
    assert page.coc_errors == []
