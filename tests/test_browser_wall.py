"""The wall screen measured in real Chromium at 1920×1080: every wall page fits without
scrolling, type is large enough to read from 3 m, text contrast is at least 4.5:1, the
ticker shows every open alert in turn, and more indicators make more pages, not scrolling.

Sizes, colours and boxes are read from Chromium's computed style and layout (MEASURE).
Screenshots go to test-artifacts/wall-*.png.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fixtures_base import SHIPPED_CATALOG, new_store, serve_waitress
from fixtures_web import NOW, ORG, make_settings, needs_chromium, seed, shot, write_levels

from coc.config import SourceSettings
from coc.devices.alerts import evaluate_offline, load_rules
from coc.indicators.catalog import Catalog, load_catalog, sync_catalog
from coc.indicators.engine import Engine
from coc.ingest.writers import write_values
from coc.store.models import Device
from dashboards.views.wall import PAGE_CELLS

pytestmark = needs_chromium

# JavaScript run in the page: every visible text run with its size and contrast against the
# first opaque background behind it, the boxes that leave the viewport, clipped tiles.
MEASURE = """() => {
  const root = document.getElementById('wall-root');
  const rgba = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(',').map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c[3] >= 0.5) return c;
    }
    return [255, 255, 255, 1];
  };
  const texts = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    const svg = el instanceof SVGElement;
    const fg = rgba(svg ? style.fill : style.color);
    if (!fg || fg[3] === 0) continue;
    const bg = behind(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    texts.push({text: text.slice(0, 60), size: parseFloat(style.fontSize), svg,
                ratio: (hi + 0.05) / (lo + 0.05),
                cls: String(el.className.baseVal ?? el.className)});
  }
  const off = [];
  const blocks = root.querySelectorAll(
    '#wall-body > *, .wall-content > *, .wall-columns > *, .wall-col > *, .tile, .card, '
    + '.kpi, .wall-table-box, .js-plotly-plot, .pillar-cell, .wall-count');
  for (const el of blocks) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.left < -0.5)
      off.push(`${el.id || el.className}: ${Math.round(r.left)},${Math.round(r.top)}`
               + `–${Math.round(r.right)},${Math.round(r.bottom)}`);
  }
  const clipped = [...root.querySelectorAll('.tile, .card, .wall-kind')]
    .filter((el) => el.scrollHeight > el.clientHeight + 1)
    .map((el) => `${el.id || el.className} ${el.scrollHeight}>${el.clientHeight}`);
  const cut = [...root.querySelectorAll('.tile-name')]
    .filter((el) => el.scrollHeight > el.clientHeight + 1).map((el) => el.textContent);
  const px = (sel) => [...root.querySelectorAll(sel)]
    .map((e) => parseFloat(getComputedStyle(e).fontSize));
  const doc = document.scrollingElement;
  return {texts, off, clipped, cut,
          scroll: [doc.scrollHeight, doc.clientHeight, doc.scrollWidth, doc.clientWidth,
                   root.scrollHeight, root.clientHeight, root.scrollWidth, root.clientWidth],
          names: px('.tile-name'), values: px('.tile-actual'), words: px('.tile .status-word')};
}"""

MIN_TEXT_PX = 20  # any HTML text on a wall page
MIN_CHART_PX = 16  # text inside a chart (SVG)


def _offline(store: Any, device_id: str, kind: str, name: str) -> None:
    with store.write() as session:
        session.add(
            Device(device_id=device_id, org_unit=ORG, kind=kind, name=name, online=False,
                   state="offline", last_seen=NOW, state_since=NOW - timedelta(hours=2))
        )  # fmt: skip


def _settings(tmp: Path) -> Any:
    """Three configured sources; tthc and reporting never pulled: two stale warnings."""
    settings = make_settings(tmp / "data")
    sources = [
        SourceSettings(name=n, kind=n, url="http://127.0.0.1:9")
        for n in ("documents", "tthc", "reporting")
    ]
    return settings.model_copy(update={"sources": sources})


@pytest.fixture(scope="module")
def wall_url(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Catalog) -> Iterator[str]:
    """The seeded commune (fixtures_web) with three open alerts and three stale sources."""
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("wall")
    store = new_store(tmp / "w.sqlite3")
    seed(store, shipped_catalog)
    _offline(store, "cam-09", "camera", "Camera bến đò")
    _offline(store, "loa-09", "speaker", "Cụm loa thôn Tự Nhiên")
    assert evaluate_offline(store, load_rules(make_settings(tmp)).offline, now=NOW) == 2
    write_levels(store, NOW - timedelta(hours=1), [3.0 + i / 10 for i in range(12)])
    app = create_app(store, _settings(tmp), shipped_catalog, clock=lambda: NOW)
    with serve_waitress(app.server) as url:
        yield url
    store.dispose()


def _busy(store: Any) -> None:
    """Far more than a screen of everything: 30 overdue and 30 unsigned documents, 30 late
    dossiers, 20 offline cameras (20 alerts), 16 live sensor values."""
    from coc.ingest.messages import Reading, Telemetry
    from coc.ingest.writers import write_records
    from sensors.writer import Batch, Item, write_batch

    docs = [
        {"id": f"VB-BAN-{d}-{i}", "direction": d, "number": f"{500 + i}", "symbol": "UBND",
         "summary": f"Văn bản số {i} về việc triển khai chuyển đổi số trên địa bàn xã",
         "issued_date": "2026-11-05T09:00:00+07:00", "received_date": "2026-11-05T09:00:00+07:00",
         "deadline": "2026-11-08T17:00:00+07:00", "status": "processing", "signed": False,
         "electronic": True}
        for i in range(30) for d in ("in", "out")
    ]  # fmt: skip
    write_records(store, "document", docs, ORG, source="documents")
    dossiers = [
        {"MaTTHC": "1.001612", "TenTTHC": "Đăng ký khai sinh", "TrangThaiHoSo": 4,
         "HoSoCoThanhPhanSoHoa": 1, "MaHoSo": f"000.00.23.H26-261101-{100 + i:04d}",
         "KenhThucHien": 1, "NgayTiepNhan": "20261102080000", "NgayHenTra": "20261105170000",
         "ChuHoSo": f"Người dân {i}"}
        for i in range(30)
    ]  # fmt: skip
    write_records(store, "dossier", dossiers, ORG, source="tthc")
    for i in range(20):
        _offline(store, f"cam-b{i:02d}", "camera", f"Camera thôn số {i} đường liên xã")
    with store.write() as session:
        for i in range(8):
            session.add(
                Device(device_id=f"nd-b{i}", org_unit=ORG, kind="sensor", name=f"Nhiệt độ thôn {i}",
                       sensor_type="temperature", unit="°C", online=True, state="online",
                       last_seen=NOW)
            )  # fmt: skip
    ms = int(NOW.timestamp() * 1000)
    batch = Batch()
    for i in range(8):
        values = (
            Reading(f"nd-b{i}", "temperature", ms, 28.5),
            Reading(f"nd-b{i}", "humidity", ms, 80.0),
        )
        batch.add(Item(f"coc/{ORG}/sensor/nd-b{i}/telemetry", b"", Telemetry(values), ms))
    write_batch(store, batch, ORG)


@pytest.fixture(scope="module")
def busy_url(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Catalog) -> Iterator[str]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("busy")
    store = new_store(tmp / "b.sqlite3")
    seed(store, shipped_catalog)
    _busy(store)
    assert evaluate_offline(store, load_rules(make_settings(tmp)).offline, now=NOW) == 20
    Engine(shipped_catalog).refresh(store, ORG, ["202611"], now=NOW)
    app = create_app(store, _settings(tmp), shipped_catalog, clock=lambda: NOW)
    with serve_waitress(app.server) as url:
        yield url
    store.dispose()


@pytest.mark.parametrize("slug", ["tong-quan", "thu-tuc", "van-ban", "cam-bien", "thiet-bi"])
def test_a_busy_commune_still_fits_every_wall_page(page, busy_url, slug):
    m = _open(page, f"{busy_url}/wall?kiosk=1&period=202611&pages={slug}")
    shot(page, f"wall-busy-{slug}")
    _check(m)
    if slug != "tong-quan":  # every list was cut to the screen and says how much is left
        assert page.locator(".wall-more").count() == {"van-ban": 2, "cam-bien": 2}.get(slug, 1)
    if slug == "cam-bien":  # each metric in its own unit and words: humidity is %, not °C
        assert page.locator("#live-nd-b0-humidity .tile-actual").inner_text() == "80%"
        assert page.locator("#live-nd-b0-humidity .tile-name").inner_text() == "Độ ẩm"
        assert page.locator("#live-nd-b0-temperature .tile-actual").inner_text() == "28,5 °C"
    assert page.coc_errors == []


def _open(page: Any, url: str) -> dict[str, Any]:
    page.goto(url)
    page.wait_for_selector("#wall-body > *", timeout=15_000)
    page.wait_for_load_state("networkidle")
    for graph in page.locator(".js-plotly-plot").all():
        graph.locator(".main-svg").first.wait_for(timeout=15_000)
    return page.evaluate(MEASURE)


def _check(m: dict[str, Any]) -> None:
    doc_h, doc_ch, doc_w, doc_cw, root_h, root_ch, root_w, root_cw = m["scroll"]
    assert doc_h <= doc_ch and doc_w <= doc_cw, f"the page scrolls: {m['scroll']}"
    assert root_h <= root_ch and root_w <= root_cw, f"the wall scrolls: {m['scroll']}"
    assert m["off"] == [], f"boxes off screen: {m['off']}"
    assert m["clipped"] == [], f"content cut off inside: {m['clipped']}"
    small = [x for x in m["texts"] if x["size"] < (MIN_CHART_PX if x["svg"] else MIN_TEXT_PX)]
    assert small == [], f"text too small to read from 3 m: {small[:5]}"
    low = [x for x in m["texts"] if x["ratio"] < 4.5]
    assert low == [], f"contrast below 4.5:1: {low[:5]}"
    assert len(m["texts"]) > 10  # the page did render its text


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_overview_page_fits_with_large_type(page, wall_url, shipped_catalog, lang):
    """Page after page of the playlist until every indicator's tile has been shown once."""
    seen: set[str] = set()
    subtitles = []
    for part in range(10):
        m = _open(page, f"{wall_url}/wall?kiosk=1&period=202611&i={part}&lang={lang}")
        assert page.locator("#wall-root").get_attribute("data-part") == str(part)
        shot(page, f"wall-overview-{lang}-{part + 1}")
        _check(m)
        assert m["names"] and min(m["names"]) >= 24
        assert min(m["values"]) >= 48 and min(m["words"]) >= 22
        assert m["cut"] == [], f"tile names cut short: {m['cut']}"
        ids = page.locator("#wall-tiles .tile").evaluate_all("els => els.map(e => e.id)")
        assert not seen & set(ids)  # no tile twice
        seen |= set(ids)
        subtitles.append(page.locator(".wall-sub").inner_text())
        if len(seen) == len(shipped_catalog.with_targets):
            break
    assert seen == {f"tile-{i.code}" for i in shipped_catalog.with_targets}
    assert len(subtitles) >= math.ceil(len(seen) / PAGE_CELLS)
    for k, text in enumerate(subtitles):
        word = "Trang" if lang == "vi" else "Page"
        assert f"{word} {k + 1}{'/' if lang == 'vi' else ' of '}{len(subtitles)}" in text
    assert page.coc_errors == []


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("slug", ["thu-tuc", "van-ban", "cam-bien", "thiet-bi"])
def test_every_other_wall_page_fits_with_large_type(page, wall_url, slug, lang):
    m = _open(page, f"{wall_url}/wall?kiosk=1&period=202611&pages={slug}&lang={lang}")
    assert page.locator("#wall-root").get_attribute("data-page") == slug
    shot(page, f"wall-{slug}-{lang}")
    _check(m)
    assert page.coc_errors == []


