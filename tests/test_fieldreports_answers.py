"""The published answer back to the citizen through the channel they used: the Zalo OA
message API and an SMS gateway (the HTTP template channel) on loopback, through the
notification outbox — queued with the answer, sent by the outbox with the address looked
up (and the Zalo user id decrypted) only then; 5xx retried, Zalo's refusals recorded, the
outcome on the report and in the audit log; "not sendable" said, never silent; and the
sealed id's round trip and wrong-key behaviour."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fieldreports_helpers import NAME, PHONE, categories
from fixtures_base import new_store
from fixtures_notify import SMS_KEY, ZALO_TOKEN, FakeApi, fake_api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from coc.config import Settings, load_settings
from coc.fieldreports import abuse, answers, handling, queries, service
from coc.fieldreports.contact import ContactBox, ContactKeyError
from coc.fieldreports.handling import Change
from coc.fieldreports.intake import Draft, Limits, parse_form, parse_zalo
from coc.net import RetryPolicy
from coc.notify import outbox
from coc.notify.channels import SendFailed, zalo_failure
from coc.notify.config import NotifyConfig, parse_config
from coc.store import audit
from coc.store.db import Store
from coc.store.models import FieldReport

CATS = categories()
RATES = abuse.Rates()
KEY_A = base64.urlsafe_b64encode(bytes(range(32))).decode()
KEY_B = base64.urlsafe_b64encode(bytes(range(32, 64))).decode()
USER = "3368637342326461234"  # the Zalo sender id
SITE = "https://chuongduong.example.vn"
# 23:58 local on 30 November: the answer goes out after midnight, in December
PUBLISHED = datetime(2026, 11, 30, 16, 58, tzinfo=UTC)
POLICY = RetryPolicy(backoff_s=60, backoff_max_s=600)
ANSWER = "Xã đã cho thu gom rác và rắc vôi khử trùng bờ kênh thôn An Cảnh."


def no_sleep(_s: float) -> None:
    return None


def site(**fieldreports: Any) -> Settings:
    base = load_settings(environ={})
    fr = {"zalo_channel": "zalo", "answer_channel": "sms", "public_url": SITE + "/"}
    return base.model_copy(
        update={"fieldreports": base.fieldreports.model_copy(update={**fr, **fieldreports})}
    )


def notify(urls: dict[str, str]) -> NotifyConfig:
    return parse_config(
        {"channels": [
            {"name": "zalo", "type": "zalo", "api_url": urls.get("zalo", "http://127.0.0.1:9"),
             "token_env": "ZL"},
            {"name": "sms", "type": "sms", "url": urls.get("sms", "http://127.0.0.1:9") + "/send",
             "token_env": "SMS", "headers": {"X-Api-Key": "{secret}"},
             "body": {"to": "{to}", "message": "{text}", "brand": "UBND XA"},
             "success": {"field": "status", "equals": "queued"}, "id_field": "messageId"},
        ]},
        {"ZL": ZALO_TOKEN, "SMS": SMS_KEY},
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = new_store(tmp_path / "answers.sqlite3")
    yield s
    s.dispose()


@pytest.fixture
def apis() -> Iterator[tuple[dict[str, str], dict[str, FakeApi]]]:
    with ExitStack() as stack:
        urls, found = {}, {}
        for kind in ("zalo", "sms"):
            urls[kind], found[kind] = stack.enter_context(fake_api(kind))
        yield urls, found


def zalo_draft(user: str = USER, msg: str = "m1") -> Draft:
    stamp = str(int(PUBLISHED.timestamp() * 1000) - 86_400_000)  # a day before
    text = "#moi_truong Rác thải đổ tràn ra bờ kênh"
    event = {"app_id": "app9", "user_id_by_app": "552177279717587730",
             "event_name": "user_send_text", "timestamp": stamp, "sender": {"id": user},
             "recipient": {"id": "579745863508352884"},
             "message": {"msg_id": msg, "text": text}}  # fmt: skip
    out = parse_zalo(event, categories=CATS, limits=Limits(), now=PUBLISHED)
    assert isinstance(out, Draft)
    return out


def form_draft(phone: str | None = PHONE) -> Draft:
    fields = {"category": "moi_truong", "description": "Cống thoát nước bị tắc gây ngập đường",
              "name": NAME, "phone": phone or ""}  # fmt: skip
    out = parse_form(fields, [], categories=CATS, limits=Limits())
    assert isinstance(out, Draft)
    return out


def received(store: Store, d: Draft, box: ContactBox | None = None) -> str:
    got = service.submit(store, d, categories=CATS, rates=RATES, pepper="k", org_unit="10237",
                         address=None, now=PUBLISHED - timedelta(days=1), box=box)  # fmt: skip
    assert isinstance(got, service.Accepted)
    return got.code


def publish(store: Store, code: str, routes: answers.Routes, text: str = ANSWER) -> str:
    for action in ("accept", "resolve"):
        handling.apply(store, code, Change(action), actor="thuky", categories=CATS,
                       now=PUBLISHED - timedelta(hours=1))  # fmt: skip
    done = handling.apply(store, code, Change("answer", answer=text), actor="thuky",
                          categories=CATS, now=PUBLISHED, routes=routes)  # fmt: skip
    assert done == "da_phan_hoi"
    return done


def send(store: Store, cfg: NotifyConfig, at: datetime, box: ContactBox) -> outbox.DispatchResult:
    addressees = {answers.KIND: answers.ReportAddressee(box=box)}
    return outbox.dispatch(store, cfg, at, policy=POLICY, max_attempts=5, sleep=no_sleep,
                           addressees=addressees)  # fmt: skip


def delivery(store: Store, code: str) -> dict[str, Any]:
    d = queries.clerk_detail(store, code)
    assert d is not None
    return d["delivery"]


def trail(store: Store, code: str) -> list[tuple[str, str | None, str | None]]:
    with store.session() as session:
        rows = [a for a in audit.recent(session, 100) if a.entity_key == code]
    return [(a.action, a.old_value, a.new_value) for a in reversed(rows)]


def test_zalo_answer_is_queued_then_sent_to_the_sender(store: Store, apis: Any) -> None:
    """Publishing only queues (no HTTP from the request); the outbox sends the Zalo OA
    message the API expects to the sender's user id, once; the row never holds the id."""
    urls, api = apis
    box = ContactBox(KEY_A)
    code = received(store, zalo_draft(), box)
    cfg = notify(urls)
    publish(store, code, answers.Routes.of(site(), cfg))
    assert api["zalo"].seen == 0  # nothing sent from the web request
    assert delivery(store, code)["state"] == "queued"
    with store.session() as session:
        [row] = outbox.deliveries(session)
    assert row["recipient"] == f"ref:fieldreport:{code}" and USER not in str(row)

    later = PUBLISHED + timedelta(minutes=3)  # 00:01 on 1 December, local
    assert send(store, cfg, later, box).sent == 1
    assert send(store, cfg, later + timedelta(minutes=5), box).sent == 0  # once only
    [got] = api["zalo"].got
    shown = service.shown_code(code)
    assert got["path"] == "/v3.0/oa/message/cs" and got["headers"]["Access_Token"] == ZALO_TOKEN
    assert got["body"] == {
        "recipient": {"user_id": USER},
        "message": {"text": f"Xã Chương Dương trả lời phản ánh {shown}\n{ANSWER}\n"
                            f"Xem chi tiết: {SITE}/phan-anh/ma/{shown}"},
    }  # fmt: skip
    assert delivery(store, code) == {"state": "sent", "note": None, "at": later, "way": "zalo"}
    with store.session() as session:
        [row] = outbox.deliveries(session)
    assert (row["status"], row["recipient"]) == ("sent", f"ref:fieldreport:{code}")
    assert trail(store, code)[-3:] == [("deliver", None, "queued"),
                                       ("answer", "da_xu_ly", "da_phan_hoi"),
                                       ("deliver", "queued", "sent")]  # fmt: skip


