"""DHIS2-style period strings: 2026, 2026Q3, 202611, 20261122.

Boundaries are local (Asia/Ho_Chi_Minh) midnights returned as UTC, so a dossier received
at 23:30 on the last day of a month belongs to that month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from coc.timeutil import VN_TZ

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True)
class Period:
    code: str
    kind: str  # year | quarter | month | day
    start: date  # first day, inclusive
    end: date  # first day after, exclusive

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def start_utc(self) -> datetime:
        return _local_midnight_utc(self.start)

    @property
    def end_utc(self) -> datetime:
        return _local_midnight_utc(self.end)

    def previous(self) -> Period:
        return parse_period(_shift(self, -1))

    def months(self) -> list[Period]:
        """The months inside this period (a month returns itself)."""
        if self.kind == "day":
            return [month_of(self.start)]
        out, cursor = [], self.start
        while cursor < self.end:
            out.append(month_of(cursor))
            cursor = _add_months(cursor, 1)
        return out

    def label(self, lang: str = "vi") -> str:
        if self.kind == "year":
            return f"Năm {self.code}" if lang == "vi" else self.code
        if self.kind == "quarter":
            q = self.code[-1]
            return f"Quý {q}/{self.year}" if lang == "vi" else f"Q{q} {self.year}"
        if self.kind == "month":
            return (
                f"Tháng {self.start.month:02d}/{self.year}"
                if lang == "vi"
                else (self.start.strftime("%b %Y"))
            )
        return self.start.strftime("%d/%m/%Y")


def _local_midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=VN_TZ).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(code: str) -> Period:
    """Parse a period string; raise ValueError with a Vietnamese reason when it is invalid."""
    text = str(code).strip()
    if m := _YEAR.match(text):
        y = int(m.group(1))
        return Period(text, "year", date(y, 1, 1), date(y + 1, 1, 1))
    if m := _QUARTER.match(text):
        y, q = int(m.group(1)), int(m.group(2))
        start = date(y, 3 * (q - 1) + 1, 1)
        return Period(text, "quarter", start, _add_months(start, 3))
    if m := _MONTH.match(text):
        start = date(int(m.group(1)), int(m.group(2)), 1)
        return Period(text, "month", start, _add_months(start, 1))
    if m := _DAY.match(text):
        try:
            start = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise ValueError(f"kỳ báo cáo không hợp lệ: {text!r}") from None
        return Period(text, "day", start, start + timedelta(days=1))
    raise ValueError(f"kỳ báo cáo không hợp lệ: {text!r} (dùng 2026, 2026Q3, 202611 hoặc 20261122)")


def month_of(day: date | datetime) -> Period:
    if isinstance(day, datetime):
        day = day.astimezone(VN_TZ).date() if day.tzinfo else day.date()
    return parse_period(f"{day.year}{day.month:02d}")


def _shift(period: Period, steps: int) -> str:
    if period.kind == "year":
        return str(period.year + steps)
    if period.kind == "quarter":
        index = period.year * 4 + int(period.code[-1]) - 1 + steps
        return f"{index // 4}Q{index % 4 + 1}"
    if period.kind == "month":
        d = _add_months(period.start, steps)
        return f"{d.year}{d.month:02d}"
    d = period.start + timedelta(days=steps)
    return d.strftime("%Y%m%d")


def months_between(first: str, last: str) -> list[Period]:
    """Every month from `first` to `last` inclusive (both month codes)."""
    start, end = parse_period(first), parse_period(last)
    out, cursor = [], start
    while cursor.start <= end.start:
        out.append(cursor)
        cursor = parse_period(_shift(cursor, 1))
    return out


def with_enclosing(codes: list[str]) -> list[str]:
    """The periods plus the quarters and years that contain them, so every view of a
    changed month is recomputed (a month's value feeds its quarter and year)."""
    out = list(dict.fromkeys(codes))
    for code in codes:
        p = parse_period(code)
        if p.kind in ("month", "day"):
            quarter = f"{p.year}Q{(p.start.month - 1) // 3 + 1}"
            out.extend(x for x in (quarter, str(p.year)) if x not in out)
        elif p.kind == "quarter" and str(p.year) not in out:
            out.append(str(p.year))
    return out


def recent_months(now: datetime, count: int = 13) -> list[str]:
    """The `count` month codes ending with the month `now` falls in (local time), oldest
    first: the default span the CLI and the scheduler recompute."""
    last = month_of(now)
    return [_shift(last, -steps) for steps in range(count - 1, -1, -1)]