def test_device_counts_are_red_unless_all_online(page, wall_url):
    _open(page, f"{wall_url}/wall?kiosk=1&period=202611")
    camera = page.locator("#wall-count-camera")
    assert camera.inner_text() == "Camera hoạt động: 1/3"
    colour = camera.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(179, 38, 30)"  # red: 2 of 3 cameras are offline
    assert "wall-count-bad" in camera.get_attribute("class")


def test_ticker_cycles_through_every_open_alert_and_stale_source(page, wall_url):
    page.clock.install()
    _open(page, f"{wall_url}/wall?kiosk=1&period=202611&pages=thu-tuc")  # one step: no rotation
    ticker = page.locator("#wall-ticker")
    n = int(ticker.get_attribute("data-count"))
    assert n == 5  # three offline devices; two sources that never pulled (documents did)
    shown = []
    for _ in range(n):
        shown.append(page.locator("#wall-ticker .ticker-item.active").inner_text())
        assert page.locator("#wall-ticker .ticker-item:visible").count() == 1
        page.clock.run_for(8_000)  # assets/wall.js: the next alert every 8 s
    assert len(set(shown)) == n, shown
    assert any("Camera ngã ba" in s for s in shown) and any("Camera bến đò" in s for s in shown)
    assert any("Hệ thống báo cáo" in s for s in shown)  # a source in words, not its id
    assert all(f"/{n}" in s for s in shown)
    # the stale sources are one line in the header, never a block pushing the tiles down
    assert page.locator("#wall-stale").inner_text() == "⚠ 2 nguồn dữ liệu chưa cập nhật"
    _check(page.evaluate(MEASURE))