def test_zalo_outage_is_retried_with_backoff(store: Store, apis: Any) -> None:
    """A 503 is tried again at once (coc.net), then later by the outbox; the report says
    it is retrying and why, then sent."""
    urls, api = apis
    box = ContactBox(KEY_A)
    code = received(store, zalo_draft(), box)
    cfg = notify(urls)
    publish(store, code, answers.Routes.of(site(), cfg))
    api["zalo"].down = True
    first = PUBLISHED + timedelta(minutes=1)
    result = send(store, cfg, first, box)
    assert (result.sent, result.failed, api["zalo"].seen) == (0, 1, 2)
    d = delivery(store, code)
    assert (d["state"], d["at"]) == ("retrying", first) and "HTTP 503" in d["note"]
    with store.session() as session:
        [row] = outbox.deliveries(session)
    due = datetime.fromisoformat(row["next_attempt_at"].replace("Z", "+00:00"))
    assert first + timedelta(seconds=30) <= due <= first + timedelta(seconds=60)
    assert send(store, cfg, due - timedelta(seconds=1), box).sent == 0  # not due yet
    api["zalo"].down = False
    assert send(store, cfg, due + timedelta(seconds=1), box).sent == 1
    assert delivery(store, code)["state"] == "sent" and len(api["zalo"].got) == 1
    steps = [t for t in trail(store, code) if t[0] == "deliver"]
    assert steps == [("deliver", None, "queued"), ("deliver", "queued", "retrying"),
                     ("deliver", "retrying", "sent")]  # fmt: skip


