"""Time helpers: UTC is stored, Asia/Ho_Chi_Minh is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC (that is how the store keeps them)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    return as_utc(value).astimezone(VN_TZ)


def parse_datetime(value: str | datetime | date | None) -> datetime | None:
    """Parse the date forms sources send (ISO, 'dd/mm/yyyy', 'yyyyMMddHHmmss') to UTC.

    A value without a zone is local Vietnamese time, as the national systems send it.
    """
    if value is None or value == "":
        return None
    try:
        return _parse_datetime(value)
    except OverflowError:  # year 1 or 9999 moved across a zone leaves datetime's range
        raise ValueError(f"ngày giờ ngoài phạm vi: {str(value)[:40]!r}") from None


def _parse_datetime(value: str | datetime | date) -> datetime:
    if isinstance(value, datetime):
        return as_utc(value if value.tzinfo else value.replace(tzinfo=VN_TZ))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=VN_TZ).astimezone(UTC)
    text = str(value).strip()
    parsed: datetime | None = None
    if text.isdigit() and len(text) in (8, 12, 14):
        fmt = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}[len(text)]
        parsed = datetime.strptime(text, fmt)
    elif "/" in text:
        for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    else:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed is None:
        raise ValueError(f"không đọc được ngày giờ: {text!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=VN_TZ)
    return parsed.astimezone(UTC)


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
