"""The reporter's phone and name never leave the clerks' screens, and the Zalo user id
never appears in plain anywhere, not even there: a scan of the upward feed, the API
answers, every log line, the public pages, the pages and the monthly report a viewer
sees, the audit log, the outbox as the administrator sees it (and, for the Zalo ids, the
clerks' page and the database files), after reports came in by the form, the hotline and
Zalo and were handled, alerted overdue, counted into the PA_* indicators and answered
back to the Zalo user through Zalo OA on loopback."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fieldreports_helpers import jpeg_with_exif
from fixtures_base import new_store
from fixtures_notify import ZALO_TOKEN, fake_api
from fixtures_web import NOW, PASSWORD, dump, login, make_settings, render_page, seed

from coc.api import PREFIX, create_blueprint
from coc.auth import add_user
from coc.devices.queries import recent_alerts
from coc.fieldreports import alerts, answers, handling, queries, service
from coc.fieldreports.categories import load_categories
from coc.indicators.engine import Engine
from coc.ingest.records import Rejected
from coc.notify import outbox
from coc.notify.config import load_notify
from coc.periods import with_enclosing
from coc.store import audit
from coc.store.quarantine import listing

PHONE, PHONE_2 = "0987111222", "0977333444"
NAME = "Phạm Thị Xuân Mai"
TOKEN = "feed-token-privacy-1"
HOTLINE = "hotline-token-privacy-1"
ZALO_USER, ZALO_APP_USER = "4815162342108870001", "9081726354453627180"
ZALO_IDS = (ZALO_USER, ZALO_APP_USER)


def variants(phone: str) -> list[str]:
    """The phone as it could leak: as typed, with +84, and its last digits grouped."""
    return [phone, "+84" + phone[1:], "84" + phone[1:], f"{phone[:4]} {phone[4:7]} {phone[7:]}"]


def leaks(text: str) -> list[str]:
    found = [v for p in (PHONE, PHONE_2) for v in variants(p) if v in text]
    return found + [x for x in (NAME, *ZALO_IDS) if x in text]


@pytest.fixture
def site(tmp_path: Any, shipped_catalog: Any) -> Any:
    from dashboards.app import create_app

    store = new_store(tmp_path / "p.sqlite3")
    seed(store, shipped_catalog)
    add_user(store, "thuky", PASSWORD, "clerk", name="Thư ký xã")
    add_user(store, "xem", PASSWORD, "viewer", name="Người xem")
    add_user(store, "quantri", PASSWORD, "admin", name="Quản trị")
    with fake_api("zalo") as (zalo_url, zalo):
        notifications = tmp_path / "notifications.yaml"
        notifications.write_text(
            f"channels:\n  - {{name: zalo-oa, type: zalo, api_url: '{zalo_url}', "
            "token_env: PRIVACY_ZALO_TOKEN}\n", encoding="utf-8")  # fmt: skip
        settings = make_settings(tmp_path / "data")
        settings = settings.model_copy(update={
            "feed": settings.feed.model_copy(update={"tokens": [TOKEN]}),
            "fieldreports": settings.fieldreports.model_copy(update={
                "tokens": [HOTLINE], "zalo_channel": "zalo-oa",
                "public_url": "https://xa.example.vn"}),
            "alerts": settings.alerts.model_copy(
                update={"notifications_file": str(notifications)}),
        })  # fmt: skip
        app = create_app(store, settings, shipped_catalog, clock=lambda: NOW)
        app.server.register_blueprint(create_blueprint(store, settings, shipped_catalog),
                                      url_prefix=PREFIX)  # fmt: skip
        yield app, store, settings, shipped_catalog, zalo
    store.dispose()


def zalo_event(msg_id: str, text: str) -> dict[str, Any]:
    """A Zalo OA user_send_text event, received in October (not the counted month)."""
    return {"app_id": "app9", "user_id_by_app": ZALO_APP_USER, "event_name": "user_send_text",
            "timestamp": str(int((NOW - timedelta(days=30)).timestamp() * 1000)),
            "sender": {"id": ZALO_USER}, "recipient": {"id": "579745863508352884"},
            "message": {"msg_id": msg_id, "text": text}}  # fmt: skip


def database_bytes(store: Any) -> bytes:
    """The SQLite file and its WAL as they lie on disk."""
    path = Path(store.engine.url.database)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def nav_pages_for() -> list[str]:
    from dashboards.app import nav_pages

    return [p["path"] for p in nav_pages() if not p.get("province_only")]


def test_phone_and_name_never_leave_the_clerks(site: Any, caplog: pytest.LogCaptureFixture) -> None:
    app, store, settings, catalog, zalo_api = site
    caplog.set_level(logging.DEBUG)
    client = app.server.test_client()
    page = client.get("/phan-anh").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = client.post("/phan-anh/gui", headers={"Origin": "http://localhost"}, data={
        "csrf_token": token, "category": "an_ninh_trat_tu", "hamlet": "Thôn Tự Nhiên",
        "description": "Nhóm thanh niên tụ tập gây ồn ào ở bến đò lúc nửa đêm",
        "lat": "20.8190", "lon": "105.9206", "location_source": "gps", "name": NAME,
        "phone": "+84 987 111 222", "photos": [(io.BytesIO(jpeg_with_exif((800, 600))), "a.jpg")],
    }, content_type="multipart/form-data")  # fmt: skip
    assert sent.status_code == 303
    code = service.normalize_code(sent.headers["Location"].split("/")[-1].split("?")[0])
    hot = client.post(f"{PREFIX}/fieldReports", headers={"Authorization": f"Bearer {HOTLINE}"},
                      json={"callId": "C-9", "callerNumber": PHONE_2, "callerName": NAME,
                            "category": "moi_truong",
                            "content": "Khói đốt rơm rạ phủ kín đường liên xã"})  # fmt: skip
    assert hot.status_code == 201
    bad = client.post(f"{PREFIX}/fieldReports", headers={"Authorization": f"Bearer {HOTLINE}"},
                      json={"callId": "C-10", "callerNumber": PHONE_2, "content": "?"})  # fmt: skip
    assert bad.status_code == 400 and not leaks(bad.get_data(as_text=True))
    zalo_path, bridge = f"{PREFIX}/fieldReports/zalo", {"Authorization": f"Bearer {HOTLINE}"}
    event = zalo_event("zm-1", "#moi_truong Rác đổ tràn ra bờ kênh An Cảnh")
    by_zalo = client.post(zalo_path, headers=bridge, json=event)
    assert by_zalo.status_code == 201 and not leaks(by_zalo.get_data(as_text=True))
    zalo_code = service.normalize_code(by_zalo.get_json()["code"])
    short = client.post(zalo_path, headers=bridge, json=zalo_event("zm-2", "hi"))
    assert short.status_code == 400 and not leaks(short.get_data(as_text=True))
    cats = load_categories(settings)
    later = NOW + timedelta(days=4)
    alerts.check_deadlines(store, cats, now=later, remind_hours=24)  # the 3-day one is overdue
    for action in ("accept", "start", "resolve"):
        handling.apply(
            store, code, handling.Change(action), actor="thuky", categories=cats, now=later
        )
    refused = handling.apply(store, code, handling.Change("answer", answer=f"Đã liên hệ {PHONE}"),
                             actor="thuky", categories=cats, now=later)  # fmt: skip
    assert isinstance(refused, Rejected)  # a phone in the answer is never published
    done = handling.Change(
        "answer", answer="Công an xã đã tuần tra, nhắc nhở.", publish_photos=True
    )
    handling.apply(store, code, done, actor="thuky", categories=cats, now=later)
    env = {"PRIVACY_ZALO_TOKEN": ZALO_TOKEN}
    for action in ("accept", "resolve"):
        handling.apply(store, zalo_code, handling.Change(action), actor="thuky",
                       categories=cats, now=later)  # fmt: skip
    handling.apply(store, zalo_code, handling.Change("answer", answer="Xã đã thu gom rác."),
                   actor="thuky", categories=cats, now=later,
                   routes=answers.Routes.load(settings, env))  # fmt: skip
    sent = outbox.dispatch(store, load_notify(settings, env), later + timedelta(minutes=1),
                           policy=outbox.policy_of(settings), max_attempts=3,
                           addressees=answers.addressees(settings))  # fmt: skip
    assert sent.sent == 1  # the answer reached the Zalo user, addressed by the plain id...
    assert [g["body"]["recipient"] for g in zalo_api.got] == [{"user_id": ZALO_USER}]
    months = with_enclosing([f"{NOW:%Y%m}"])
    Engine(catalog).refresh(store, settings.commune.code, months, now=later)

    seen: dict[str, str] = {}
    auth = {"Authorization": f"Bearer {TOKEN}"}
    feed = client.get(f"{PREFIX}/dataValueSets?limit=10000", headers=auth).get_json()
    codes = {v["dataElement"] for v in feed["dataValues"]}
    assert {"PA_TIEP_NHAN", "PA_DUNG_HAN", "PA_QUA_HAN"} <= codes  # aggregates only
    received = [v for v in feed["dataValues"] if v["dataElement"] == "PA_TIEP_NHAN"
                and v["period"] == f"{NOW:%Y%m}"]  # fmt: skip
    # the form's (the API stamps real time), in total and by its category and hamlet
    combos = {v.get("categoryOptionCombo", ""): v["value"] for v in received}
    assert combos[""] == "1" and len(combos) == 3, combos
    assert {c.partition(".")[0] for c in combos if c} == {"linh_vuc", "thon"}
    seen["feed"] = json.dumps(feed, ensure_ascii=False)
    for path in ("/alerts", "/health", "/devices", "/indicators", "/openapi.json",
                 f"/fieldReports/{code}"):  # fmt: skip
        headers = {"Authorization": f"Bearer {HOTLINE if 'fieldReports' in path else TOKEN}"}
        answer = client.get(PREFIX + path, headers=headers)
        assert answer.status_code == 200, path
        seen[path] = json.dumps(answer.get_json(), ensure_ascii=False)  # no \\u escapes
    with store.session() as session:
        raised = [a for a in recent_alerts(session) if a["rule"] == alerts.RULE]
    assert [a["status"] for a in raised] == ["cleared"] * 2  # overdue, cleared when handled
    seen["alert history"] = json.dumps(raised, ensure_ascii=False)
    shown = service.shown_code(code)
    for path in (f"/phan-anh/ma/{shown}", "/phan-anh", f"/phan-anh/tra-cuu?ma={shown}"):
        seen[path] = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert "Công an xã đã tuần tra" in seen[f"/phan-anh/ma/{shown}"]
    public = queries.public_status(store, code)
    photo = client.get(f"/phan-anh/anh/{code}/{public.photo_ids[0]}.jpg").data
    assert b"SecretPhone" not in photo and b"Exif" not in photo
    for path in nav_pages_for():  # every page an anonymous visitor, then a viewer, can open
        seen[f"anon {path}"] = dump(render_page(client, path))
    seen["wall"] = dump(render_page(client, "/wall", "?pages=phan-anh"))
    login(client, "xem")
    for path in nav_pages_for():
        seen[f"viewer {path}"] = dump(render_page(client, path))
    seen["viewer monthly report"] = client.get(f"/bao-cao/thang?period={NOW:%Y%m}").get_data(
        as_text=True
    )
    assert "Phản ánh" in seen["viewer monthly report"]
    with store.session() as session:
        seen["audit"] = " ".join(f"{a.actor} {a.action} {a.entity_key} {a.old_value} {a.new_value} "
                                 f"{a.detail}" for a in audit.recent(session, 1000))  # fmt: skip
        seen["outbox"] = json.dumps(outbox.deliveries(session), ensure_ascii=False)
    quarantined = json.dumps([i.raw for i in listing(store)], ensure_ascii=False)  # clerks'
    assert "(đã ẩn)" in quarantined  # the refused Zalo event, kept without its ids
    login(client, "quantri")
    seen["admin outbox page"] = dump(render_page(client, "/thong-bao"))
    assert service.shown_code(zalo_code) in seen["admin outbox page"]
    seen["logs"] = "\n".join(r.getMessage() for r in caplog.records)
    assert {k: leaks(v) for k, v in seen.items() if leaks(v)} == {}
    # ...while the clerk sees phone and name, so the scan would have found them had they
    # leaked; the Zalo id the clerk never sees, and the database holds it sealed only
    login(client, "thuky")
    clerk = dump(render_page(client, "/xu-ly-phan-anh"))
    assert PHONE in clerk and PHONE_2 in clerk and NAME in clerk
    assert [z for z in ZALO_IDS if z in clerk + quarantined] == []
    store.dispose()  # the WAL checkpointed into the file: both scanned as they lie on disk
    on_disk = database_bytes(store)
    assert PHONE.encode() in on_disk  # the scan reads the real file (phones are clerks' data)
    assert [z for z in ZALO_IDS if z.encode() in on_disk] == []
