"""The province ranking page in real headless Chromium, on values received from communes."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fixtures_web import AVAILABLE, CHROMIUM, NOW, province_settings, seed_province, shot

from coc.store.db import Store

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not AVAILABLE and os.environ.get("CI") != "true",
        reason=f"headless Chromium not found at {CHROMIUM} (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def province_url(tmp_path_factory: pytest.TempPathFactory, web_catalog: Any) -> Iterator[str]:
    from waitress.server import create_server

    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("browser-province")
    settings = province_settings(tmp / "data")
    store = Store.from_url(f"sqlite:///{tmp}/p.sqlite3").init()
    seed_province(store, web_catalog, settings)
    app = create_app(store, settings, web_catalog, clock=lambda: NOW)
    server = create_server(app.server, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
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
