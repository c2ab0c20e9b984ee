"""The scheduled monthly report through the notification outbox: the PDF attached by a
real SMTP server (aiosmtpd on loopback), the link by a signed webhook; an SMTP outage and a
restart mid-outage lose nothing and send nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fixtures_base import new_store
from fixtures_notify import WEBHOOK_SECRET, SmtpSink, fake_api
from fixtures_web import seed

from coc.config import Settings, load_settings
from coc.net import RetryPolicy
from coc.notify import outbox
from coc.notify.config import parse_config
from coc.reports import schedule

DUE = datetime(2026, 12, 3, 0, 5, tzinfo=UTC)  # 07:05 local on 3/12: November's is due
POLICY = RetryPolicy(backoff_s=60, backoff_max_s=600)


def _settings(tmp_path: Path) -> Settings:
    base = load_settings(environ={"COC_DATA_DIR": str(tmp_path / "data")})
    report = base.report.model_copy(
        update={
            "day": 3,
            "hour": 7,
            "recipients": ["email:chutich@chuongduong.gov.vn", "hook:ioc-huyen"],
            "link_base": "https://coc.chuongduong.gov.vn",
        }
    )
    return base.model_copy(update={"report": report}, deep=True)


def _send_all(store, cfg, now):  # type: ignore[no-untyped-def]
    return outbox.dispatch(store, cfg, now, policy=POLICY, max_attempts=5, sleep=lambda _s: None)


def test_report_reaches_email_with_pdf_and_webhook_with_link(tmp_path, shipped_catalog):
    settings = _settings(tmp_path)
    path = tmp_path / "r.sqlite3"
    store = new_store(path)
    seed(store, shipped_catalog)
    smtp = SmtpSink()
    with fake_api("webhook") as (hook_url, hook):
        cfg = parse_config(
            {
                "channels": [
                    {"name": "email", "type": "smtp", "host": "127.0.0.1", "port": smtp.port,
                     "sender": "coc@chuongduong.gov.vn"},
                    {"name": "hook", "type": "webhook", "url": hook_url + "/in",
                     "secret_env": "WH"},
                ],
                "routes": [],
            },
            {"WH": WEBHOOK_SECRET},
        )  # fmt: skip
        smtp.stop()  # the mail server is down when the report is due
        send = schedule.outbox_send(store, settings, DUE)
        assert schedule.deliver_due(store, shipped_catalog, settings, DUE, send) == "ok"
        first = _send_all(store, cfg, DUE)
        assert (first.sent, first.failed) == (1, 1)  # the webhook went, the email waits
        # a restart mid-outage: a new process on the same file, the job runs again
        store.dispose()
        store = new_store(path)
        again = schedule.outbox_send(store, settings, DUE + timedelta(minutes=15))
        assert schedule.deliver_due(store, shipped_catalog, settings, DUE, again) is None
        smtp.start()
        later = _send_all(store, cfg, DUE + timedelta(minutes=30))
        assert (later.sent, later.failed) == (1, 0)
        assert _send_all(store, cfg, DUE + timedelta(hours=2)).sent == 0  # nothing twice

        assert len(smtp.messages) == 1 and len(hook.got) == 1
        rcpt, mail = smtp.messages[0]
        assert rcpt == ["chutich@chuongduong.gov.vn"]
        assert mail["Subject"] == "Báo cáo tháng 11/2026 – Xã Chương Dương"
        (pdf,) = list(mail.iter_attachments())
        assert pdf.get_content_type() == "application/pdf"
        assert pdf.get_filename() == "bao-cao-10237-202611.pdf"
        assert pdf.get_content().startswith(b"%PDF")
        body = hook.got[0]["body"]
        assert "https://coc.chuongduong.gov.vn/bao-cao/thang.pdf?period=202611" in body["text"]
        with store.session() as session:
            states = {(d["channel"], d["status"]) for d in outbox.deliveries(session)}
        assert states == {("email", "sent"), ("hook", "sent")}
    smtp.stop()
    store.dispose()


def test_a_recipient_without_a_channel_is_a_failed_run_with_the_reason(tmp_path, shipped_catalog):
    settings = _settings(tmp_path)
    settings = settings.model_copy(
        update={"report": settings.report.model_copy(update={"recipients": ["chutich"]})}
    )
    store = new_store(tmp_path / "r.sqlite3")
    send = schedule.outbox_send(store, settings, DUE)
    assert schedule.deliver_due(store, shipped_catalog, settings, DUE, send) == "failed"
    from coc.store import runs

    run = runs.last_run(store, runs.report_name("202611"))
    assert run is not None and "người nhận không hợp lệ 'chutich'" in (run.message or "")
    store.dispose()
