"""The public field-report pages through Flask's test client: the form, a submission with
a photo, refusals shown on the form, CSRF and origin, the look-up by code, published
photos only, the clerk-only photo route and the body limit of the form."""

from __future__ import annotations

import io
import re
from typing import Any

from fieldreports_helpers import NAME, PHONE, categories, jpeg_with_exif
from fixtures_web import ORIGIN, login

from coc.fieldreports import handling, queries, service

CATS = categories()


def form_token(client: Any) -> str:
    page = client.get("/phan-anh").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def send(client: Any, token: str, photos: list[bytes] | None = None, **fields: str) -> Any:
    data: dict[str, Any] = {
        "csrf_token": token, "lang": "vi", "category": "moi_truong",
        "description": "Bãi rác tự phát cạnh kênh tưới thôn An Cảnh", "hamlet": "Thôn An Cảnh",
        "lat": "20.8322", "lon": "105.8935", "location_source": "map", "name": NAME,
        "phone": PHONE, "website": "", **fields,
    }  # fmt: skip
    data["photos"] = [(io.BytesIO(p), f"IMG_{i}.jpg") for i, p in enumerate(photos or [])]
    return client.post("/phan-anh/gui", data=data, headers=ORIGIN,
                       content_type="multipart/form-data")  # fmt: skip


def test_form_is_public_and_vietnamese(fresh_app: Any) -> None:
    client = fresh_app.server.test_client()
    page = client.get("/phan-anh")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    wanted = ("Phản ánh hiện trường", "Nhóm vấn đề", "Môi trường, rác thải", "Thôn Hà Vỹ",
              "Dùng vị trí hiện tại của điện thoại", 'id="fr-map"', 'name="website"')  # fmt: skip
    for words in wanted:
        assert words in text
    assert "moi_truong</option>" not in text  # keys are values, never shown
    english = client.get("/phan-anh?lang=en").get_data(as_text=True)
    assert "Report a problem" in english and "Environment, waste" in english
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_submit_with_photo_then_lookup(fresh_app: Any) -> None:
    client = fresh_app.server.test_client()
    answer = send(client, form_token(client), [jpeg_with_exif((1200, 900))])
    assert answer.status_code == 303
    where = answer.headers["Location"]
    assert re.fullmatch(r"/phan-anh/ma/PA-[2-9A-Z]{6}\?moi=1", where)
    page = client.get(where).get_data(as_text=True)
    assert "Cảm ơn bạn! UBND xã đã nhận phản ánh." in page and "Mới" in page
    assert PHONE not in page and NAME not in page
    code = service.normalize_code(where.split("/")[-1].split("?")[0])
    store = fresh_app.coc_state.store
    detail = queries.clerk_detail(store, code)
    assert detail["reporter_phone"] == PHONE and len(detail["photos"]) == 1
    pid = detail["photos"][0]["id"]
    assert client.get(f"/phan-anh/anh/{code}/{pid}.jpg").status_code == 404  # not published
    assert client.get(f"/phan-anh/anh-xu-ly/{pid}.jpg").status_code == 403  # not a clerk
    login(client, "thuky")
    clerk_photo = client.get(f"/phan-anh/anh-xu-ly/{pid}.jpg")
    assert clerk_photo.status_code == 200 and clerk_photo.data[:2] == b"\xff\xd8"
    assert b"SecretPhone" not in clerk_photo.data
    now = fresh_app.coc_state.now()
    for action in ("accept", "start", "resolve"):
        handling.apply(
            store, code, handling.Change(action), actor="thuky", categories=CATS, now=now
        )
    done = handling.Change("answer", answer="Đã thu dọn bãi rác, đặt biển cấm đổ.",
                           publish_photos=True)  # fmt: skip
    handling.apply(store, code, done, actor="thuky", categories=CATS, now=now)
    looked = client.get(f"/phan-anh/tra-cuu?ma={code.lower()}")
    assert looked.status_code == 303
    final = client.get(looked.headers["Location"]).get_data(as_text=True)
    assert "Đã thu dọn bãi rác, đặt biển cấm đổ." in final and "Đã phản hồi" in final
    assert client.get(f"/phan-anh/anh/{code}/{pid}.jpg").status_code == 200


