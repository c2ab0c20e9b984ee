"""The alerts page and the notification settings page in real headless Chromium: a clerk
acknowledges with a comment, assigns and clears by hand; an admin sends a test message
through a Telegram-shaped loopback API. Screenshots in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fixtures_base import new_store, serve_waitress
from fixtures_notify import TELEGRAM_TOKEN, fake_api
from fixtures_web import NOW, PASSWORD, make_settings, needs_chromium, seed, shot

from coc.alerts import lifecycle as lc
from coc.alerts.lifecycle import AlertFilter, AlertSpec
from coc.auth import add_user
from coc.store.db import Store

pytestmark = needs_chromium
ROW = "#alerts-selected label.dash-options-list-option"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Any
) -> Iterator[tuple[str, Store, Any]]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("alerts")
    store = new_store(tmp / "a.sqlite3")
    seed(store, shipped_catalog)  # one open offline alert (cam-02)
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    add_user(store, "lan", PASSWORD, "clerk", name="Nguyễn Thị Lan")
    add_user(store, "quantri", PASSWORD, "admin", name="Quản trị")
    add_user(store, "chutich", PASSWORD, "approver", name="Chủ tịch UBND xã")
    with store.write() as session:
        for subject, severity, hamlet in [
            ("mn", "critical", "Thôn Chương Lộc"),
            ("qlvb", "info", None),
        ]:
            spec = AlertSpec("source_stale", subject, severity, f"Nguồn {subject} chưa cập nhật",
                             hamlet=hamlet)  # fmt: skip
            lc.raise_alert(session, spec, NOW)
    with fake_api("telegram") as (tg_url, tg):
        notify_file = tmp / "notifications.yaml"
        notify_file.write_text(
            "channels:\n"
            f"  - {{name: telegram, type: telegram, api_url: '{tg_url}', token_env: COC_TG_TEST}}\n"
            "routes:\n  - {channel: telegram, recipients: ['-100999']}\n",
            encoding="utf-8",
        )
        settings = make_settings(tmp / "data")
        settings = settings.model_copy(
            update={
                "alerts": settings.alerts.model_copy(
                    update={"notifications_file": str(notify_file)}
                )
            },
            deep=True,
        )
        app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("COC_TG_TEST", TELEGRAM_TOKEN)
            with serve_waitress(app.server) as url:
                yield url, store, tg
    store.dispose()


def log_in(page: Any, url: str, user: str, path: str) -> None:
    page.goto(f"{url}/login?next={path}")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")


def test_clerk_acknowledges_assigns_and_clears(page: Any, site: tuple[str, Store, Any]) -> None:
    url, store, _tg = site
    log_in(page, url, "thuky", "/canh-bao")
    page.wait_for_selector("#alerts-list .alert-item", timeout=15_000)
    page.wait_for_load_state("networkidle")
    messages = page.locator(".alert-message").all_inner_texts()
    # unacknowledged first by severity: critical, warning (offline camera), info
    assert messages[0] == "Nguồn mn chưa cập nhật"
    assert messages[-1] == "Nguồn qlvb chưa cập nhật"
    assert len(messages) == 3
    size = page.locator(".alert-message").first.evaluate("e => getComputedStyle(e).fontSize")
    assert float(size.removesuffix("px")) >= 15
    sev = page.locator(".sev-critical").first
    colours = sev.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]")
    assert colours == ["rgb(255, 255, 255)", "rgb(178, 24, 43)"]  # white on dark red, 6.4:1
    shot(page, "alerts-1920x1080")

    rows = page.locator(ROW)
    rows.nth(0).locator("input").check()
    rows.nth(1).locator("input").check()
    page.fill("#alerts-comment", "Đã báo cán bộ phụ trách")
    page.click("#alerts-ack")
    page.wait_for_selector("#alerts-ok", timeout=15_000)
    assert page.locator("#alerts-ok").inner_text() == "Đã xác nhận 2 cảnh báo."
    # acknowledged ones move after the unacknowledged one
    assert page.locator(".alert-message").first.inner_text() == "Nguồn qlvb chưa cập nhật"
    assert "Đã xác nhận: thuky" in page.locator(".alert-item").nth(1).inner_text()

    page.locator(ROW).nth(1).locator("input").check()
    page.click("#alerts-assignee")
    page.get_by_role("option", name="Nguyễn Thị Lan").click()
    page.wait_for_selector("#alerts-assignee >> text=Nguyễn Thị Lan", timeout=15_000)
    page.keyboard.press("Escape")
    page.click("#alerts-assign")
    page.wait_for_selector("#alerts-ok >> text=Đã giao 1 cảnh báo cho lan.", timeout=15_000)
    assert "Giao cho: lan (bởi thuky" in page.locator(".alert-item").nth(1).inner_text()

    page.locator(ROW).nth(0).locator("input").check()
    page.click("#alerts-clear")  # no reason: refused
    page.wait_for_selector(".message-error", timeout=15_000)
    assert (
        page.locator("#alerts-message").inner_text() == "Cần ghi lý do khi xóa cảnh báo bằng tay."
    )
    page.fill("#alerts-reason", "Đã kết nối lại phần mềm")
    page.click("#alerts-clear")
    page.wait_for_selector("#alerts-ok >> text=Đã xóa 1 cảnh báo.", timeout=15_000)
    assert len(page.locator(ROW).all()) == 2
    shot(page, "alerts-acted-1920x1080")

    with store.session() as session:
        [cleared] = lc.find_alerts(session, AlertFilter(states=("CLEARED_UNACK",)))
        acked = lc.find_alerts(session, AlertFilter(states=("ACTIVE_ACK",)))
    assert (cleared["subject"], cleared["cleared_by"]) == ("qlvb", "thuky")
    assert {a["ack_comment"] for a in acked} == {"Đã báo cán bộ phụ trách"}
    assert [a["assignee"] for a in acked if a["assignee"]] == ["lan"]
    assert page.coc_errors == []


def test_alerts_page_in_english_on_a_phone(browser: Any, site: tuple[str, Store, Any]) -> None:
    url, _store, _tg = site
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    log_in(page, url, "thuky", "/canh-bao?lang=en")
    page.wait_for_selector("#alerts-list", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Alerts and handling"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(page, "alerts-en-390x844")
    context.close()


def test_admin_sends_a_test_message(page: Any, site: tuple[str, Store, Any]) -> None:
    url, _store, tg = site
    log_in(page, url, "quantri", "/thong-bao")
    page.wait_for_selector(".notify-channel", timeout=15_000)
    page.wait_for_load_state("networkidle")
    body = page.locator("body").inner_text()
    assert "Đã đặt mã bí mật" in body and TELEGRAM_TOKEN not in page.content()
    page.fill(".notify-channel input", "-100999")
    page.locator(".notify-channel button").click()
    page.wait_for_selector("#notify-result", timeout=15_000)
    assert page.locator("#notify-result").inner_text() == "telegram: Đã gửi"
    assert [g["body"]["chat_id"] for g in tg.got] == ["-100999"]
    page.wait_for_selector("#notify-deliveries >> text=Thử kênh thông báo của COC", timeout=15_000)
    shot(page, "notify-1920x1080")
    assert page.coc_errors == []


def test_explanation_request_and_its_answer(browser: Any, site: tuple[str, Store, Any]) -> None:
    url, _store, _tg = site
    path = "/chi-tieu/TTHC_DUNG_HAN?period=202611"
    chair = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="vi-VN")
    page = chair.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, url, "chutich", path)
    page.wait_for_selector("#ind-explain", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.locator("#explain-owner").inner_text() == "Người chịu trách nhiệm: —"
    page.click("#explain-owner-pick")
    page.get_by_role("option", name="Nguyễn Thị Lan").click()
    page.wait_for_selector("#explain-owner-pick >> text=Nguyễn Thị Lan", timeout=15_000)
    page.keyboard.press("Escape")
    page.click("#explain-owner-save")
    page.wait_for_selector("#explain-message span", timeout=15_000)
    assert page.locator("#explain-message").inner_text() == "Đã đổi người chịu trách nhiệm."
    page.wait_for_selector("#explain-owner >> text=Nguyễn Thị Lan", timeout=15_000)
    page.fill("#explain-question", "Vì sao tỷ lệ hồ sơ đúng hạn tháng 11 thấp?")
    page.click("#explain-send")
    page.wait_for_selector("#explain-ok", timeout=15_000)
    assert "Chờ giải trình" in page.locator("#explain-list").inner_text()
    assert "Hạn: 27/11/2026" in page.locator("#explain-list").inner_text()  # a week after NOW
    page.goto(f"{url}/giai-trinh")
    page.wait_for_selector("#explain-open .explain-item", timeout=15_000)
    assert "Vì sao tỷ lệ hồ sơ đúng hạn" in page.locator("#explain-open").inner_text()
    chair.close()

    lan = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="vi-VN")
    page = lan.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, url, "lan", path)
    page.wait_for_selector(".explain-box", timeout=15_000)
    page.wait_for_load_state("networkidle")
    page.fill(".explain-box", "Phần mềm một cửa lỗi từ 10 đến 12/11, đã khắc phục.")
    page.locator(".explain-item button").click()
    page.wait_for_selector("#explain-ok", timeout=15_000)
    answer = page.locator(".explain-answer").inner_text()
    assert answer == "Phần mềm một cửa lỗi từ 10 đến 12/11, đã khắc phục."
    assert "Giải trình của Nguyễn Thị Lan" in page.locator("#explain-list").inner_text()
    shot(page, "explain-answered-1920x1080")
    page.goto(f"{url}/giai-trinh")
    page.wait_for_selector("#explain-open", timeout=15_000)
    assert page.locator("#explain-open").inner_text() == "Chưa có yêu cầu giải trình nào."
    lan.close()
    assert errors == []