def test_zalo_refusal_is_recorded_and_not_retried(store: Store, apis: Any) -> None:
    """Zalo's -230 (the citizen has not written to the OA for 7 days) is final: recorded in
    Vietnamese on the report, the outbox row given up, nothing sent again."""
    urls, api = apis
    api["zalo"].refuse[USER] = {
        "error": -230,
        "message": "User has not interacted with the OA in the past 7 days",
    }
    box = ContactBox(KEY_A)
    code = received(store, zalo_draft(), box)
    cfg = notify(urls)
    publish(store, code, answers.Routes.of(site(), cfg))
    at = PUBLISHED + timedelta(minutes=1)
    assert send(store, cfg, at, box).dead == 1
    assert send(store, cfg, at + timedelta(hours=2), box).dead == 0
    assert api["zalo"].seen == 1 and api["zalo"].got == []
    d = delivery(store, code)
    assert d["state"] == "failed" and d["note"].startswith("Zalo từ chối (mã -230): người nhận")
    assert "7 ngày" in d["note"]
    assert ("deliver", "queued", "failed") in trail(store, code)


def test_sms_answer_through_the_http_template_channel(store: Store, apis: Any) -> None:
    """A phone left on the form gets the same answer, short, by SMS; the outbox row holds
    a reference, never the phone."""
    urls, api = apis
    code = received(store, form_draft())
    cfg = notify(urls)
    long = ANSWER + " " + "Tổ công tác sẽ tiếp tục kiểm tra định kỳ hằng tuần. " * 10
    publish(store, code, answers.Routes.of(site(), cfg), text=long)
    with store.session() as session:
        [row] = outbox.deliveries(session)
    assert PHONE not in str(row) and NAME not in str(row)
    assert send(store, cfg, PUBLISHED + timedelta(minutes=1), ContactBox(KEY_A)).sent == 1
    [got] = api["sms"].got
    shown = service.shown_code(code)
    assert got["headers"]["X-Api-Key"] == SMS_KEY
    assert got["body"]["to"] == PHONE and got["body"]["brand"] == "UBND XA"
    text = got["body"]["message"]
    title, answer, link = text.split("\n")
    assert title == f"Xã Chương Dương trả lời phản ánh {shown}"
    assert len(answer) == answers.SMS_ANSWER_CHARS and answer.endswith("…")
    assert long.startswith(answer[:-1]) and link == f"Xem chi tiết: {SITE}/phan-anh/ma/{shown}"
    assert NAME not in text
    assert delivery(store, code)["state"] == "sent"


