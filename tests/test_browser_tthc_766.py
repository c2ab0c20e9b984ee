"""The Decision 766 scorecard page (/thu-tuc) in real headless Chromium: groups, items,
"chưa tính" and the computable total, at 1920×1080 and on a 390×844 phone.

Layout, font sizes and contrast are read from Chromium's computed styles. The seeded
store is the shared web fixture (November 2026 at 20/11: 33,25 of 48 computable points).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fixtures_base import new_store, serve_waitress
from fixtures_web import NOW, make_settings, needs_chromium, seed, shot

pytestmark = needs_chromium

CONTRAST = """el => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = el, color = 'rgba(0, 0, 0, 0)';
  while (bg) { color = getComputedStyle(bg).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(color) && color !== 'transparent') break; bg = bg.parentElement; }
  if (!bg) color = 'rgb(255, 255, 255)';
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(color));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Any) -> Iterator[str]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("browser766")
    store = new_store(tmp / "b.sqlite3")
    seed(store, shipped_catalog)
    app = create_app(store, make_settings(tmp / "data"), shipped_catalog, clock=lambda: NOW)
    with serve_waitress(app.server) as url:
        yield url
    store.dispose()


def _open(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#tthc-total", timeout=15_000)
    page.wait_for_selector(".ag-center-cols-container .ag-row", timeout=15_000)
    page.wait_for_load_state("networkidle")


def _cells(page: Any, table: str, col: str) -> list[str]:
    locator = page.locator(f'[id*="{table}"] .ag-center-cols-container [col-id="{col}"]')
    return [c.strip() for c in locator.all_inner_texts()]


def test_scorecard_shows_groups_items_not_computed_and_the_computable_total(page, server_url):
    _open(page, f"{server_url}/thu-tuc?period=202611")
    total = page.locator("#tthc-total")
    assert total.locator(".kpi-value").inner_text() == "33,2 / 48"
    assert total.locator(".kpi-label").inner_text() == "điểm tính được (tối đa 100)"
    groups = _cells(page, "diem-766", "group")
    assert groups == [
        "1. Công khai, minh bạch", "2. Tiến độ, kết quả giải quyết",
        "3. Dịch vụ công trực tuyến", "4. Thanh toán trực tuyến", "5. Số hóa hồ sơ",
        "6. Mức độ hài lòng",
    ]  # fmt: skip
    items = page.locator('[id*="chi-tieu-766"] .ag-center-cols-container .ag-row')
    assert items.count() == 19
    not_computed = page.locator('[id*="chi-tieu-766"] [col-id="points"]', has_text="chưa tính")
    assert not_computed.count() == 13  # every item without a source says so
    note = page.locator("#tthc-note").inner_text()
    assert "Điểm chỉ cộng từ các chỉ tiêu có nguồn số liệu" in note
    # legible: value ≥ 28 px, table text ≥ 14 px, contrast ≥ 4.5:1 on the KPI and a cell
    value_px = float(total.locator(".kpi-value").evaluate("e => getComputedStyle(e).fontSize")[:-2])
    cell = not_computed.first
    cell_px = float(cell.evaluate("e => getComputedStyle(e).fontSize")[:-2])
    assert value_px >= 28 and cell_px >= 14, (value_px, cell_px)
    for el in (total.locator(".kpi-value"), total.locator(".kpi-label"), cell):
        assert el.evaluate(CONTRAST) >= 4.5
    shot(page, "tthc766-1920x1080")
    page.locator("#tthc-note").scroll_into_view_if_needed()
    shot(page, "tthc766-items-1920x1080")
    assert page.coc_errors == []


def test_scorecard_in_english_and_on_a_phone(page, server_url):
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, f"{server_url}/thu-tuc?period=202611&lang=en")
    assert page.locator("#tthc-total .kpi-value").inner_text() == "33.2 / 48"
    cells = page.locator('[id*="diem-766"] [col-id="points"]').all_inner_texts()
    assert "not computed" in [c.strip() for c in cells]
    # nothing sticks out sideways: the page does not scroll horizontally
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert not re.search(r"chưa tính|Số hóa", page.locator("#_pages_content").inner_text())
    shot(page, "tthc766-en-390x844")
    assert page.coc_errors == []
