"""Intake parsers: what a channel sends becomes a `Draft` or a `Rejected` with a reason.

Pure functions, never raising, one per channel: the public form (fields and uploaded
files), the hotline system's JSON ticket, and a Zalo Official Account webhook event
(`user_send_text`, `user_send_image`, `user_send_location`). `coc.fieldreports.service`
stores what they return.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from coc.fieldreports.categories import Categories
from coc.fieldreports.photos import Photo, clean_photo
from coc.ingest.records import Rejected
from coc.timeutil import parse_datetime

CHANNELS = ("web", "hotline", "zalo")
NAME_CHARS = 100
HAMLET_CHARS = 64
EXTERNAL_CHARS = 64
MIN_DESCRIPTION = 10
PHONE = re.compile(r"^0\d{9,10}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Limits:
    max_photos: int = 3
    max_photo_bytes: int = 8 * 2**20
    photo_max_side: int = 1600
    max_description: int = 2000

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        fr = settings.fieldreports
        return cls(
            max_photos=fr.max_photos,
            max_photo_bytes=int(fr.max_photo_mb * 2**20),
            photo_max_side=fr.photo_max_side,
            max_description=fr.max_description_chars,
        )


@dataclass(frozen=True)
class Area:
    """The commune's bounding box with a margin: a position outside it is refused."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def around(cls, lat: float, lon: float, margin: float) -> Area:
        return cls(lon - margin, lat - margin, lon + margin, lat + margin)

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


@dataclass(frozen=True)
class Draft:
    channel: str
    category: str
    description: str
    hamlet: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_source: str | None = None
    name: str | None = None
    phone: str | None = None
    photos: tuple[Photo, ...] = ()
    photo_links: tuple[str, ...] = ()
    external_id: str | None = None
    received_at: datetime | None = None
    sender: str | None = None  # a channel's own id of the person (Zalo user id)
    honeypot: bool = False
    extra_text: bool = False  # Zalo: this event adds to the sender's open report