@pytest.mark.parametrize(
    ("kind", "overrides", "channels", "why"),
    [
        ("phone", {"answer_channel": None}, True,
         "chưa cấu hình kênh SMS để gửi phản hồi (fieldreports.answer_channel)"),
        ("phone", {"answer_channel": "tin-nhan"}, True,
         "kênh 'tin-nhan' (fieldreports.answer_channel) không có trong cấu hình thông báo"),
        ("phone", {"answer_channel": "zalo"}, True,
         "kênh 'zalo' (fieldreports.answer_channel) không phải kênh SMS"),
        ("zalo", {"zalo_channel": None}, True,
         "chưa cấu hình kênh Zalo OA để gửi phản hồi (fieldreports.zalo_channel)"),
        ("zalo", {}, False, "tệp cấu hình thông báo có lỗi: hỏng"),
        ("no phone", {}, True, "người phản ánh không để lại số điện thoại; họ tra cứu bằng mã"),
        ("old zalo", {}, True, "phản ánh nhận qua Zalo trước khi hệ thống lưu mã người gửi"),
    ],
)  # fmt: skip
def test_not_sendable_says_why(
    store: Store, kind: str, overrides: dict[str, Any], channels: bool, why: str
) -> None:
    """No way to send: nothing queued, the report and the audit log say why."""
    draft = {"phone": form_draft(), "zalo": zalo_draft(), "no phone": form_draft(None),
             "old zalo": zalo_draft()}[kind]  # fmt: skip
    code = received(store, draft, None if kind == "old zalo" else ContactBox(KEY_A))
    s = site(**overrides)
    routes = answers.Routes.of(s, notify({})) if channels else answers.Routes.of(s, None, "hỏng")
    publish(store, code, routes)
    d = delivery(store, code)
    assert (d["state"], d["note"], d["at"]) == ("not_sendable", why, PUBLISHED)
    with store.session() as session:
        assert outbox.deliveries(session) == []
        [step] = [a for a in audit.recent(session, 50) if a.action == "answer"]
    assert step.detail == f"không gửi được tới người phản ánh: {why}"
    assert ("deliver", None, "not_sendable") in trail(store, code)


def test_routes_load_reads_the_notifications_file(tmp_path: Path) -> None:
    path = tmp_path / "thong-bao.yaml"
    path.write_text("channels:\n  - {name: zalo, type: zalo, token_env: ZL}\n", encoding="utf-8")
    s = site(answer_channel=None)
    s = s.model_copy(update={"alerts": s.alerts.model_copy(
        update={"notifications_file": str(path)})})  # fmt: skip
    routes = answers.Routes.load(s, {})
    assert routes.channels == {"zalo": "zalo"} and list(routes.missing) == ["sms"]
    path.write_text("channels: [{name: x}]\n", encoding="utf-8")
    broken = answers.Routes.load(s, {})
    assert broken.channels == {} and broken.missing["zalo"].startswith("tệp cấu hình thông báo")


def test_sealed_id_round_trip_and_wrong_key() -> None:
    box = ContactBox(KEY_A)
    token = box.seal(USER, now=PUBLISHED)
    assert USER not in token and box.open(token) == USER
    assert box.seal(USER, now=PUBLISHED) != token  # a fresh IV each time
    with pytest.raises(ContactKeyError, match="khóa mã hóa liên hệ không khớp"):
        ContactBox(KEY_B).open(token)
    with pytest.raises(ContactKeyError, match="không giải mã được"):
        box.open(token[:-4] + "AAAA")  # changed: refused whole, never garbage
    assert ContactBox(f"{KEY_B}, {KEY_A}").open(token) == USER  # rotation keeps old ids
    assert ContactBox(KEY_B + "," + KEY_A).seal(USER, now=PUBLISHED) != token
    for bad in ("khong-phai-khoa", "", " , "):
        with pytest.raises(ContactKeyError, match=r"fieldreports\.contact_key"):
            ContactBox(bad)


