"""Field-report intake: photos checked by content and cleaned, the form, hotline and Zalo
parsers (hypothesis: a value or a rejection with a reason, never a raise)."""

from __future__ import annotations

import io
from datetime import timedelta

from fieldreports_helpers import NOW, PHONE, categories, jpeg_with_exif, png_bytes
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from coc.fieldreports.intake import (
    Area,
    Draft,
    Ignored,
    Limits,
    normalize_phone,
    parse_form,
    parse_hotline,
    parse_zalo,
    zalo_signature_ok,
)
from coc.fieldreports.photos import Photo, clean_photo
from coc.ingest.records import Rejected

CATS = categories()
LIMITS = Limits(max_photos=3, max_photo_bytes=2**20, photo_max_side=800, max_description=500)
AREA = Area(west=105.85, south=20.78, east=105.96, north=20.88)
GOOD = {
    "category": "giao_thong",
    "description": "Ổ gà lớn giữa đường trục thôn, xe máy dễ ngã",
    "hamlet": "Thôn Hà Vỹ",
    "lat": "20.8301",
    "lon": "105.8990",
    "location_source": "gps",
    "name": "Nguyễn Văn Bình",
    "phone": "+84 912 345 678",
}


def test_photo_is_reencoded_without_exif_and_scaled() -> None:
    raw = jpeg_with_exif()
    assert b"SecretPhone" in raw and b"SERIAL-998877" in raw
    photo = clean_photo(raw, max_bytes=2**22, max_side=800)
    assert isinstance(photo, Photo)
    assert (photo.width, photo.height) == (800, 400)
    assert b"SecretPhone" not in photo.data and b"SERIAL" not in photo.data
    assert b"Exif" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as img:
        assert img.format == "JPEG"
        assert not img.getexif()
        assert img.getexif().get_ifd(0x8825) == {}


def test_photo_type_is_read_from_content() -> None:
    assert isinstance(clean_photo(png_bytes(), max_bytes=2**20, max_side=800), Photo)
    broken = b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10
    assert clean_photo(broken, max_bytes=2**20, max_side=800) == Rejected(
        "tệp ảnh bị hỏng, không đọc được"
    )
    assert clean_photo(b"%PDF-1.7 ...", max_bytes=2**20, max_side=800) == Rejected(
        "tệp không phải ảnh JPEG, PNG, WebP hoặc GIF"
    )
    html = b"<html><script>alert(1)</script></html>"
    assert isinstance(clean_photo(html, max_bytes=2**20, max_side=800), Rejected)
    assert clean_photo(b"x" * 2000, max_bytes=1024, max_side=800) == Rejected("ảnh lớn hơn 1 KB")


