"""The monthly report's page in real headless Chromium: readable on screen, and its print
stylesheet (A4) hides the screen-only links. Screenshot in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fixtures_base import new_store, serve_waitress
from fixtures_web import NOW, contrast, make_settings, needs_chromium, seed, shot

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Any) -> Iterator[str]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("report")
    store = new_store(tmp / "r.sqlite3")
    seed(store, shipped_catalog)
    app = create_app(store, make_settings(tmp / "data"), shipped_catalog, clock=lambda: NOW)
    with serve_waitress(app.server) as url:
        yield url
    store.dispose()


STYLE = """el => { const s = getComputedStyle(el);
  return {size: parseFloat(s.fontSize), color: s.color, display: s.display}; }"""


def test_report_page_is_readable_and_prints_without_its_links(page, server_url):
    page.goto(f"{server_url}/bao-cao/thang?period=202611")
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "BÁO CÁO TÌNH HÌNH THỰC HIỆN CHỈ TIÊU"
    assert page.locator(".period-name").inner_text() == "Tháng 11/2026"
    body = page.locator("td").first.evaluate(STYLE)
    assert body["size"] >= 12  # 9.5 pt
    for selector in ("h2", "td", ".status-missed", ".status-at_risk", ".note"):
        style = page.locator(selector).first.evaluate(STYLE)
        assert contrast(style["color"], "rgb(255, 255, 255)") >= 4.5, selector
    # nothing wider than the page: the tables fit the A4 column
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0
    assert page.locator(".screen-only").is_visible()
    shot(page, "report-page-1920x1080")

    page.emulate_media(media="print")
    assert page.locator(".screen-only").evaluate(STYLE)["display"] == "none"
    pdf = page.pdf(format="A4")  # Chromium's own print of the same page
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert page.coc_errors == []
