"""Users bound to org units in real headless Chromium (1920×1080, province mode): a user
bound to one commune sees only it on the ranking and the overview; a user bound to a
district switches between its units with the picker."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from fixtures_base import new_store, serve_waitress
from fixtures_web import NOW, PASSWORD, needs_chromium, seed_province, shot
from test_user_units_pages import MINE, NAMES, OTHER, two_districts

from coc.auth import add_user
from coc.auth.units import bind_units
from coc.province.hierarchy import Hierarchy
from coc.province.rollup import rollup_all

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Any) -> Iterator[str]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("browser-units")
    settings = two_districts(tmp / "data")
    store = new_store(tmp / "p.sqlite3")
    seed_province(store, shipped_catalog, settings)
    rollup_all(store, shipped_catalog, Hierarchy.from_settings(settings))
    add_user(store, "hoa", PASSWORD, "approver", name="Chị Hoa")
    add_user(store, "lan", PASSWORD, "viewer", name="Chị Lan")
    bind_units(store, settings, "hoa", [MINE])
    bind_units(store, settings, "lan", ["277"])
    app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
    with serve_waitress(app.server) as url:
        yield url
    store.dispose()


def log_in(page: Any, url: str, user: str, then: str) -> None:
    page.goto(f"{url}/login?next={then}")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("networkidle")


def test_a_bound_user_sees_only_her_commune(page: Any, site: str) -> None:
    log_in(page, site, "hoa", "/tinh/xep-hang?period=202610")
    page.wait_for_selector("#prov-rank-body .ag-cell[col-id=name]", timeout=15_000)
    cells = page.locator("#prov-rank-body .ag-cell[col-id=name]").all_inner_texts()
    assert cells == [NAMES[MINE]]
    page.goto(f"{site}/?period=202610")
    page.wait_for_selector("#tile-TTHC_DUNG_HAN", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.locator("#overview-unit-name").inner_text() == NAMES[MINE]
    assert "47,5%" in page.locator("#tile-TTHC_DUNG_HAN").inner_text()
    body = page.locator("#_pages_content").inner_text()
    assert NAMES[OTHER] not in body and "71,2" not in body  # no other commune, no province
    path = shot(page, "units13-bound-overview-1920x1080")
    shutil.copy(path, "/tmp/units13.png")
    assert page.coc_errors == []


def test_a_district_user_switches_units_with_the_picker(page: Any, site: str) -> None:
    log_in(page, site, "lan", "/?period=202610")
    page.wait_for_selector("#tile-TTHC_DUNG_HAN", timeout=15_000)
    assert "71,2%" in page.locator("#tile-TTHC_DUNG_HAN").inner_text()  # the district's
    page.click(".unit-picker")
    options = page.get_by_role("option").all_inner_texts()
    assert options == ["Huyện Thường Tín", NAMES[OTHER], NAMES[MINE]]
    page.get_by_role("option", name=NAMES[OTHER]).click()
    page.wait_for_url(f"**ou={OTHER}**", timeout=15_000)
    page.wait_for_selector("#tile-TTHC_DUNG_HAN >> text=95%", timeout=15_000)
    page.goto(f"{site}/chi-tieu?period=202610")  # the choice is remembered
    page.wait_for_selector(".ag-cell[col-id=actual]", timeout=15_000)
    assert page.locator(".unit-picker").inner_text().strip().startswith(NAMES[OTHER])
    shot(page, "units13-district-picker-1920x1080")
    assert page.coc_errors == []
