"""Notifications end to end: alert events → routing rules → the persisted outbox → each
channel's API on loopback (Telegram, Zalo OA, webhook, SMS template, real SMTP), through an
outage and a restart mid-outage: nothing lost, nothing sent twice, no secret shown."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import new_store
from fixtures_notify import (
    SMS_KEY,
    TELEGRAM_TOKEN,
    WEBHOOK_SECRET,
    ZALO_TOKEN,
    FakeApi,
    SmtpSink,
    fake_api,
)

from coc.alerts import lifecycle as lc
from coc.alerts.lifecycle import AlertSpec
from coc.net import RetryPolicy
from coc.notify import outbox
from coc.notify.config import NotifyConfig, parse_config
from coc.store.db import Store

T0 = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 10:00 local
POLICY = RetryPolicy(backoff_s=60, backoff_max_s=600)
ENV = {
    "TG": TELEGRAM_TOKEN,
    "ZL": ZALO_TOKEN,
    "WH": WEBHOOK_SECRET,
    "SMS": SMS_KEY,
    "SMTP_PW": "smtp-password-secret",
}
SECRETS = [*ENV.values()]
CHANNELS = ("email", "hook", "tele", "zalo", "sms")


def no_sleep(_s: float) -> None:
    return None


@dataclass
class Rig:
    path: Path
    store: Store
    apis: dict[str, FakeApi]
    urls: dict[str, str]
    smtp: SmtpSink

    def config(self, **extra: Any) -> NotifyConfig:
        data = {
            "channels": [
                {
                    "name": "email",
                    "type": "smtp",
                    "host": "127.0.0.1",
                    "port": self.smtp.port,
                    "sender": "coc@chuongduong.gov.vn",
                    "password_env": "SMTP_PW",
                },
                {
                    "name": "hook",
                    "type": "webhook",
                    "url": self.urls["webhook"] + "/in",
                    "secret_env": "WH",
                },
                {
                    "name": "tele",
                    "type": "telegram",
                    "api_url": self.urls["telegram"],
                    "token_env": "TG",
                },
                {"name": "zalo", "type": "zalo", "api_url": self.urls["zalo"], "token_env": "ZL"},
                {
                    "name": "sms",
                    "type": "sms",
                    "url": self.urls["sms"] + "/send",
                    "token_env": "SMS",
                    "headers": {"X-Api-Key": "{secret}"},
                    "body": {"to": "{to}", "message": "{text}", "brand": "UBND XA"},
                    "success": {"field": "status", "equals": "queued"},
                    "id_field": "messageId",
                },
            ],
            "routes": extra.pop(
                "routes",
                [
                    {"channel": "email", "recipients": ["chutich@chuongduong.gov.vn"]},
                    {"channel": "hook", "recipients": ["ioc"]},
                    {"channel": "tele", "recipients": ["-1001234"]},
                    {"channel": "zalo", "recipients": ["zalo-user-77"]},
                    {"channel": "sms", "recipients": ["0912345678"]},
                ],
            ),
            **extra,
        }
        return parse_config(data, ENV)

    def restart(self) -> None:
        """A new process: a fresh store on the same file (nothing kept in memory)."""
        self.store.dispose()
        self.store = new_store(self.path)

    def received(self) -> dict[str, int]:
        counts = {k: len(a.got) for k, a in self.apis.items()}
        return {**counts, "smtp": len(self.smtp.messages)}


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with ExitStack() as stack:
        apis, urls = {}, {}
        for kind in ("telegram", "zalo", "webhook", "sms"):
            urls[kind], apis[kind] = stack.enter_context(fake_api(kind))
        smtp = SmtpSink()
        stack.callback(
            lambda: smtp.controller.stop() if smtp.controller.loop.is_running() else None
        )
        path = tmp_path / "coc.sqlite3"
        rig = Rig(path, new_store(path), apis, urls, smtp)
        yield rig
        rig.store.dispose()


def raise_one(store: Store, subject: str, severity: str = "warning", at: datetime = T0) -> int:
    with store.write() as session:
        spec = AlertSpec(
            "source_stale",
            subject,
            severity,
            f"Nguồn {subject} chưa cập nhật",
            hamlet="Thôn Kỳ Dương",
        )
        alert_id = lc.raise_alert(session, spec, at).alert.id
    assert alert_id is not None
    return alert_id


def run(rig: Rig, cfg: NotifyConfig, now: datetime) -> outbox.DispatchResult:
    outbox.route_events(rig.store, cfg, now)
    return outbox.dispatch(rig.store, cfg, now, policy=POLICY, max_attempts=10, sleep=no_sleep)


def states(store: Store) -> list[tuple[str, str, str]]:
    with store.session() as session:
        return sorted(
            (d["channel"], d["recipient"], d["status"]) for d in outbox.deliveries(session)
        )


def test_each_channel_delivers_in_its_api_shape(rig: Rig) -> None:
    cfg = rig.config()
    raise_one(rig.store, "qlvb")
    result = run(rig, cfg, T0)
    assert (result.sent, result.failed) == (5, 0)
    assert rig.received() == {"telegram": 1, "zalo": 1, "webhook": 1, "sms": 1, "smtp": 1}
    title = "[Cảnh báo] Nguồn qlvb chưa cập nhật"
    tg = rig.apis["telegram"].got[0]["body"]
    assert tg == {
        "chat_id": "-1001234",
        "text": f"{title}\nLúc 02/12/2026 10:00\nĐịa bàn: Thôn Kỳ Dương",
    }
    zl = rig.apis["zalo"].got[0]
    assert zl["body"]["recipient"] == {"user_id": "zalo-user-77"}
    assert zl["body"]["message"]["text"].startswith(title)
    hook = rig.apis["webhook"].got[0]
    stamp = hook["headers"]["X-Coc-Timestamp"]
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), stamp.encode() + b"." + hook["raw"], hashlib.sha256
    )
    assert hook["headers"]["X-Coc-Signature"] == "sha256=" + expected.hexdigest()
    assert (hook["body"]["event"], hook["body"]["title"]) == ("raised", title)
    assert hook["headers"]["X-Coc-Delivery"].startswith("coc-")
    sms = rig.apis["sms"].got[0]["body"]
    assert (sms["to"], sms["brand"]) == ("0912345678", "UBND XA")
    rcpt, mail = rig.smtp.messages[0]
    assert rcpt == ["chutich@chuongduong.gov.vn"] and mail["Subject"] == title
    assert "Thôn Kỳ Dương" in mail.get_content()
    with rig.store.session() as session:
        ids = {d["channel"]: d for d in outbox.deliveries(session)}
    assert (ids["tele"]["status"], ids["zalo"]["status"], ids["sms"]["status"]) == ("sent",) * 3
    # a second run sends nothing more
    assert run(rig, cfg, T0 + timedelta(minutes=1)).sent == 0
    assert rig.received() == {"telegram": 1, "zalo": 1, "webhook": 1, "sms": 1, "smtp": 1}


def test_outage_and_restart_mid_outage_lose_nothing_and_send_nothing_twice(rig: Rig) -> None:
    cfg = rig.config()
    for api in rig.apis.values():
        api.down = True
    rig.smtp.stop()
    raise_one(rig.store, "qlvb", at=T0)
    raise_one(rig.store, "motcua", at=T0)
    first = run(rig, cfg, T0)
    assert (first.sent, first.failed) == (0, 10)
    assert all(a.seen >= 2 for a in rig.apis.values())  # coc.net retried within the try
    with rig.store.session() as session:
        rows = outbox.deliveries(session)
    assert {(r["status"], r["attempts"]) for r in rows} == {("pending", 1)}
    assert all(r["last_error"] for r in rows)
    # restart while the channels are still down; the retry is not due yet
    rig.restart()
    cfg = rig.config()
    seen = {k: a.seen for k, a in rig.apis.items()}
    assert run(rig, cfg, T0 + timedelta(seconds=5)).failed == 0
    assert {k: a.seen for k, a in rig.apis.items()} == seen
    # still down at the next try
    assert run(rig, cfg, T0 + timedelta(minutes=2)).failed == 10
    # back up: everything arrives once
    for api in rig.apis.values():
        api.down = False
    rig.smtp.start()
    rig.restart()
    cfg = rig.config()
    done = run(rig, cfg, T0 + timedelta(minutes=30))
    assert (done.sent, done.failed) == (10, 0)
    assert run(rig, cfg, T0 + timedelta(hours=3)).sent == 0
    assert rig.received() == {"telegram": 2, "zalo": 2, "webhook": 2, "sms": 2, "smtp": 2}
    texts = sorted(g["body"]["text"].split("\n")[0] for g in rig.apis["telegram"].got)
    assert texts == [
        "[Cảnh báo] Nguồn motcua chưa cập nhật",
        "[Cảnh báo] Nguồn qlvb chưa cập nhật",
    ]
    assert {s for _c, _r, s in states(rig.store)} == {"sent"}


def test_quiet_hours_hold_back_all_but_the_highest_severity(rig: Rig) -> None:
    cfg = rig.config(
        quiet_hours={"start": "22:00", "end": "06:00"},
        routes=[{"channel": "tele", "recipients": ["-1001234"], "min_severity": "info"}],
    )
    night = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 23:30 local, new year's eve
    raise_one(rig.store, "qlvb", "warning", at=night)
    raise_one(rig.store, "de-dieu", "critical", at=night)
    assert run(rig, cfg, night).sent == 1
    assert rig.apis["telegram"].got[0]["body"]["text"].startswith("[KHẨN CẤP]")
    with rig.store.session() as session:
        held = [d for d in outbox.deliveries(session) if d["status"] == "pending"]
    assert [d["next_attempt_at"] for d in held] == ["2026-12-31T23:00:00.000Z"]  # 06:00 1/1
    assert run(rig, cfg, datetime(2026, 12, 31, 22, 59, tzinfo=UTC)).sent == 0
    assert run(rig, cfg, datetime(2026, 12, 31, 23, 0, tzinfo=UTC)).sent == 1


def test_routing_by_kind_severity_and_hamlet(rig: Rig) -> None:
    cfg = rig.config(
        routes=[
            {"channel": "tele", "recipients": ["a"], "kinds": ["sensor"]},
            {"channel": "tele", "recipients": ["b"], "min_severity": "critical"},
            {"channel": "tele", "recipients": ["c"], "hamlets": ["Thôn Kỳ Dương"]},
        ]
    )
    raise_one(rig.store, "x", "warning")
    run(rig, cfg, T0)
    assert [g["body"]["chat_id"] for g in rig.apis["telegram"].got] == ["c"]


def test_flapping_is_deduplicated_and_digest_gathers(rig: Rig) -> None:
    cfg = rig.config(
        dedupe_minutes=30,
        digest_minutes=60,
        routes=[
            {"channel": "tele", "recipients": ["now"]},
            {"channel": "zalo", "recipients": ["later"], "digest": True},
        ],
    )
    raise_one(rig.store, "qlvb", at=T0)
    run(rig, cfg, T0)
    with rig.store.write() as session:
        lc.clear_alert(session, "source_stale", "qlvb", T0 + timedelta(minutes=5))
    raise_one(rig.store, "qlvb", at=T0 + timedelta(minutes=10))  # flaps back inside 30 min
    raise_one(rig.store, "motcua", at=T0 + timedelta(minutes=10))
    run(rig, cfg, T0 + timedelta(minutes=10))
    chats = [g["body"]["text"].split("\n")[0] for g in rig.apis["telegram"].got]
    assert chats == ["[Cảnh báo] Nguồn qlvb chưa cập nhật", "[Cảnh báo] Nguồn motcua chưa cập nhật"]
    assert rig.apis["zalo"].got == []  # the digest waits for its window
    run(rig, cfg, T0 + timedelta(minutes=61))
    [digest] = rig.apis["zalo"].got
    text = digest["body"]["message"]["text"]
    assert text.startswith("Tổng hợp 2 thông báo cảnh báo")
    assert "• [Cảnh báo] Nguồn qlvb chưa cập nhật" in text and "motcua" in text
    run(rig, cfg, T0 + timedelta(minutes=200))
    assert len(rig.apis["zalo"].got) == 1


def test_a_final_refusal_is_dead_at_once_with_its_reason(rig: Rig) -> None:
    cfg = rig.config(routes=[{"channel": "tele", "recipients": ["bad-chat"]}])
    raise_one(rig.store, "qlvb")
    result = run(rig, cfg, T0)
    assert (result.dead, result.reasons) == (1, ["Telegram từ chối: Bad Request: chat not found"])
    assert states(rig.store) == [("tele", "bad-chat", "dead")]


def test_no_secret_is_logged_or_shown(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    cfg = rig.config()
    for api in rig.apis.values():
        api.down = True
    rig.smtp.stop()
    raise_one(rig.store, "qlvb")
    run(rig, cfg, T0)
    rig.smtp.start()
    shown = [repr(cfg), *(repr(c.public()) for c in cfg.channels.values())]
    with rig.store.session() as session:
        shown.append(repr(outbox.deliveries(session)))
    text = caplog.text + "\n".join(shown)
    assert "thử lại" in caplog.text  # retries were logged …
    leaked = [s for s in SECRETS if s in text]
    assert leaked == []  # … without any secret
    assert all(cfg.channels[c].public()["secret_set"] for c in CHANNELS)


def test_send_test_reports_the_delivery(rig: Rig) -> None:
    cfg = rig.config()
    ok = outbox.send_test(
        rig.store, cfg, "tele", "-1001234", T0, policy=POLICY, max_attempts=5, sleep=no_sleep
    )
    assert (ok["status"], ok["attempts"]) == ("sent", 1)
    assert rig.apis["telegram"].got[0]["body"]["text"].startswith("Thử kênh thông báo của COC")
    rig.apis["zalo"].down = True
    down = outbox.send_test(
        rig.store, cfg, "zalo", "u1", T0, policy=POLICY, max_attempts=5, sleep=no_sleep
    )
    assert (down["status"], down["last_error"]) == ("pending", "không kết nối được: HTTP 503")