def _big_catalog(tmp: Path, n: int) -> Path:
    """The shipped catalog plus reported indicators up to `n` with targets."""
    raw = yaml.safe_load(SHIPPED_CATALOG.read_text(encoding="utf-8"))
    have = len(load_catalog(SHIPPED_CATALOG).with_targets)
    pillars = list(raw["pillars"])
    for k in range(n - have):
        raw["indicators"].append(
            {"code": f"CT_THEM_{k + 1:02d}", "name_vi": f"Chỉ tiêu bổ sung số {k + 1} của xã",
             "name_en": f"Extra indicator {k + 1}", "pillar": pillars[k % len(pillars)],
             "unit": "%", "source": "reporting", "formula": {"type": "element"},
             "formula_vi": "Số liệu báo cáo", "formula_en": "Reported value", "target": 90}
        )  # fmt: skip
    path = tmp / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_sixty_indicators_make_more_pages_not_scrolling(page, tmp_path):
    from dashboards.app import create_app

    catalog = load_catalog(_big_catalog(tmp_path, 60))
    assert len(catalog.with_targets) == 60
    store = new_store(tmp_path / "big.sqlite3")
    sync_catalog(store, catalog, ORG, [2026])
    values = [
        {"code": f"CT_THEM_{k:02d}", "period": "202611", "value": 50 + k} for k in range(1, 24)
    ]
    write_values(store, catalog, values, ORG, source="reporting")
    Engine(catalog).refresh(store, ORG, ["202611"], now=NOW)
    app = create_app(store, make_settings(tmp_path / "data"), catalog, clock=lambda: NOW)
    seen: set[str] = set()
    with serve_waitress(app.server) as url:
        for part in range(12):
            m = _open(page, f"{url}/wall?kiosk=1&period=202611&i={part}")
            shot(page, f"wall-60-indicators-{part + 1}")
            _check(m)
            assert min(m["names"]) >= 24 and min(m["values"]) >= 48
            ids = set(page.locator("#wall-tiles .tile").evaluate_all("e => e.map(x => x.id)"))
            if ids <= seen:
                break  # back at the first page
            seen |= ids
    store.dispose()
    assert len(seen) == 60
    assert part >= math.ceil(60 / PAGE_CELLS)  # pages visited before coming back to the first
    assert page.coc_errors == []
