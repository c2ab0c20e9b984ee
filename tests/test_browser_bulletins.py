"""The bulletins page, the wall strip and the phone approval in real headless Chromium:
a clerk drafts and previews (real espeak-ng audio, its length shown), the chairperson
approves an emergency bulletin in one tap on a 390×844 screen, the delivery map follows
the clusters' reports, and the wall shows what is on air. Screenshots in test-artifacts/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from fixtures_base import needs, new_store, serve_waitress, wait_until
from fixtures_web import NOW, PASSWORD, contrast, make_settings, needs_chromium, seed, shot
from sqlmodel import select

from coc.api import PREFIX, create_blueprint
from coc.auth import add_user
from coc.bulletins.content import voice_bulletin
from coc.bulletins.dispatch import run_round
from coc.bulletins.reports import apply_reports
from coc.bulletins.workflow import Draft, approve, create, get
from coc.devices.registry import sync_devices
from coc.ingest.messages import DeliveryReport
from coc.store.db import Store
from coc.store.models import Device

pytestmark = [
    *needs_chromium,
    needs(bool(shutil.which("espeak-ng") and shutil.which("sox")), "espeak-ng/sox needed"),
]
URGENT = "Khẩn cấp: nước sông Hồng lên nhanh, bà con ven sông di chuyển đến nơi an toàn."


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Any) -> Iterator[Any]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("bulletins")
    store = new_store(tmp / "b.sqlite3")
    seed(store, shipped_catalog)
    settings = make_settings(tmp / "data")
    sync_devices(store, settings)
    with store.write() as s:
        for device in s.exec(select(Device).where(Device.kind == "speaker")):
            device.online = device.device_id != "loa-06"
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    add_user(store, "chutich", PASSWORD, "approver", name="Chủ tịch xã")
    app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
    app.server.register_blueprint(
        create_blueprint(store, settings, shipped_catalog), url_prefix=PREFIX
    )  # the audio is served by the API
    with serve_waitress(app.server) as url:
        yield url, store, settings
    store.dispose()


def log_in(page: Any, url: str, user: str, next_path: str) -> None:
    page.goto(f"{url}/login?next={next_path}")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("networkidle")


def style(page: Any, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


def test_clerk_drafts_previews_and_saves(page: Any, served: Any) -> None:
    url, _store, _settings = served
    log_in(page, url, "thuky", "/ban-tin")
    page.wait_for_selector("#bulletins-title", timeout=15_000)
    page.fill("#bulletins-title", "Lịch tiêm chủng tháng 12")
    page.fill("#bulletins-text", "Trạm y tế xã thông báo lịch tiêm chủng cho trẻ em dưới năm tuổi.")
    page.click("#bulletins-preview")
    page.wait_for_selector("#bulletins-duration", timeout=15_000)
    duration = page.locator("#bulletins-duration").inner_text()
    assert duration.startswith("Thời lượng: ") and duration.endswith(" giây")
    src = page.get_attribute("#bulletins-audio-el", "src")
    assert src and src.startswith("/api/v1/bulletins/audio/") and src.endswith(".ogg")
    assert page.request.get(url + src).headers["content-type"] == "audio/ogg"
    page.fill("#bulletins-end", "99/99/2026")
    page.locator("#bulletins-kind label", has_text="Hằng ngày").click()
    page.click("#bulletins-save")
    page.wait_for_selector("#bulletins-error", timeout=15_000)
    assert "ngày kết thúc phải có dạng dd/mm/yyyy" in page.locator("#bulletins-error").inner_text()
    page.locator("#bulletins-kind label", has_text="Phát ngay khi duyệt").click()
    page.fill("#bulletins-end", "")
    page.click("#bulletins-save")
    page.wait_for_selector("#bulletins-ok", timeout=15_000)
    assert "chờ chủ tịch duyệt" in page.locator("#bulletins-ok").inner_text()
    page.wait_for_selector("#bulletins-awaiting .bulletin-item", timeout=15_000)
    assert "Lịch tiêm chủng tháng 12" in page.locator("#bulletins-awaiting").inner_text()
    assert page.locator("#bulletins-awaiting").inner_text().count("Đăng nhập để duyệt") == 1
    shot(page, "bulletins-clerk-1920x1080")
    assert page.coc_errors == []


def test_chairperson_approves_an_emergency_on_a_phone(browser: Any, served: Any) -> None:
    url, store, settings = served
    bid = create(store, Draft(title="Cảnh báo lũ sông Hồng", text=URGENT, priority="khan_cap",
                              target_kind="hamlets", targets=("Thôn Chương Lộc",)),
                 "hệ thống", "10237", NOW)  # fmt: skip
    voice_bulletin(store, settings, bid, "hệ thống")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN",
                                  is_mobile=True, has_touch=True)  # fmt: skip
    phone = context.new_page()
    log_in(phone, url, "chutich", "/ban-tin")
    button = f"#bulletin-{bid} .btn-urgent"
    phone.wait_for_selector(button, timeout=15_000)
    assert phone.locator(button).inner_text() == "Duyệt phát ngay"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    box = phone.locator(button).bounding_box()
    assert box["height"] >= 44 and box["width"] >= 280  # thumb-sized, the card's full width
    assert float(style(phone, button, "fontSize")[:-2]) >= 16
    assert contrast(style(phone, button, "color"), style(phone, button, "backgroundColor")) >= 4.5
    assert float(style(phone, f"#bulletin-{bid} .bulletin-text", "fontSize")[:-2]) >= 15
    shot(phone, "bulletins-phone-390x844-before")
    phone.tap(button)
    wait_until(lambda: get(store, bid, NOW).status == "approved", 15)
    phone.wait_for_selector("text=Đã duyệt: bản tin sẽ được phát.", timeout=15_000)
    assert get(store, bid, NOW).approved_by == "chutich"
    shot(phone, "bulletins-phone-390x844-approved")
    context.close()


def report(store: Store, bid: str, device: str, state: str, ms: int) -> None:
    with store.write_conn() as conn:
        apply_reports(conn, [DeliveryReport(device, bid, state, ms)])


def test_live_delivery_map_and_wall_strip(page: Any, served: Any) -> None:
    url, store, settings = served
    bid = create(store, Draft(title="Thông báo họp dân", text="Mời bà con dự họp dân cư.",),
                 "thuky", "10237", NOW)  # fmt: skip
    voice_bulletin(store, settings, bid, "thuky")
    urgent = create(store, Draft(title="Nước lên", text=URGENT, priority="khan_cap",
                                 target_kind="clusters", targets=("loa-03",)),
                    "thuky", "10237", NOW)  # fmt: skip
    voice_bulletin(store, settings, urgent, "thuky")
    approve(store, urgent, "chutich", "approver", NOW)
    approve(store, bid, "chutich", "approver", NOW)
    sent = run_round(store, settings, NOW, lambda _t, _p: True)
    # loa-06 is offline; loa-03 is busy with the emergency
    assert {c.device_id for c in sent if c.payload["bulletin"] == bid} == {
        "loa-01", "loa-02", "loa-04", "loa-05"}  # fmt: skip
    ms = int(NOW.timestamp() * 1000)
    report(store, bid, "loa-01", "done", ms + 5000)
    report(store, bid, "loa-02", "playing", ms + 1000)
    report(store, bid, "loa-04", "failed", ms + 1000)
    page.goto(f"{url}/ban-tin?b={bid}&refresh=5")
    page.wait_for_selector("#bulletins-map .scatterlayer", timeout=15_000)
    page.wait_for_load_state("networkidle")
    legend = page.locator("#bulletins-map .legend").text_content()
    for word in ("Đã phát xong", "Đang phát", "Lỗi", "Đã gửi lệnh", "Đang chờ gửi"):
        assert word in legend, legend
    table = page.locator("#bulletins-live").inner_text()
    assert "Thông báo họp dân" in table and "Cụm loa thôn Hà Vỹ" in table
    shot(page, "bulletins-map-1920x1080")
    report(store, bid, "loa-02", "done", ms + 9000)  # the page follows without a reload
    legend = page.locator("#bulletins-map .legend")
    wait_until(lambda: "Đang phát" not in legend.text_content(), 20, what="loa-02 done on the map")
    report(store, bid, "loa-05", "playing", ms + 9000)
    page.goto(f"{url}/wall?kiosk=1&period=202611")
    page.wait_for_selector("#wall-bulletins .on-air", timeout=15_000)
    strip = page.locator("#wall-bulletins .on-air").inner_text()
    assert "Đang phát: Thông báo họp dân — 1 cụm loa" in strip
    assert float(style(page, "#wall-bulletins .on-air", "fontSize")[:-2]) >= 18
    shot(page, "wall-bulletins-1920x1080")
    assert page.coc_errors == []


def test_emergency_is_approved_in_one_click_on_the_wall(page: Any, served: Any) -> None:
    url, store, settings = served
    bid = create(store, Draft(title="Sạt lở bờ sông", text=URGENT, priority="khan_cap"),
                 "hệ thống", "10237", NOW)  # fmt: skip
    voice_bulletin(store, settings, bid, "hệ thống")
    page.goto(f"{url}/wall?kiosk=1&period=202611")
    page.wait_for_selector("#wall-bulletins .urgent", timeout=15_000)
    strip = page.locator("#wall-bulletins .urgent")
    assert "Bản tin khẩn cấp chờ duyệt: Sạt lở bờ sông" in strip.inner_text()
    assert strip.locator("a", has_text="Đăng nhập để duyệt").count() == 1  # not logged in
    log_in(page, url, "chutich", "/wall?kiosk=1&period=202611")
    page.wait_for_selector("#wall-bulletins .btn-urgent", timeout=15_000)
    shot(page, "wall-urgent-approval-1920x1080")
    page.locator("#wall-bulletins .btn-urgent").first.click()
    wait_until(lambda: get(store, bid, NOW).status == "approved", 15)
    assert get(store, bid, NOW).approved_by == "chutich"
    page.goto(f"{url}/ban-tin?lang=en")
    page.wait_for_selector("#bulletins-history-card .ag-row", timeout=15_000)
    text = page.locator("#bulletins-history-card").inner_text()
    assert "Bulletin history" in text and "Emergency" in text and "Approved" in text
    assert page.coc_errors == []