def test_truncated_jpeg_is_refused() -> None:
    raw = jpeg_with_exif((300, 200))
    result = clean_photo(raw[: len(raw) // 2], max_bytes=2**20, max_side=800)
    assert isinstance(result, Rejected)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_clean_photo_never_raises(raw: bytes) -> None:
    result = clean_photo(raw, max_bytes=2**20, max_side=400)
    assert isinstance(result, Photo | Rejected)
    if isinstance(result, Rejected):
        assert result.reason


def test_form_parses_a_good_report() -> None:
    draft = parse_form(
        GOOD, [jpeg_with_exif((600, 400))], categories=CATS, limits=LIMITS, area=AREA
    )
    assert isinstance(draft, Draft)
    assert (draft.category, draft.hamlet, draft.phone) == ("giao_thong", "Thôn Hà Vỹ", PHONE)
    assert (draft.lat, draft.lon, draft.location_source) == (20.8301, 105.899, "gps")
    assert len(draft.photos) == 1 and not draft.honeypot


def test_form_rejections_have_reasons() -> None:
    def reason(**changes: object) -> str:
        result = parse_form({**GOOD, **changes}, [], categories=CATS, limits=LIMITS, area=AREA)
        assert isinstance(result, Rejected)
        return result.reason

    assert reason(category="") == "chưa chọn nhóm phản ánh"
    assert reason(category="xyz") == "nhóm phản ánh không có trong danh mục"
    assert reason(description="ngắn") == "nội dung cần ít nhất 10 ký tự"
    assert reason(description="a" * 501) == "nội dung dài quá 500 ký tự"
    assert reason(hamlet="Thôn Không Có") == "thôn không có trong danh sách của xã"
    assert reason(lat="21.5") == "vị trí nằm ngoài địa bàn xã"
    assert reason(lon="") == "vị trí cần cả vĩ độ và kinh độ"
    assert reason(lat="nan") == "vị trí không hợp lệ"
    assert reason(phone="12345") == "số điện thoại không đúng (10 hoặc 11 chữ số, bắt đầu bằng 0)"
    too_many = parse_form(GOOD, [png_bytes()] * 4, categories=CATS, limits=LIMITS, area=AREA)
    assert too_many == Rejected("chỉ gửi được tối đa 3 ảnh")
    bad_photo = parse_form(GOOD, [png_bytes(), b"GIF89a-nope"], categories=CATS, limits=LIMITS)
    assert bad_photo == Rejected("ảnh 2: tệp không phải ảnh JPEG, PNG, WebP hoặc GIF")


def test_form_honeypot_and_optional_fields() -> None:
    bare = {"category": "khac", "description": "Cây đổ chắn ngang đường", "website": "http://x"}
    draft = parse_form(bare, [], categories=CATS, limits=LIMITS, area=AREA)
    assert isinstance(draft, Draft)
    assert draft.honeypot and draft.phone is None and draft.lat is None and draft.hamlet is None


def test_phone_forms() -> None:
    assert normalize_phone("0912.345.678") == PHONE
    assert normalize_phone("84912345678") == PHONE
    assert normalize_phone("02433 123 456") == "02433123456"
    assert normalize_phone("") is None
    assert isinstance(normalize_phone("０９１２３４５６７８"), Rejected)  # full-width digits
    assert isinstance(normalize_phone(True), Rejected)


TEXT = st.one_of(st.none(), st.text(max_size=60), st.integers(), st.floats(), st.booleans())


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["category", "description", "hamlet", "lat", "lon", "phone", "name",
                         "website", "location_source"]),
        TEXT,
    ),
    st.lists(st.binary(max_size=200), max_size=4),
)  # fmt: skip
def test_parse_form_never_raises(fields: dict, files: list[bytes]) -> None:
    result = parse_form(fields, files, categories=CATS, limits=LIMITS, area=AREA)
    assert isinstance(result, Draft | Rejected)
    if isinstance(result, Rejected):
        assert result.reason


HOTLINE = {
    "callId": "HL-20261130-0042",
    "callerNumber": "0987 654 321",
    "callerName": "Trần Thị Hoa",
    "category": "dien_chieu_sang",
    "content": "Đèn đường ngõ 3 thôn Kỳ Dương tắt cả tuần",
    "hamlet": "Thôn Kỳ Dương",
    "receivedAt": "2026-11-30T09:15:00+07:00",
}


def test_hotline_ticket() -> None:
    draft = parse_hotline(HOTLINE, categories=CATS, limits=LIMITS, now=NOW, area=AREA)
    assert isinstance(draft, Draft)
    assert (draft.channel, draft.external_id, draft.phone) == (
        "hotline",
        "HL-20261130-0042",
        "0987654321",
    )
    assert draft.received_at == NOW - timedelta(minutes=45)
    future = parse_hotline({**HOTLINE, "receivedAt": "2026-12-30T09:00:00+07:00"},
                           categories=CATS, limits=LIMITS, now=NOW)  # fmt: skip
    assert future == Rejected("receivedAt không được ở tương lai")
    assert parse_hotline({**HOTLINE, "callId": None}, categories=CATS, limits=LIMITS,
                         now=NOW) == Rejected("thiếu callId")  # fmt: skip
    no_category = parse_hotline(
        {**HOTLINE, "category": None}, categories=CATS, limits=LIMITS, now=NOW
    )
    assert isinstance(no_category, Draft) and no_category.category == "khac"


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(JSONISH, st.fixed_dictionaries({k: JSONISH for k in HOTLINE})))
def test_parse_hotline_never_raises(body: object) -> None:
    result = parse_hotline(body, categories=CATS, limits=LIMITS, now=NOW, area=AREA)
    assert isinstance(result, Draft | Rejected)


def zalo_event(name: str, **message: object) -> dict:
    return {
        "app_id": "3601234567890",
        "user_id_by_app": "552177279717587730",
        "event_name": name,
        "timestamp": str(int(NOW.timestamp() * 1000) - 60_000),
        "sender": {"id": "246845883529197922"},
        "recipient": {"id": "579745863508352884"},
        "message": {"msg_id": f"msg-{name}", **message},
    }


