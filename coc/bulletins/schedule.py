"""When a bulletin plays: now, at a time, or daily/weekly inside a local time window until
an end date; each occurrence is valid from its start to the end of its window (or the
bulletin's validity). Pure functions of the schedule and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from coc.timeutil import VN_TZ, as_utc

KINDS = ("now", "at", "daily", "weekly")
DEFAULT_WINDOW_MIN = 30  # a one-off bulletin may still start this long after its time


@dataclass(frozen=True)
class Schedule:
    kind: str = "now"  # now | at | daily | weekly
    start_at: datetime | None = None  # now/at: the time; repeats: the first day it counts
    window_start: str | None = None  # "HH:MM" local, repeats
    window_end: str | None = None
    weekdays: tuple[int, ...] = ()  # 0 = Monday
    end_date: date | None = None  # last local day of a repeat, inclusive
    valid_until: datetime | None = None  # nothing plays after this


@dataclass(frozen=True)
class Occurrence:
    key: str  # "now" or local start "YYYY-MM-DDTHH:MM": the delivery's natural key part
    starts: datetime  # UTC
    expires: datetime  # UTC


def parse_hhmm(text: str | None) -> time | None:
    """'06:30' → time; anything else → None."""
    if not text or len(text) != 5 or text[2] != ":":
        return None
    hh, mm = text[:2], text[3:]
    if not (hh.isdigit() and mm.isdigit()) or int(hh) > 23 or int(mm) > 59:
        return None
    return time(int(hh), int(mm))


def problems(s: Schedule) -> list[str]:
    """Why a schedule cannot be kept (empty when it can); Vietnamese, for the form."""
    out: list[str] = []
    if s.kind not in KINDS:
        out.append("kiểu lịch phát không hợp lệ")
        return out
    if s.kind == "at" and s.start_at is None:
        out.append("chưa chọn thời điểm phát")
    if s.kind in ("daily", "weekly"):
        start, end = parse_hhmm(s.window_start), parse_hhmm(s.window_end)
        if start is None or end is None:
            out.append("khung giờ phát phải có dạng HH:MM – HH:MM")
        elif end <= start:
            out.append("giờ kết thúc khung phát phải sau giờ bắt đầu")
        if s.end_date is None:
            out.append("lịch lặp lại cần ngày kết thúc")
        if s.kind == "weekly" and not s.weekdays:
            out.append("chọn ít nhất một ngày trong tuần")
        if s.kind == "weekly" and any(d not in range(7) for d in s.weekdays):
            out.append("ngày trong tuần không hợp lệ")
    return out


def _cap(expires: datetime, s: Schedule) -> datetime:
    return min(expires, as_utc(s.valid_until)) if s.valid_until else expires


def _first_day(s: Schedule, created: datetime) -> date:
    return as_utc(s.start_at or created).astimezone(VN_TZ).date()


def occurrences(s: Schedule, start: datetime, end: datetime, created: datetime) -> list[Occurrence]:
    """Occurrences whose validity overlaps [start, end): `created` is when a 'now'
    bulletin was approved (its one occurrence starts then)."""
    start, end = as_utc(start), as_utc(end)
    found: list[Occurrence] = []
    if s.kind in ("now", "at"):
        begins = as_utc(created if s.kind == "now" else s.start_at or created)
        expires = _cap(begins + timedelta(minutes=DEFAULT_WINDOW_MIN), s)
        if s.valid_until and s.kind == "now":
            expires = as_utc(s.valid_until)
        key = "now" if s.kind == "now" else begins.astimezone(VN_TZ).strftime("%Y-%m-%dT%H:%M")
        found.append(Occurrence(key, begins, expires))
    else:
        w0, w1 = parse_hhmm(s.window_start), parse_hhmm(s.window_end)
        if w0 is None or w1 is None or s.end_date is None:
            return []
        day = max(_first_day(s, created), start.astimezone(VN_TZ).date() - timedelta(days=1))
        last = min(s.end_date, end.astimezone(VN_TZ).date())
        while day <= last:
            if s.kind == "daily" or day.weekday() in s.weekdays:
                begins = datetime.combine(day, w0, VN_TZ).astimezone(UTC)
                expires = _cap(datetime.combine(day, w1, VN_TZ).astimezone(UTC), s)
                key = datetime.combine(day, w0).strftime("%Y-%m-%dT%H:%M")
                found.append(Occurrence(key, begins, expires))
            day += timedelta(days=1)
    return [o for o in found if o.starts < end and o.expires > start and o.expires > o.starts]


def active(s: Schedule, now: datetime, created: datetime) -> list[Occurrence]:
    """The occurrences that may play at `now` (started, not yet expired)."""
    now = as_utc(now)
    return [o for o in occurrences(s, now, now + timedelta(seconds=1), created) if o.starts <= now]


def next_start(
    s: Schedule, now: datetime, created: datetime, horizon_days: int = 400
) -> datetime | None:
    """The next occurrence that has not yet expired (for the page); None when none is left."""
    upcoming = occurrences(s, now, as_utc(now) + timedelta(days=horizon_days), created)
    return upcoming[0].starts if upcoming else None


def finished(s: Schedule, now: datetime, created: datetime) -> bool:
    """No occurrence is left to play."""
    return next_start(s, now, created) is None
