"""The wall screen through the calendar, in real Chromium: the sample commune generated for
the 1st, the 10th and the 28th of a month, the server's clock frozen on that day. At least
90 % of the tiles whose indicator has any data show a value, each with its period (the
page's, or its own label when older), and nothing is "no data" merely because a new month
began or the reporting system lags."""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import ROOT, new_store, serve_waitress
from fixtures_web import make_settings, needs_chromium, shot

from coc.indicators.catalog import Catalog, sync_catalog
from coc.indicators.engine import Engine
from coc.ingest.writers import write_records, write_values
from coc.periods import recent_months, with_enclosing
from coc.timeutil import VN_TZ

pytestmark = needs_chromium
OU = "10237"
_spec = importlib.util.spec_from_file_location("sample_gen", ROOT / "sample_data" / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

# the day, and the page's default period that day (the latest complete month)
DAYS = [(date(2026, 12, 1), "202611"), (date(2026, 12, 10), "202611"),
        (date(2026, 12, 28), "202611")]  # fmt: skip


@pytest.fixture(scope="module", params=DAYS, ids=lambda d: d[0].isoformat())
def commune(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    shipped_catalog: Catalog,
) -> Iterator[tuple[str, str, Path, date]]:  # fmt: skip
    from dashboards.app import create_app

    day, period = request.param
    now = datetime(day.year, day.month, day.day, 9, 0, tzinfo=VN_TZ).astimezone(UTC)
    tmp = tmp_path_factory.mktemp(f"cal-{day:%Y%m%d}")
    db = tmp / "c.sqlite3"
    store = new_store(db)
    sync_catalog(store, shipped_catalog, OU, [day.year - 1, day.year])
    files = {n: json.loads(t) for n, t in generate.build(day).items()}
    for name, kind in (("documents.json", "document"), ("work_files.json", "work_file"),
                       ("dossiers.json", "dossier")):  # fmt: skip
        write_records(store, kind, files[name], OU, source="sample")
    write_values(store, shipped_catalog, files["reporting.json"], OU, source="reporting")
    Engine(shipped_catalog).refresh(store, OU, with_enclosing(recent_months(now)), now=now)
    app = create_app(store, make_settings(tmp / "data"), shipped_catalog, clock=lambda: now)
    with serve_waitress(app.server) as url:
        yield url, period, db, day
    store.dispose()


def _codes_with_data(db: Path, period: str, catalog: Catalog) -> set[str]:
    """Indicators with any value in the 12 months up to the page's period."""
    months = recent_months(datetime(int(period[:4]), int(period[4:]), 15, tzinfo=UTC), 13)
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT DISTINCT indicator_code FROM data_value WHERE deleted = 0 AND value IS NOT "
            f"NULL AND period IN ({','.join('?' * len(months))})",
            months,
        ).fetchall()
    wanted = {i.code for i in catalog.with_targets}
    return {c for (c,) in rows if c in wanted}


def _has_value(db: Path, code: str, period: str) -> bool:
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT 1 FROM data_value WHERE indicator_code = ? AND period = ? AND deleted = 0",
            (code, period),
        ).fetchone()
    return row is not None