def test_wrong_key_at_sending_loses_nothing(store: Store, apis: Any) -> None:
    """Sealed with one key, opened with another (a lost key file): the send fails with a
    clear reason and is retried; with the old key back, the same row goes out."""
    urls, api = apis
    code = received(store, zalo_draft(), ContactBox(KEY_A))
    with store.session() as session:
        sealed = session.scalar(select(FieldReport.sender_sealed))
    cfg = notify(urls)
    publish(store, code, answers.Routes.of(site(), cfg))
    at = PUBLISHED + timedelta(minutes=1)
    assert send(store, cfg, at, ContactBox(KEY_B)).failed == 1
    d = delivery(store, code)
    assert d["state"] == "retrying" and "khóa mã hóa liên hệ không khớp" in d["note"]
    assert api["zalo"].seen == 0
    with store.session() as session:
        [row] = outbox.deliveries(session)
        assert session.scalar(select(FieldReport.sender_sealed)) == sealed
    assert row["status"] == "pending"
    later = at + timedelta(hours=1)
    assert send(store, cfg, later, ContactBox(f"{KEY_B},{KEY_A}")).sent == 1
    assert api["zalo"].got[0]["body"]["recipient"] == {"user_id": USER}


def test_addressee_refuses_what_it_cannot_address(store: Store) -> None:
    box = ContactBox(KEY_A)
    old = received(store, zalo_draft(msg="m9"))  # no sealed id
    web = received(store, form_draft(None))
    addressee = answers.ReportAddressee(box=box)
    with store.session() as session:
        for key, kind, why in ((old, "zalo", "mã người dùng Zalo"), (web, "sms", "số điện thoại"),
                               ("PAZZZZZZ", "sms", "không còn phản ánh")):  # fmt: skip
            with pytest.raises(SendFailed, match=why) as err:
                addressee.address(session, key, kind)
            assert err.value.retry is False


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


ZALO_CODES = st.sampled_from([0, -32, -201, -211, -213, -216, -230, -232]) | JSONISH


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional={"error": ZALO_CODES, "message": JSONISH,
                                           "data": JSONISH}), st.integers(100, 599))  # fmt: skip
def test_zalo_error_answers_become_a_reason_never_an_exception(data: dict, status: int) -> None:
    failure = zalo_failure(data, status)
    assert isinstance(failure, SendFailed) and failure.reason.startswith("Zalo từ chối (")
    code = data.get("error")
    final = type(code) is int and code in (-213, -217, -222, -227, -230, -232)
    assert failure.retry is not final


def test_migration_0016_down_and_up_keeps_reports_and_photos(any_store: Store) -> None:
    """0016 only adds columns (no table copy, so the photos' foreign key stays); down and
    up again keeps the report and its photo, and the sealed id column comes back empty."""
    from alembic import command

    from coc.store.db import alembic_config, upgrade_schema
    from coc.store.models import FieldReportPhoto

    code = received(any_store, zalo_draft(), ContactBox(KEY_A))
    with any_store.write() as session:
        report_id = session.scalar(select(FieldReport.id))
        session.add(FieldReportPhoto(report_id=report_id, seq=1, fetch_state="pending",
                                     source_url="https://photo.zalo.example/1.jpg"))  # fmt: skip
    cfg = alembic_config()
    with any_store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0015_fieldreport_photos")
    upgrade_schema(any_store.engine)
    d = queries.clerk_detail(any_store, code)
    assert d is not None and [p["link"] for p in d["photos"]] == [
        "https://photo.zalo.example/1.jpg"
    ]
    assert d["zalo_reachable"] is False and d["delivery"]["state"] is None