def test_zalo_text_image_location_and_other_events() -> None:
    said = "#moi_truong Rác đổ bừa bãi bờ đê thôn Từ Vân"
    text = parse_zalo(zalo_event("user_send_text", text=said),
                      categories=CATS, limits=LIMITS, now=NOW, area=AREA)  # fmt: skip
    assert isinstance(text, Draft)
    assert (text.category, text.description, text.sender) == (
        "moi_truong", "Rác đổ bừa bãi bờ đê thôn Từ Vân", "246845883529197922")  # fmt: skip
    assert text.received_at == NOW - timedelta(minutes=1) and not text.extra_text
    image = parse_zalo(
        zalo_event("user_send_image", attachments=[
            {"type": "image", "payload": {"url": "https://zalo.example/a.jpg", "thumbnail": "x"}}]),
        categories=CATS, limits=LIMITS, now=NOW, area=AREA)  # fmt: skip
    assert isinstance(image, Draft) and image.extra_text
    assert image.photo_links == ("https://zalo.example/a.jpg",)
    where = parse_zalo(
        zalo_event("user_send_location", attachments=[
            {"type": "location", "payload": {"coordinates": {"latitude": "20.8241",
                                                             "longitude": "105.9118"}}}]),
        categories=CATS, limits=LIMITS, now=NOW, area=AREA)  # fmt: skip
    assert isinstance(where, Draft) and (where.lat, where.lon) == (20.8241, 105.9118)
    assert parse_zalo(zalo_event("follow"), categories=CATS, limits=LIMITS, now=NOW) == Ignored(
        "follow"
    )
    short = parse_zalo(
        zalo_event("user_send_text", text="hi"), categories=CATS, limits=LIMITS, now=NOW
    )
    assert short == Rejected("nội dung cần ít nhất 10 ký tự")


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    JSONISH,
    st.fixed_dictionaries({
        "event_name": st.sampled_from(["user_send_text", "user_send_image", "x"]),
        "timestamp": JSONISH, "sender": JSONISH | st.fixed_dictionaries({"id": JSONISH}),
        "message": JSONISH | st.fixed_dictionaries({"msg_id": JSONISH, "text": JSONISH,
                                                     "attachments": JSONISH}),
    }),
))  # fmt: skip
def test_parse_zalo_never_raises(body: object) -> None:
    result = parse_zalo(body, categories=CATS, limits=LIMITS, now=NOW, area=AREA)
    assert isinstance(result, Draft | Ignored | Rejected)


def test_zalo_signature() -> None:
    import hashlib

    raw = b'{"event_name":"user_send_text","timestamp":"1764471600000"}'
    mac = hashlib.sha256(b"app1" + raw + b"1764471600000" + b"s3cret").hexdigest()
    assert zalo_signature_ok(raw, f"mac={mac}", app_id="app1", secret="s3cret")
    assert not zalo_signature_ok(raw, f"mac={mac}", app_id="app1", secret="other")
    assert not zalo_signature_ok(raw, None, app_id="app1", secret="s3cret")
    assert not zalo_signature_ok(b"\xff{", "mac=00", app_id="app1", secret="s3cret")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.one_of(st.none(), st.text(max_size=80)))
def test_zalo_signature_never_raises(raw: bytes, header: str | None) -> None:
    assert zalo_signature_ok(raw, header, app_id="a", secret="s") in (True, False)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.text(max_size=50)))
def test_normalize_code_never_raises(typed: object) -> None:
    from coc.fieldreports.service import ALPHABET, normalize_code

    code = normalize_code(typed)
    assert code is None or (code.startswith("PA") and all(c in ALPHABET for c in code[2:]))


def test_normalize_code_forms() -> None:
    from coc.fieldreports.service import normalize_code, shown_code

    assert normalize_code("pa-7k3m 9q") == "PA7K3M9Q"
    assert normalize_code("7K3M9Q") == "PA7K3M9Q"
    assert normalize_code("PA-7K3M9O") is None  # O is not in the alphabet
    assert shown_code("PA7K3M9Q") == "PA-7K3M9Q"


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT)
def test_location_never_raises(lat: object, lon: object) -> None:
    from coc.fieldreports.intake import location

    where = location(lat, lon, AREA)
    assert where is None or isinstance(where, Rejected) or AREA.contains(*where)