def test_wall_shows_values_with_their_period(
    page: Any, commune: tuple[str, str, Path, date], shipped_catalog: Catalog
) -> None:
    url, period, db, day = commune
    tiles: list[Any] = []
    for part in range(len(shipped_catalog.with_targets)):  # the wall's pages, in turn
        # no ?period=: the default must not be the empty month
        page.goto(f"{url}/wall?kiosk=1&i={part}")
        page.wait_for_selector("#wall-tiles .tile", timeout=30_000)
        page.wait_for_load_state("networkidle")
        if part and page.locator("#wall-root").get_attribute("data-part") == "0":
            break  # back at the first page
        heading = page.locator(".wall-sub").inner_text()
        assert f"Tháng {period[4:]}/{period[:4]}" in heading and "đến ngày" not in heading
        if part == 0:
            shot(page, f"wall-calendar-{day:%Y%m%d}")
        tiles += page.eval_on_selector_all(
            "#wall-tiles .tile",
            """ts => ts.map(t => [t.id.replace('tile-', ''),
                    t.querySelector('.tile-actual').innerText.trim(),
                    (t.querySelector('.tile-period') || {innerText: ''}).innerText.trim(),
                    t.querySelector('.status-word').innerText.trim()])""",
        )
    with_data = _codes_with_data(db, period, shipped_catalog)
    shown = {code: (actual, label) for code, actual, label, _ in tiles if actual != "—"}
    assert len(with_data) >= 30
    assert len(set(shown) & with_data) >= 0.9 * len(with_data), sorted(with_data - set(shown))
    for code, (_actual, label) in shown.items():
        if label:  # "Số liệu T10/2026": an older value, labelled with its own period
            m = re.fullmatch(r"Số liệu T(\d{2})/(\d{4})", label)
            assert m, (code, label)
            own = f"{m.group(2)}{m.group(1)}"
            assert own < period and _has_value(db, code, own), (code, label)
        else:
            assert _has_value(db, code, period), code
    # reporting-system figures lag: before the 21st their latest month is two months back
    reporting = {c for c in shown if shipped_catalog.get(c).source == "reporting"}
    labels = {shown[c][1] for c in reporting}
    expected = "Số liệu T10/2026" if day.day <= 20 else ""
    assert labels == {expected}, labels
    assert page.coc_errors == []


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Catalog):
    """The small seeded commune seen on 02/12/2026 09:00, one figure breaking a rule."""
    from fixtures_web import PASSWORD, seed

    from coc.auth import add_user
    from dashboards.app import create_app

    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    tmp = tmp_path_factory.mktemp("cal-small")
    store = new_store(tmp / "s.sqlite3")
    seed(store, shipped_catalog)
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    ocop = [{"code": "SO_SP_OCOP_TREN_MANG", "period": "202611", "value": 12},
            {"code": "SO_SP_OCOP", "period": "202611", "value": 5}]  # fmt: skip
    write_values(store, shipped_catalog, ocop, OU, source="reporting")
    Engine(shipped_catalog).refresh(store, OU, ["202611"], now=now)
    app = create_app(store, make_settings(tmp / "data"), shipped_catalog, clock=lambda: now)
    with serve_waitress(app.server) as url:
        yield url
    store.dispose()


def test_chosen_period_survives_drill_down_and_back(page: Any, small_server: str) -> None:
    page.goto(f"{small_server}/chi-tieu")
    picker = page.locator("#indicators-period-bar .period-picker")
    picker.wait_for(timeout=30_000)
    assert "Tháng 11/2026" in picker.inner_text()  # the default on 02/12
    picker.click()
    page.get_by_role("option", name="Tháng 10/2026").click()
    page.wait_for_url("**/chi-tieu?period=202610", timeout=15_000)
    page.wait_for_selector(".ag-row", timeout=30_000)
    page.get_by_role("link", name="Tỷ lệ người dân từ 15 tuổi có tài khoản thanh toán").click()
    page.wait_for_url("**/chi-tieu/TK_THANH_TOAN?period=202610", timeout=15_000)
    title = page.locator("#ind-title")
    title.wait_for(timeout=15_000)
    assert title.inner_text().endswith("Tháng 10/2026")
    shot(page, "indicator-period-kept")
    page.go_back()
    page.wait_for_url("**/chi-tieu?period=202610", timeout=15_000)
    page.locator("#indicators-period-bar .period-picker").wait_for(timeout=15_000)
    assert "Tháng 10/2026" in page.locator("#indicators-period-bar .period-picker").inner_text()
    page.goto(f"{small_server}/chi-tieu?period=2026-13")
    error = page.locator("#indicators-period-error")
    error.wait_for(timeout=15_000)
    assert "2026-13" in error.inner_text() and error.is_visible()
    assert page.coc_errors == []


def test_clerk_sees_the_flag_and_confirms_it(page: Any, small_server: str) -> None:
    from fixtures_web import PASSWORD

    page.goto(f"{small_server}/login?next=/can-kiem-tra")
    page.fill("#username", "thuky")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#check-list .check-flag", timeout=30_000)
    page.wait_for_load_state("networkidle")  # Dash has registered its callbacks
    card = page.locator("#check-list .check-flag").first
    assert "(12 > 5)" in card.inner_text()
    shot(page, "check-list")
    card.get_by_role("button", name="Xác nhận số liệu đúng").click()
    page.wait_for_selector("#check-empty", timeout=15_000)
    assert "Đã xác nhận" in page.locator("#check-message").inner_text()
    assert page.coc_errors == []