def test_refusals_are_shown_on_the_form(fresh_app: Any) -> None:
    client = fresh_app.server.test_client()
    token = form_token(client)
    short = send(client, token, description="ngắn")
    assert short.status_code == 400
    assert "Chưa gửi được: nội dung cần ít nhất 10 ký tự" in short.get_data(as_text=True)
    fake = send(client, token, [b"<?php echo 1; ?>" * 20])
    assert "ảnh 1: tệp không phải ảnh JPEG, PNG, WebP hoặc GIF" in fake.get_data(as_text=True)
    outside = send(client, token, lat="21.2", lon="105.5")
    assert "vị trí nằm ngoài địa bàn xã" in outside.get_data(as_text=True)
    no_token = send(client, "forged")
    assert no_token.status_code == 400 and "Biểu mẫu đã hết hạn" in no_token.get_data(as_text=True)
    kept = short.get_data(as_text=True)
    assert 'value="Thôn An Cảnh" selected' in kept and f'value="{PHONE}"' in kept  # refilled
    assert queries.clerk_rows(fresh_app.coc_state.store) == []


def test_form_body_limit_allows_photos_but_not_more(fresh_app: Any) -> None:
    client = fresh_app.server.test_client()
    big = client.post("/phan-anh/gui", data=b"x" * (26 * 2**20), headers={
        **ORIGIN, "Content-Type": "multipart/form-data; boundary=x"})  # fmt: skip
    assert big.status_code == 413 and big.mimetype == "text/html"
    assert TOO_LARGE in big.get_data(as_text=True) and 'id="fr-form"' in big.get_data(as_text=True)
    other = client.post("/login", data=b"x" * (3 * 2**20), headers={"Content-Type": "text/plain"})
    assert other.status_code == 413 and other.json["error"]  # not a form page: the JSON reason


TOO_LARGE = (
    "Chưa gửi được: ảnh gửi kèm quá lớn hoặc quá nhiều. Mỗi lần gửi tối đa 3 ảnh, mỗi ảnh "
    "không quá 8 MB (cả biểu mẫu không quá 25 MB). Vui lòng bớt ảnh hoặc chọn ảnh nhỏ hơn rồi "
    "gửi lại."
)