def clean_text(value: Any, limit: int) -> str | None:
    """Trimmed text without control characters, or None when empty; too long is None too
    (callers check length first where it is an error)."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""
    text = CONTROL.sub("", value).strip()
    text = re.sub(r"[ \t]+", " ", text)
    return text[:limit] or None


def normalize_phone(value: Any) -> str | Rejected | None:
    """A Vietnamese phone number as 0xxxxxxxxx; +84 / 84 prefixes and separators allowed."""
    if value is None or value == "":
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        return Rejected("số điện thoại phải là chuỗi chữ số")
    digits = re.sub(r"[\s.\-()]", "", str(value))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not digits.isascii() or not PHONE.match(digits):
        return Rejected("số điện thoại không đúng (10 hoặc 11 chữ số, bắt đầu bằng 0)")
    return digits


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan
    return number


def location(lat: Any, lon: Any, area: Area | None) -> tuple[float, float] | Rejected | None:
    """Both or neither; numbers in range and, when `area` is given, inside the commune."""
    a, b = _number(lat), _number(lon)
    if a is None and b is None:
        return None
    if a is None or b is None:
        return Rejected("vị trí cần cả vĩ độ và kinh độ")
    if not (math.isfinite(a) and math.isfinite(b)) or not (-90 <= a <= 90 and -180 <= b <= 180):
        return Rejected("vị trí không hợp lệ")
    if area is not None and not area.contains(a, b):
        return Rejected("vị trí nằm ngoài địa bàn xã")
    return round(a, 6), round(b, 6)


def _category(value: Any, categories: Categories) -> str | Rejected:
    key = clean_text(value, 32)
    if key is None:
        return Rejected("chưa chọn nhóm phản ánh")
    if categories.get(key) is None:
        return Rejected("nhóm phản ánh không có trong danh mục")
    return key


def _hamlet(value: Any, categories: Categories) -> str | Rejected | None:
    hamlet = clean_text(value, HAMLET_CHARS + 1)
    if hamlet is None:
        return None
    if categories.hamlets and hamlet not in categories.hamlets:
        return Rejected("thôn không có trong danh sách của xã")
    if len(hamlet) > HAMLET_CHARS:
        return Rejected("tên thôn quá dài")
    return hamlet


def _description(value: Any, limits: Limits) -> str | Rejected:
    if isinstance(value, str) and len(value) > limits.max_description * 2:
        return Rejected(f"nội dung dài quá {limits.max_description} ký tự")
    text = clean_text(value, limits.max_description + 1)
    if text is None or len(text) < MIN_DESCRIPTION:
        return Rejected(f"nội dung cần ít nhất {MIN_DESCRIPTION} ký tự")
    if len(text) > limits.max_description:
        return Rejected(f"nội dung dài quá {limits.max_description} ký tự")
    return text


def _name(value: Any) -> str | Rejected | None:
    if isinstance(value, str) and len(value.strip()) > NAME_CHARS:
        return Rejected(f"họ tên dài quá {NAME_CHARS} ký tự")
    return clean_text(value, NAME_CHARS)


def _first(*checked: Any) -> Rejected | None:
    return next((c for c in checked if isinstance(c, Rejected)), None)


def parse_form(
    fields: Mapping[str, Any],
    files: Sequence[bytes],
    *,
    categories: Categories,
    limits: Limits,
    area: Area | None = None,
) -> Draft | Rejected:
    """The public form: category, description, hamlet, lat/lon with their source (map or
    gps), optional name and phone, the honeypot field `website`, and the photo files."""
    if not isinstance(fields, Mapping):
        return Rejected("biểu mẫu không hợp lệ")
    files = [f for f in files if isinstance(f, bytes | bytearray) and f]
    if len(files) > limits.max_photos:
        return Rejected(f"chỉ gửi được tối đa {limits.max_photos} ảnh")
    category = _category(fields.get("category"), categories)
    description = _description(fields.get("description"), limits)
    hamlet = _hamlet(fields.get("hamlet"), categories)
    where = location(fields.get("lat"), fields.get("lon"), area)
    phone = normalize_phone(fields.get("phone"))
    name = _name(fields.get("name"))
    bad = _first(category, description, hamlet, where, phone, name)
    if bad is not None:
        return bad
    photos: list[Photo] = []
    for i, raw in enumerate(files, 1):
        photo = clean_photo(bytes(raw), max_bytes=limits.max_photo_bytes,
                            max_side=limits.photo_max_side)  # fmt: skip
        if isinstance(photo, Rejected):
            return Rejected(f"ảnh {i}: {photo.reason}")
        photos.append(photo)
    source = fields.get("location_source")
    return Draft(
        channel="web",
        category=category,  # type: ignore[arg-type]
        description=description,  # type: ignore[arg-type]
        hamlet=hamlet,  # type: ignore[arg-type]
        lat=where[0] if where else None,  # type: ignore[index]
        lon=where[1] if where else None,  # type: ignore[index]
        location_source=(source if source in ("map", "gps") else "map") if where else None,
        name=name,  # type: ignore[arg-type]
        phone=phone,  # type: ignore[arg-type]
        photos=tuple(photos),
        honeypot=bool(clean_text(fields.get("website"), 200)),
    )


def _received(value: Any, now: datetime) -> datetime | Rejected | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return Rejected("receivedAt phải là ngày giờ ISO 8601")
    try:
        when = parse_datetime(value[:40])
    except (ValueError, TypeError, OverflowError):
        return Rejected("receivedAt không phải ngày giờ hợp lệ")
    if when is None or when > now:
        return Rejected("receivedAt không được ở tương lai")
    return when


def _external(value: Any, label: str) -> str | Rejected:
    text = clean_text(value, EXTERNAL_CHARS + 1)
    if text is None:
        return Rejected(f"thiếu {label}")
    if len(text) > EXTERNAL_CHARS:
        return Rejected(f"{label} dài quá {EXTERNAL_CHARS} ký tự")
    return text


def parse_hotline(
    body: Any,
    *,
    categories: Categories,
    limits: Limits,
    now: datetime,
    area: Area | None = None,
) -> Draft | Rejected:
    """A hotline call ticket: {"callId", "callerNumber", "callerName", "category",
    "content", "hamlet", "lat", "lon", "receivedAt"}; callId makes a resend harmless."""
    if not isinstance(body, dict):
        return Rejected("nội dung phải là một đối tượng JSON")
    call_id = _external(body.get("callId"), "callId")
    raw_category = body.get("category") or categories.default
    category = _category(raw_category, categories)
    description = _description(body.get("content"), limits)
    hamlet = _hamlet(body.get("hamlet"), categories)
    where = location(body.get("lat"), body.get("lon"), area)
    phone = normalize_phone(body.get("callerNumber"))
    name = _name(body.get("callerName"))
    received = _received(body.get("receivedAt"), now)
    bad = _first(call_id, category, description, hamlet, where, phone, name, received)
    if bad is not None:
        return bad
    return Draft(
        channel="hotline",
        category=category,  # type: ignore[arg-type]
        description=description,  # type: ignore[arg-type]
        hamlet=hamlet,  # type: ignore[arg-type]
        lat=where[0] if where else None,  # type: ignore[index]
        lon=where[1] if where else None,  # type: ignore[index]
        location_source="gps" if where else None,
        name=name,  # type: ignore[arg-type]
        phone=phone,  # type: ignore[arg-type]
        external_id=call_id,  # type: ignore[arg-type]
        received_at=received,  # type: ignore[arg-type]
    )


ZALO_EVENTS = ("user_send_text", "user_send_image", "user_send_location")


@dataclass(frozen=True)
class Ignored:
    """An event the intake does not handle (follow, reactions...): answered 200, not kept."""

    event: str


@dataclass(frozen=True)
class ZaloParts:
    texts: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    where: tuple[float, float] | None = None


def _zalo_attachments(message: dict, area: Area | None) -> ZaloParts | Rejected:
    parts = ZaloParts()
    attachments = message.get("attachments") or []
    if not isinstance(attachments, list):
        return Rejected("message.attachments phải là danh sách")
    for item in attachments[:10]:
        if not isinstance(item, dict) or not isinstance(item.get("payload"), dict):
            return Rejected("tệp đính kèm không hợp lệ")
        payload = item["payload"]
        if item.get("type") == "image":
            url = payload.get("url")
            if (
                isinstance(url, str)
                and url.startswith(("https://", "http://"))
                and len(url) <= 1000
            ):
                parts.images.append(url)
        elif item.get("type") == "location":
            coords = payload.get("coordinates")
            if not isinstance(coords, dict):
                return Rejected("vị trí Zalo thiếu coordinates")
            where = location(coords.get("latitude"), coords.get("longitude"), area)
            if isinstance(where, Rejected):
                return where
            parts = ZaloParts(parts.texts, parts.images, where)
    return parts


def parse_zalo(
    body: Any,
    *,
    categories: Categories,
    limits: Limits,
    now: datetime,
    area: Area | None = None,
) -> Draft | Ignored | Rejected:
    """A Zalo OA webhook event. A text starts a report (a first word naming a category,
    e.g. "#giao_thong", picks it); an image or a location adds to the sender's open one."""
    if not isinstance(body, dict):
        return Rejected("sự kiện Zalo phải là một đối tượng JSON")
    event = body.get("event_name")
    if not isinstance(event, str):
        return Rejected("thiếu event_name")
    if event not in ZALO_EVENTS:
        return Ignored(event[:40])
    sender = body.get("sender")
    message = body.get("message")
    if not isinstance(sender, dict) or not isinstance(message, dict):
        return Rejected("sự kiện Zalo thiếu sender hoặc message")
    sender_id = _external(sender.get("id"), "sender.id")
    msg_id = _external(message.get("msg_id"), "message.msg_id")
    bad = _first(sender_id, msg_id)
    if bad is not None:
        return bad
    stamp = _number(body.get("timestamp"))
    received: datetime | None = None
    if stamp is not None and math.isfinite(stamp) and 0 < stamp < now.timestamp() * 1000 + 6e5:
        received = datetime.fromtimestamp(stamp / 1000, UTC)
    parts = _zalo_attachments(message, area)
    if isinstance(parts, Rejected):
        return parts
    text = clean_text(message.get("text"), limits.max_description * 2) or ""
    category = categories.default
    first, _, rest = text.partition(" ")
    if first.startswith("#") and categories.get(first[1:]) is not None:
        category, text = first[1:], rest.strip()
    if event == "user_send_text":
        description = _description(text, limits)
        if isinstance(description, Rejected):
            return description
    else:
        description = text[: limits.max_description] or (
            "(ảnh gửi qua Zalo)" if event == "user_send_image" else "(vị trí gửi qua Zalo)"
        )
    return Draft(
        channel="zalo",
        category=category,
        description=description,
        lat=parts.where[0] if parts.where else None,
        lon=parts.where[1] if parts.where else None,
        location_source="zalo" if parts.where else None,
        photo_links=tuple(parts.images[: limits.max_photos]),
        external_id=msg_id,  # type: ignore[arg-type]
        received_at=received,
        sender=sender_id,  # type: ignore[arg-type]
        extra_text=event != "user_send_text",
    )


def zalo_signature_ok(raw: bytes, header: str | None, *, app_id: str, secret: str) -> bool:
    """Zalo signs an event as X-ZEvent-Signature: mac=sha256(appId + body + timestamp +
    OA secret key), the timestamp being the event's own."""
    if not header or not secret:
        return False
    from coc import jsonsafe

    try:
        body = jsonsafe.loads(raw)
    except Exception:
        return False
    stamp = str(body.get("timestamp", "")) if isinstance(body, dict) else ""
    text = raw.decode("utf-8", "replace")
    wanted = hashlib.sha256(f"{app_id}{text}{stamp}{secret}".encode()).hexdigest()
    given = header.strip().removeprefix("mac=").strip().lower()
    return hmac.compare_digest(wanted.encode(), given.encode("utf-8", "replace"))
