"""A citizen's field report in real headless Chromium: sent from a 390×844 phone with a
photo and a place on the offline map (then the phone's GPS), handled by a clerk on the
handling page, and its published answer read back by code on the phone. Screenshots go
to test-artifacts/ (fieldreport-*.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fieldreports_helpers import NAME, PHONE, jpeg_with_exif
from fixtures_base import new_store, serve_waitress, wait_until
from fixtures_web import NOW, PASSWORD, contrast, make_settings, needs_chromium, seed, shot

from coc.auth import add_user
from coc.fieldreports import queries, service

pytestmark = needs_chromium
GPS = {"latitude": 20.8301, "longitude": 105.899}


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Any
) -> Iterator[tuple[str, Any]]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("frbrowser")
    store = new_store(tmp / "b.sqlite3")
    seed(store, shipped_catalog)
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    app = create_app(store, make_settings(tmp / "data"), shipped_catalog, clock=lambda: NOW)
    with serve_waitress(app.server) as url:
        yield url, store
    store.dispose()


@pytest.fixture
def phone(browser: Any, site: tuple[str, Any]) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="vi-VN", geolocation=GPS, permissions=["geolocation"],
    )  # fmt: skip
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    yield tab
    context.close()


def style(page: Any, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


def test_report_from_a_phone_to_its_answer(phone: Any, browser: Any, site: tuple[str, Any]) -> None:
    url, store = site
    phone.goto(f"{url}/phan-anh")
    assert phone.title() == "Phản ánh hiện trường"
    # phone layout: nothing wider than the screen, readable text, touch-sized controls
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert float(style(phone, "#fr-description", "fontSize").rstrip("px")) >= 16
    assert "monospace" not in style(phone, "#fr-description", "fontFamily")
    assert float(style(phone, "label[for=fr-category]", "fontSize").rstrip("px")) >= 16
    assert phone.eval_on_selector("#fr-send", "e => e.getBoundingClientRect().height") >= 44
    send_fg, send_bg = (
        style(phone, "#fr-send", "color"),
        style(phone, "#fr-send", "backgroundColor"),
    )
    assert contrast(send_fg, send_bg) >= 4.5
    assert contrast(style(phone, ".fr-hint", "color"), "rgb(255, 255, 255)") >= 4.5
    trap = phone.locator("#fr-website").bounding_box()  # the honeypot: off screen
    assert trap is None or trap["x"] + trap["width"] <= 0
    shot(phone, "fieldreport-form-phone")

    phone.select_option("#fr-category", "giao_thong")
    phone.fill("#fr-description", "Ổ gà sâu giữa đường trục thôn Hà Vỹ, xe máy đã ngã")
    phone.set_input_files("#fr-photos", [{"name": "IMG_2041.jpg", "mimeType": "image/jpeg",
                                          "buffer": jpeg_with_exif((1600, 1200))}])  # fmt: skip
    assert phone.inner_text("#fr-photo-note") == "Đã chọn 1 ảnh"
    assert not phone.is_visible("#fr-pin")  # no place marked yet
    box = phone.locator("#fr-map").bounding_box()
    phone.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    assert phone.input_value("#fr-location-source") == "map"
    assert phone.is_visible("#fr-pin") and phone.input_value("#fr-lat") != ""
    phone.click("#fr-gps")
    wait_until(lambda: phone.input_value("#fr-location-source") == "gps", timeout=10)
    assert phone.input_value("#fr-lat") == "20.830100"
    assert "Đã đánh dấu vị trí" in phone.inner_text("#fr-location-note")
    phone.select_option("#fr-hamlet", "Thôn Hà Vỹ")
    phone.fill("#fr-name", NAME)
    phone.fill("#fr-phone", PHONE)
    shot(phone, "fieldreport-form-filled")
    phone.click("#fr-send")
    phone.wait_for_selector("#fr-thanks, #fr-error")
    assert not phone.is_visible("#fr-error"), phone.inner_text("#fr-error")
    shown = phone.inner_text("#fr-shown-code")
    assert re.fullmatch(r"PA-[2-9A-Z]{6}", shown)
    assert PHONE not in phone.content() and NAME not in phone.content()
    shot(phone, "fieldreport-sent")
    code = service.normalize_code(shown)
    detail = queries.clerk_detail(store, code)
    assert (detail["lat"], detail["lon"], detail["reporter_phone"]) == (20.8301, 105.899, PHONE)

    clerk = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="vi-VN")
    desk = clerk.new_page()
    desk.goto(f"{url}/login?next=/xu-ly-phan-anh")
    desk.fill("#username", "thuky")
    desk.fill("#password", PASSWORD)
    desk.click("#login-submit")
    desk.wait_for_selector("#fieldreports-code")
    # the grid's rows arrive after the page (a callback): wait for them, then the phone
    wait_until(lambda: PHONE in desk.inner_text("#fieldreports-table"), timeout=30,
               what="the reporter's phone in the clerks' grid")  # fmt: skip

    def choose(dropdown: str, text: str) -> None:
        """Pick an option by typing it; tried again while the options are still loading
        (a busy machine: the list comes from a callback)."""

        def picked() -> bool:
            if text.lower() in desk.inner_text(f"#{dropdown}").lower():
                return True
            desk.click(f"#{dropdown}")
            desk.keyboard.press("Control+A")
            desk.keyboard.type(text)
            desk.keyboard.press("Enter")
            return text.lower() in desk.inner_text(f"#{dropdown}").lower()

        wait_until(picked, timeout=30, interval=0.5, what=f"option {text!r} in #{dropdown}")

    choose("fieldreports-code", shown)
    desk.wait_for_selector("#fieldreports-detail-code")
    answer = "Xã đã vá ổ gà bằng bê tông nhựa, đường đi lại bình thường từ 21/11/2026."
    steps = (("accept", "Tiếp nhận"), ("start", "Bắt đầu"), ("resolve", "Đã xử lý xong"),
             ("answer", "Đăng câu trả lời"))  # fmt: skip
    for action, label in steps:
        choose("fieldreports-action", label)
        if action == "answer":
            desk.fill("#fieldreports-text", answer)
            desk.check("#fieldreports-photos input[type=checkbox]")
        desk.click("#fieldreports-apply")
        want = {"accept": "Đã tiếp nhận", "start": "Đang xử lý", "resolve": "Đã xử lý",
                "answer": "Đã phản hồi"}[action]  # fmt: skip
        wait_until(lambda w=want: w in desk.inner_text("#fieldreports-message"), timeout=15)
    # no SMS channel configured here: the clerk is told the answer was not sent, and why
    assert "không gửi tới người phản ánh: chưa cấu hình kênh SMS" in desk.inner_text(
        "#fieldreports-delivery"
    )
    wait_until(lambda: desk.eval_on_selector(".fr-clerk-photo", "e => e.naturalWidth") > 0)
    shot(desk, "fieldreport-clerk")
    clerk.close()

    phone.goto(f"{url}/phan-anh")
    phone.fill("#fr-code", shown.lower().replace("-", " "))
    phone.click("#fr-lookup-go")
    phone.wait_for_selector("#fr-answer")
    assert phone.inner_text("#fr-answer") == answer
    assert "Đã phản hồi" in phone.inner_text("#fr-facts")
    wait_until(lambda: phone.eval_on_selector(".fr-photo", "e => e.naturalWidth") > 0, timeout=10)
    assert PHONE not in phone.content() and NAME not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "fieldreport-answer")
    assert phone.errors == []


def test_the_form_refuses_too_many_or_too_large_photos_before_upload(
    phone: Any, site: tuple[str, Any]
) -> None:
    """form.js checks the server's limits (3 photos, 8 MB each) when photos are chosen and
    on send: the message is in Vietnamese, nothing is posted until it is fixed."""
    url, store = site
    before = len(queries.clerk_rows(store))
    phone.goto(f"{url}/phan-anh")
    assert not phone.is_visible("#fr-photo-error")
    phone.select_option("#fr-category", "moi_truong")
    phone.fill("#fr-description", "Rác thải đổ trộm ven đường trục thôn Từ Vân")
    small = jpeg_with_exif((400, 300))
    phone.set_input_files("#fr-photos", [
        {"name": f"IMG_{i}.jpg", "mimeType": "image/jpeg", "buffer": small} for i in range(4)
    ])  # fmt: skip
    assert phone.inner_text("#fr-photo-error") == (
        "Chỉ gửi được tối đa 3 ảnh, bạn đã chọn 4 ảnh. Vui lòng bỏ bớt ảnh rồi gửi."
    )
    phone.click("#fr-send")
    assert phone.url == f"{url}/phan-anh" and phone.is_visible("#fr-photo-error")
    shot(phone, "fieldreport-too-many-photos")
    big = small + b"\0" * (9 * 2**20)
    phone.set_input_files("#fr-photos", [{"name": "IMG_9.jpg", "mimeType": "image/jpeg",
                                          "buffer": big}])  # fmt: skip
    assert phone.inner_text("#fr-photo-error").startswith(
        "Ảnh “IMG_9.jpg” nặng 9,0 MB, quá giới hạn 8 MB mỗi ảnh."
    )
    phone.click("#fr-send")
    assert phone.url == f"{url}/phan-anh"
    phone.set_input_files("#fr-photos", [{"name": "IMG_1.jpg", "mimeType": "image/jpeg",
                                          "buffer": small}])  # fmt: skip
    assert not phone.is_visible("#fr-photo-error")
    assert len(queries.clerk_rows(store)) == before
    assert phone.errors == []


def test_map_page_and_wall_screen(page: Any, site: tuple[str, Any]) -> None:
    """The open reports on the map (phone form's report still open) and the wall view at
    1920×1080: tiles readable from across the room, no personal data, no console errors."""
    url, store = site
    from coc.fieldreports.channels import Intake
    from coc.fieldreports.intake import Draft

    intake = Intake.from_settings(store, make_settings(store_dir(store)))
    for i, (lat, lon, cat) in enumerate(((20.8412, 105.9061, "dien_chieu_sang"),
                                         (20.8241, 105.9118, "thien_tai"))):  # fmt: skip
        d = Draft(channel="hotline", category=cat, description=f"Sự cố thử số {i} ở ven đê",
                  lat=lat, lon=lon, phone=PHONE, external_id=f"W-{i}", hamlet="Thôn Từ Vân",
                  received_at=NOW - timedelta(days=10))  # fmt: skip
        assert isinstance(intake._store(d, None, NOW), service.Accepted)
    page.goto(f"{url}/wall?pages=phan-anh&kiosk=1")
    page.wait_for_selector("#fr-map-graph .scatterlayer .point")
    assert page.locator("#fr-map-graph .scatterlayer .point").count() >= 2
    assert float(style(page, "#fr-kpi-open .kpi-value", "fontSize").rstrip("px")) >= 32
    body = page.content()
    assert PHONE not in body and NAME not in body and "Sự cố thử" not in body
    assert "Quá hạn" in page.inner_text("#fr-map-graph")
    shot(page, "fieldreport-wall")
    assert page.coc_errors == []
    page.goto(f"{url}/ban-do-phan-anh")
    page.wait_for_selector("#fr-by-hamlet .bars")
    assert "Thôn Từ Vân" in page.inner_text("#fr-by-hamlet")
    shot(page, "fieldreport-map-page")
    assert page.coc_errors == []


def store_dir(store: Any) -> Any:
    from pathlib import Path

    return Path(store.engine.url.database).parent / "data"
