"""The month approval page in real headless Chromium: the chairperson approves and
un-approves a month (1920×1080); a clerk marks a month complete on a phone (390×844),
checked for overflow, font sizes and contrast from computed styles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fixtures_base import new_store, serve_waitress
from fixtures_web import NOW, PASSWORD, contrast, make_settings, needs_chromium, seed, shot
from sqlalchemy import select

from coc.auth import add_user
from coc.store.models import AuditLog, DataApproval

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Any) -> Iterator[Any]:
    from dashboards.app import create_app

    tmp = tmp_path_factory.mktemp("browser-approval")
    store = new_store(tmp / "a.sqlite3")
    seed(store, shipped_catalog)
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    add_user(store, "chutich", PASSWORD, "approver", name="Chủ tịch xã")
    app = create_app(store, make_settings(tmp / "data"), shipped_catalog, clock=lambda: NOW)
    with serve_waitress(app.server) as url:
        yield url, store
    store.dispose()


def log_in(page: Any, url: str, user: str, then: str) -> None:
    page.goto(f"{url}/login?next={then}")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#approval-months", timeout=15_000)
    page.wait_for_load_state("networkidle")


def test_chairperson_approves_and_unapproves_a_month(page, site):
    url, store = site
    log_in(page, url, "chutich", "/phe-duyet")
    october = page.locator("#approval-month-202610")
    assert page.locator("#approval-state-202610").inner_text() == "Chờ phê duyệt"
    october.get_by_role("button", name="Phê duyệt", exact=True).click()
    page.wait_for_selector("#approval-ok", timeout=15_000)
    assert page.locator("#approval-ok").inner_text() == "Đã phê duyệt Tháng 10/2026."
    state = page.locator("#approval-state-202610").inner_text()
    assert state.startswith("Đã phê duyệt bởi chutich lúc ") and state.endswith("20/11/2026")
    shot(page, "approval-approved-1920x1080")
    october.get_by_role("button", name="Hủy phê duyệt", exact=True).click()
    page.wait_for_selector("#approval-error", timeout=15_000)
    assert page.locator("#approval-error").inner_text() == "cần ghi lý do hủy phê duyệt"
    october.locator(".approval-reason input").fill("Sửa số hộ theo rà soát")
    october.get_by_role("button", name="Hủy phê duyệt", exact=True).click()
    page.wait_for_selector("#approval-ok", timeout=15_000)
    page.wait_for_function(
        "document.querySelector('#approval-state-202610').innerText === 'Chờ phê duyệt'"
    )
    assert "Lần hủy phê duyệt gần nhất: Sửa số hộ theo rà soát" in october.inner_text()
    # November has not ended: no approve button, and it says why
    november = page.locator("#approval-month-202611")
    assert november.get_by_role("button", name="Phê duyệt", exact=True).count() == 0
    assert "Tháng chưa kết thúc." in november.inner_text()
    assert page.coc_errors == []
    with store.session() as session:
        (row,) = session.scalars(select(DataApproval)).all()
        trail = session.scalars(
            select(AuditLog.action).where(AuditLog.entity == "data_approval").order_by(AuditLog.id)
        ).all()
    assert (row.approved, row.unapproved_by, row.reason) == (
        False,
        "chutich",
        "Sửa số hộ theo rà soát",
    )
    assert trail == ["approve", "unapprove"]


def test_clerk_marks_a_month_complete_on_a_phone(browser, site):
    url, _store = site
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        log_in(page, url, "thuky", "/phe-duyet?lang=en")
        november = page.locator("#approval-month-202611")
        assert november.get_by_role("button", name="Approve", exact=True).count() == 0
        november.get_by_role("button", name="Mark complete", exact=True).click()
        page.wait_for_selector("#approval-ok", timeout=15_000)
        assert page.locator("#approval-ok").inner_text() == "Nov 2026 marked complete."
        assert "Marked complete on 2026-11-20 (thuky)" in november.inner_text()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways: {width}px"
        styles = page.evaluate(
            """() => [...document.querySelectorAll(
                '.approval-month h3, .approval-facts span, .approval-badge, .approval-actions .btn'
              )]
              .map(e => {
                const s = getComputedStyle(e), r = e.getBoundingClientRect();
                return {cls: e.className, size: parseFloat(s.fontSize), color: s.color,
                        bg: s.backgroundColor, right: r.right, height: r.height};
              })"""
        )
        assert styles and all(s["size"] >= 15 for s in styles), styles
        assert all(s["right"] <= 390 for s in styles)
        buttons = [s for s in styles if "btn" in s["cls"]]
        assert buttons and all(s["height"] >= 44 for s in buttons)  # touch targets
        for s in styles:
            if "approval-badge" in s["cls"] or "btn" in s["cls"]:
                assert contrast(s["color"], s["bg"]) >= 4.5, s
        shot(page, "approval-phone-390x844")
        assert errors == []
    finally:
        context.close()
