"""The monthly report from the command line, the web routes, and its scheduled delivery
(due dates at month and year boundaries, retries, never twice)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures_web import NOW, make_settings

from coc.config import Settings, load_settings
from coc.reports import schedule
from coc.store import runs


def _settings(tmp_path: Path, **report) -> Settings:
    base = load_settings(environ={"COC_DATA_DIR": str(tmp_path / "data")})
    return base.model_copy(update={"report": base.report.model_copy(update=report)}, deep=True)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+07:00")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-12-03T06:59", None),  # the day, before the hour
        ("2026-12-03T07:00", "202611"),  # the day and the hour
        ("2026-12-02T23:00", None),  # the day before
        ("2026-12-28T10:00", "202611"),  # later in the month: still November's (if not sent)
        ("2027-01-03T07:00", "202612"),  # across the year end
        ("2026-03-03T07:00", "202602"),  # after a 28-day February
    ],
)
def test_due_period_at_month_and_year_boundaries(tmp_path, now, expected):
    settings = _settings(tmp_path, day=3, hour=7, recipients=["email:chutich@xa.gov.vn"])
    assert schedule.due_period(settings, local(now)) == expected


def test_nothing_is_due_without_recipients_or_when_switched_off(tmp_path):
    now = local("2026-12-05T09:00")
    assert schedule.due_period(_settings(tmp_path, day=3, recipients=[]), now) is None
    assert schedule.due_period(_settings(tmp_path, day=0, recipients=["email:a@b.vn"]), now) is None


def test_failed_delivery_is_retried_visible_and_never_sent_twice(
    seeded_store, shipped_catalog, tmp_path
):
    settings = _settings(
        tmp_path,
        day=3,
        hour=7,
        recipients=["email:chutich@xa.gov.vn", "telegram:-100123"],
        link_base="https://coc.chuongduong.gov.vn/",
        max_attempts=3,
    )
    now = local("2026-12-03T07:05")
    sent: list[schedule.Delivery] = []
    outage = {"on": True}

    def send(delivery: schedule.Delivery) -> None:
        if outage["on"]:
            raise ConnectionError("máy chủ thư không trả lời")
        sent.append(delivery)

    assert schedule.deliver_due(seeded_store, shipped_catalog, settings, now, send) == "failed"
    failed = runs.last_run(seeded_store, runs.report_name("202611"))
    assert failed is not None and failed.status == "failed" and failed.kind == "report"
    assert "máy chủ thư không trả lời" in (failed.message or "")
    assert sent == []

    outage["on"] = False
    assert schedule.deliver_due(seeded_store, shipped_catalog, settings, now, send) == "ok"
    assert [d.recipient for d in sent] == ["email:chutich@xa.gov.vn", "telegram:-100123"]
    first = sent[0]
    assert first.subject == "Báo cáo tháng 11/2026 – Xã Chương Dương"
    assert first.attachment is not None and first.attachment[1].startswith(b"%PDF")
    assert first.attachment[0] == "bao-cao-10237-202611.pdf"
    assert first.link == "https://coc.chuongduong.gov.vn/bao-cao/thang.pdf?period=202611"
    assert first.key == "report:202611:email:chutich@xa.gov.vn"

    # delivered: later checks (a restart, the next day) send nothing more
    assert schedule.deliver_due(seeded_store, shipped_catalog, settings, now, send) is None
    later = local("2026-12-04T07:05")
    assert schedule.deliver_due(seeded_store, shipped_catalog, settings, later, send) is None
    assert len(sent) == 2


def test_gives_up_after_max_attempts(seeded_store, shipped_catalog, tmp_path):
    settings = _settings(tmp_path, day=3, recipients=["email:a@xa.gov.vn"], max_attempts=2)
    now = local("2027-01-03T09:00")  # December's report (other tests send November's)

    def down(_delivery: schedule.Delivery) -> None:
        raise TimeoutError("hết thời gian chờ")

    results = [
        schedule.deliver_due(seeded_store, shipped_catalog, settings, now, down) for _ in range(4)
    ]
    assert results == ["failed", "failed", None, None]


def test_cli_writes_the_pdf_and_reports_errors_in_one_line(cli, tmp_path):
    env = {"COC_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "bao-cao.pdf"
    result = cli("report", "202611", "--out", str(out), env=env)
    assert result.code == 0, result.err
    assert out.read_bytes().startswith(b"%PDF")
    assert "Đã lập báo cáo 202611" in result.out

    bad = cli("report", "2026-11", "--out", str(out), env=env)
    assert bad.code == 1
    assert bad.err.strip().count("\n") == 0
    assert "kỳ báo cáo không hợp lệ '2026-11'" in bad.err

    nowhere = cli("report", "202611", "--out", str(tmp_path / "khong-co" / "r.pdf"), env=env)
    assert nowhere.code == 1 and "không có thư mục" in nowhere.err

    page = tmp_path / "bao-cao.html"
    assert cli("report", "202611", "--out", str(page), "--html", env=env).code == 0
    assert "<html" in page.read_text(encoding="utf-8")


def test_web_routes_serve_pdf_and_print_page(web_app):
    client = web_app.server.test_client()
    response = client.get("/bao-cao/thang.pdf?period=202611")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename="bao-cao-10237-202611.pdf"' in response.headers["Content-Disposition"]

    page = client.get("/bao-cao/thang?period=202611")
    assert page.status_code == 200 and page.mimetype == "text/html"
    body = page.get_data(as_text=True)
    assert "Tải bản PDF" in body and "@media print" in body

    bad = client.get("/bao-cao/thang.pdf?period=abc")
    assert bad.status_code == 400
    assert "Kỳ báo cáo không hợp lệ: abc" in bad.get_data(as_text=True)


def test_default_web_period_is_last_month(web_app):
    # the app's clock is NOW (20/11/2026): the report reviews October
    response = web_app.server.test_client().get("/bao-cao/thang")
    assert "Tháng 10/2026" in response.get_data(as_text=True)
    assert NOW.astimezone(UTC).month == 11


def test_overview_links_the_monthly_report(web_app):
    from fixtures_web import find, render_page

    page = render_page(web_app.server.test_client(), "/", "?period=202611")
    button = find(page, "report-button")
    assert button["props"]["href"] == "/bao-cao/thang.pdf?period=202611"
    assert button["props"]["children"] == "Báo cáo tháng"


def test_private_settings_need_a_login_for_the_report(tmp_path, shipped_catalog):
    from fixtures_base import new_store

    from dashboards.app import create_app

    settings = make_settings(tmp_path / "data", public_read=False)
    app = create_app(new_store(tmp_path / "x.sqlite3"), settings, shipped_catalog)
    response = app.server.test_client().get("/bao-cao/thang.pdf?period=202611")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