def test_form_over_the_body_cap_over_http_is_the_form_with_a_vietnamese_reason(
    fresh_app: Any,
) -> None:
    """As a phone sends it, through waitress as in production: four 7 MB photos (28 MB, over
    3 × 8 MB + 1 MB) come back as the form page, 413, saying the limits; nothing is stored.
    The form posts its language in the URL, so an English form is answered in English."""
    import requests
    from fixtures_base import serve_waitress

    with serve_waitress(fresh_app.server) as url, requests.Session() as browser:
        page = browser.get(f"{url}/phan-anh", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
        assert action == "/phan-anh/gui?lang=vi"
        photos = [("photos", (f"IMG_{i}.jpg", b"\xff\xd8" + b"x" * (7 * 2**20), "image/jpeg"))
                  for i in range(4)]  # fmt: skip
        fields = {"csrf_token": token, "lang": "vi", "category": "moi_truong",
                  "description": "Bãi rác tự phát cạnh kênh tưới"}  # fmt: skip
        answer = browser.post(url + action, data=fields, files=photos, timeout=60,
                              headers={"Origin": url})  # fmt: skip
        assert answer.status_code == 413 and answer.headers["Content-Type"].startswith("text/html")
        assert TOO_LARGE in answer.text and 'name="csrf_token"' in answer.text
        assert "<title>Phản ánh hiện trường</title>" in answer.text
        english = browser.post(f"{url}/phan-anh/gui?lang=en", data=fields, files=photos,
                               timeout=60, headers={"Origin": url})  # fmt: skip
        assert english.status_code == 413
        assert "Not sent: the photos are too large or too many. Send at most 3 photos" in (
            english.text
        )
    assert queries.clerk_rows(fresh_app.coc_state.store) == []


def test_form_carries_the_photo_limits_for_its_own_check(fresh_app: Any) -> None:
    """form.js refuses too many or too large photos before upload with these messages."""
    client = fresh_app.server.test_client()
    page = client.get("/phan-anh").get_data(as_text=True)
    assert f'data-max="3" data-max-bytes="{8 * 2**20}"' in page
    assert 'data-too-many="Chỉ gửi được tối đa 3 ảnh, bạn đã chọn {k} ảnh.' in page
    assert 'data-too-big="Ảnh “{name}” nặng {size} MB, quá giới hạn 8 MB mỗi ảnh.' in page
    assert 'id="fr-photo-error"' in page
    script = client.get("/phan-anh/static/form.js").get_data(as_text=True)
    assert 'getAttribute("data-too-many")' in script and "ev.preventDefault()" in script


def test_unknown_code(fresh_app: Any) -> None:
    client = fresh_app.server.test_client()
    assert client.get("/phan-anh/ma/PA-222222").status_code == 404
    bad = client.get("/phan-anh/tra-cuu?ma=<script>")
    assert bad.status_code == 404 and "<script>" not in bad.get_data(as_text=True)


def test_clerk_page_shows_contact_only_to_clerks_and_map_page_never(fresh_app: Any) -> None:
    from fixtures_web import dump, render_page

    client = fresh_app.server.test_client()
    assert send(client, form_token(client)).status_code == 303
    anonymous = dump(render_page(client, "/xu-ly-phan-anh"))
    assert PHONE not in anonymous and "need-login" in anonymous
    public_map = dump(render_page(client, "/ban-do-phan-anh"))
    assert "Phản ánh đang mở trên bản đồ" in public_map and "Môi trường, rác thải" in public_map
    assert (
        PHONE not in public_map and NAME not in public_map and "Bãi rác tự phát" not in public_map
    )
    wall = dump(render_page(client, "/wall", "?pages=phan-anh"))
    assert "Phản ánh hiện trường" in wall and PHONE not in wall
    login(client, "xem")
    assert PHONE not in dump(render_page(client, "/xu-ly-phan-anh"))
    login(client, "thuky")
    clerk = dump(render_page(client, "/xu-ly-phan-anh"))
    assert f"{NAME} · {PHONE}" in clerk and "Mới" in clerk
    shown = re.sub(r'"value": "[a-z_]+"', "", clerk)  # a choice's key is its value, not shown
    assert '"value": "moi_truong"' in clerk and "moi_truong" not in shown


def _apply(
    client: Any, app: Any, code: str, action: str, text: str = "", category: str | None = None
) -> dict[str, Any]:
    """The clerk page's "Thực hiện" button, posted as the browser posts it."""
    import json

    key = next(k for k in app.callback_map if "fieldreports-message.children" in k)
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
               for o in key.strip(".").split("...")]  # fmt: skip
    state = {"code": code, "action": action, "assignee": None, "unit": None, "text": text,
             "photos": [], "category": category, "lang": "vi"}  # fmt: skip
    body = {
        "output": key,
        "outputs": outputs,
        "inputs": [{"id": "fieldreports-apply", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["fieldreports-apply.n_clicks"],
        "state": [{"id": f"fieldreports-{k}", "property": "data" if k == "lang" else "value",
                   "value": v} for k, v in state.items()],
    }  # fmt: skip
    response = client.post("/_dash-update-component", json=body, headers=ORIGIN)
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)["response"]


def test_publishing_says_when_the_answer_was_not_sent(fresh_app: Any) -> None:
    """No SMS channel configured: the clerk reads, in Vietnamese, that the answer is
    published but not sent and why; the report's detail keeps saying it."""
    from fixtures_web import dump

    client = fresh_app.server.test_client()
    sent = send(client, form_token(client))
    code = service.normalize_code(sent.headers["Location"].split("/")[-1].split("?")[0])
    login(client, "thuky")
    for action in ("accept", "resolve"):
        _apply(client, fresh_app, code, action)
    shown = dump(_apply(client, fresh_app, code, "answer", "Xã đã dọn bãi rác tự phát."))
    why = "chưa cấu hình kênh SMS để gửi phản hồi (fieldreports.answer_channel)"
    assert f"Câu trả lời đã đăng nhưng không gửi tới người phản ánh: {why}" in shown
    assert f"Không gửi tới người phản ánh — {why}" in shown  # the detail's "Gửi câu trả lời"
    assert "not_sendable" not in shown and "fieldreport:" not in shown


def test_clerk_corrects_a_category_from_the_page(fresh_app: Any) -> None:
    """A report sent as "Khác" moved to "Đê điều, thiên tai" from the page's category
    choice: the clerk reads the new category, deadline and unit in words, never a key;
    an unknown category is refused in Vietnamese."""
    from datetime import timedelta

    from fixtures_web import dump, render_page

    client = fresh_app.server.test_client()
    sent = send(client, form_token(client), category="khac")
    code = service.normalize_code(sent.headers["Location"].split("/")[-1].split("?")[0])
    login(client, "thuky")
    page = dump(render_page(client, "/xu-ly-phan-anh"))
    for words in ("Đổi nhóm vấn đề", "Nhóm vấn đề mới (khi đổi nhóm)", "Đê điều, thiên tai"):
        assert words in page
    _apply(client, fresh_app, code, "accept")  # unit: the "khác" default, the office
    refused = dump(_apply(client, fresh_app, code, "recategorize", category="ca_nhac"))
    assert "nhóm vấn đề này không có trong danh mục phản ánh" in refused
    done = dump(_apply(client, fresh_app, code, "recategorize", category="thien_tai"))
    row = queries.clerk_detail(fresh_app.coc_state.store, code)
    assert row["category"] == "thien_tai"
    assert row["deadline"] == row["received_at"] + timedelta(days=2)
    assert row["unit"] == "Ban Chỉ huy phòng chống thiên tai"
    from coc import fmt

    wanted = (f"Đã chuyển sang nhóm “Đê điều, thiên tai”; hạn xử lý: {fmt.day(row['deadline'])}"
              "; bộ phận: Ban Chỉ huy phòng chống thiên tai")  # fmt: skip
    assert wanted in done
    assert "thien_tai" not in re.sub(r'"value": "[a-z_]+"', "", done)


def test_lookups_past_the_limit_get_a_vietnamese_429(fresh_app: Any) -> None:
    """The 61st look-up from one address in an hour is refused with the look-up page and a
    Vietnamese reason; another address still looks up."""
    client = fresh_app.server.test_client()
    limit = fresh_app.coc_state.settings.fieldreports.lookups_per_hour
    assert limit == 60
    for _ in range(limit):
        assert client.get("/phan-anh/ma/PA-222222").status_code == 404
    busy = client.get("/phan-anh/ma/PA-222222")
    text = busy.get_data(as_text=True)
    assert busy.status_code == 429 and busy.headers["Retry-After"] == "3600"
    assert "<title>Tra cứu phản ánh</title>" in text
    assert "Tra cứu quá nhiều lần, vui lòng thử lại sau." in text and 'id="fr-lookup"' in text
    elsewhere = client.get("/phan-anh/ma/PA-222222", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert elsewhere.status_code == 404


def test_lookup_limit_is_a_setting(tmp_path: Any) -> None:
    from fixtures_web import make_settings

    from coc.fieldreports import abuse

    settings = make_settings(tmp_path)
    assert abuse.Rates.from_settings(settings).lookups_per_hour == 60
    fr = settings.fieldreports.model_copy(update={"lookups_per_hour": 7})
    assert abuse.Rates.from_settings(settings.model_copy(update={"fieldreports": fr})) == (
        abuse.Rates(per_address_hour=5, per_phone_day=5, hard_factor=4, lookups_per_hour=7)
    )


def test_form_rate_limit_per_address_moderation_then_429(fresh_app: Any) -> None:
    """One address, different phones: 5 reports an hour go in, the next 15 are held for
    moderation with the reason, the 21st is told in Vietnamese to try later."""
    client = fresh_app.server.test_client()
    token = form_token(client)
    answers = [send(client, token, phone=f"09120000{i:02d}",
                    description=f"Sự cố số {i} trên đường An Cảnh") for i in range(21)]  # fmt: skip
    assert [a.status_code for a in answers] == [303] * 20 + [429]
    refused = answers[-1].get_data(as_text=True)
    assert "Đã nhận quá nhiều phản ánh từ nơi gửi này. Vui lòng thử lại sau 60 phút." in refused
    assert answers[-1].headers["Retry-After"] == "3600"
    store = fresh_app.coc_state.store
    held = queries.clerk_rows(store, states=("cho_kiem_duyet",))
    assert len(held) == 15 and len(queries.clerk_rows(store, states=("moi",))) == 5
    assert {r["moderation_reason"] for r in held} == {
        f"gửi nhiều lần từ cùng một địa chỉ ({n} lần)" for n in range(6, 21)
    }


def _code(answer: Any) -> str:
    return service.normalize_code(answer.headers["Location"].split("/")[-1].split("?")[0])


FR_CODES = {"field_report", "release", "accept", "assign", "start", "resolve", "answer",
            "remind", "overdue", "deliver", "recategorize", "create", "update", "moi",
            "da_tiep_nhan", "dang_xu_ly", "da_xu_ly", "da_phan_hoi", "tu_choi", "cho_kiem_duyet",
            "queued", "sent", "retrying", "failed", "not_sendable", "web", "coc",
            "moi_truong", "dien_chieu_sang"}  # fmt: skip


def test_audit_page_names_field_report_entries_in_words(fresh_app: Any) -> None:
    """A report's whole life on the audit page: held (honeypot), released, accepted,
    reassigned, started, handled, answered (not sent: no SMS channel), a second one reminded
    and overdue; states, actions, channels and deliveries in words, times in local time."""
    from datetime import UTC, timedelta
    from zoneinfo import ZoneInfo

    from fixtures_web import find, login, render_page

    from coc.fieldreports import alerts
    from coc.store import audit

    client = fresh_app.server.test_client()
    token = form_token(client)
    first = _code(send(client, token, website="http://spam.example"))
    second = _code(send(client, token, description="Đèn đường thôn Hà Vỹ tắt cả tuần nay"))
    store, now = fresh_app.coc_state.store, fresh_app.coc_state.now()
    for change in (handling.Change("release"), handling.Change("accept", assignee="thuky"),
                   handling.Change("assign", assignee="thuky"), handling.Change("start"),
                   handling.Change("resolve"),
                   handling.Change("answer", answer="Đã dọn bãi rác cạnh kênh tưới.")):  # fmt: skip
        got = handling.apply(store, first, change, actor="thuky", categories=CATS, now=now)
        assert isinstance(got, str), got
    deadline = queries.clerk_detail(store, second)["deadline"]
    for at in (deadline - timedelta(hours=2), deadline + timedelta(hours=1)):
        alerts.check_deadlines(store, CATS, now=at, remind_hours=24)
    with store.write() as session:  # the handling page's coming "change category" action
        audit.record(session, "thuky", "recategorize", "field_report", second,
                     old="moi_truong", new="dien_chieu_sang")  # fmt: skip
    login(client, "thuky")
    table = find(render_page(client, "/nhat-ky"), {"type": "coc-table", "table": "nhat-ky"})
    rows = [r for r in table["props"]["rowData"] if r["entity"] == "Phản ánh hiện trường"]
    got = [(r["actor"], r["action"], r["key"], r["old"], r["new"]) for r in reversed(rows)]
    shown_first, shown_second = service.shown_code(first), service.shown_code(second)
    hanoi = deadline.replace(tzinfo=deadline.tzinfo or UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    overdue_at = hanoi.strftime("%H:%M %d/%m/%Y")
    assert got == [
        ("Người dân qua biểu mẫu web", "Tạo mới", shown_first, "", "Chờ kiểm duyệt"),
        ("Người dân qua biểu mẫu web", "Tạo mới", shown_second, "", "Mới"),
        ("thuky", "Duyệt khỏi kiểm duyệt", shown_first, "Chờ kiểm duyệt", "Mới"),
        ("thuky", "Chấp nhận", shown_first, "Mới", "Đã tiếp nhận"),
        ("thuky", "Giao xử lý", shown_first, "Đã tiếp nhận", "Đã tiếp nhận"),
        ("thuky", "Bắt đầu xử lý", shown_first, "Đã tiếp nhận", "Đang xử lý"),
        ("thuky", "Xử lý xong", shown_first, "Đang xử lý", "Đã xử lý"),
        ("Hệ thống (tự động)", "Gửi câu trả lời cho người dân", shown_first, "",
         "Không có cách gửi"),
        ("thuky", "Đăng câu trả lời", shown_first, "Đã xử lý", "Đã phản hồi"),
        ("Hệ thống (tự động)", "Nhắc hạn xử lý", shown_second, "", ""),
        ("Hệ thống (tự động)", "Quá hạn xử lý", shown_second, "", overdue_at),
        ("thuky", "Đổi nhóm vấn đề", shown_second, "Môi trường, rác thải",
         CATS.name("dien_chieu_sang")),
    ]  # fmt: skip
    shown = {v for row in rows for v in row.values()}
    assert not FR_CODES & shown, FR_CODES & shown
    assert not any(re.search(r"\d{4}-\d\d-\d\dT", v) for v in shown if isinstance(v, str))
    client.get("/phan-anh?lang=en")  # the language cookie
    english = find(render_page(client, "/nhat-ky", "?lang=en"),
                   {"type": "coc-table", "table": "nhat-ky"})["props"]["rowData"]  # fmt: skip
    assert {"Field report", "Released from moderation", "Answer sent to the reporter",
            "No way to send", "Awaiting moderation", "Citizen, web form",
            "Category changed"} <= {v for r in english for v in r.values()}  # fmt: skip


def test_quarantine_page_names_field_report_sources(fresh_app: Any) -> None:
    """A refused hotline ticket and Zalo event (and a web one) show their channel in words."""
    from fixtures_web import find, login, render_page

    from coc.fieldreports.channels import Intake
    from coc.ingest.records import Rejected
    from coc.store.models import Quarantine

    store, now = fresh_app.coc_state.store, fresh_app.coc_state.now()
    it = Intake.from_settings(store, fresh_app.coc_state.settings)
    hotline = {"callId": "HL-9", "callerNumber": PHONE, "category": "giao_thong",
               "content": "ngắn"}  # fmt: skip
    assert isinstance(it.hotline(hotline, now=now), Rejected)
    zalo = {"event_name": "user_send_text", "timestamp": "1", "sender": {"id": "77"},
            "message": {"msg_id": "z1", "text": "x"}}  # fmt: skip
    assert isinstance(it.zalo(zalo, now=now), Rejected)
    with store.write() as session:
        session.add(Quarantine(source="fieldreports.web", reason="thử", raw="{}"))
    client = fresh_app.server.test_client()
    login(client, "thuky")
    rows = find(render_page(client, "/cach-ly"), {"type": "coc-table", "table": "cach-ly"})[
        "props"
    ]["rowData"]
    assert sorted(r["source"] for r in rows) == [
        "Phản ánh qua Zalo OA", "Phản ánh qua biểu mẫu web", "Phản ánh qua đường dây nóng"
    ]  # fmt: skip
    assert not any("fieldreports." in str(v) for r in rows for v in r.values())
