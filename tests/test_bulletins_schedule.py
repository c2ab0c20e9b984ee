"""Bulletin schedules: occurrences are a pure function of the schedule and the clock;
daily repeats across a month end, weekly ones across a year end, windows in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from coc.bulletins.schedule import Schedule, active, finished, next_start, occurrences, problems
from coc.timeutil import VN_TZ


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ).astimezone(UTC)


def test_daily_repeat_across_a_month_end() -> None:
    s = Schedule("daily", local(2026, 1, 30), "06:00", "06:30", end_date=date(2026, 2, 2))
    got = occurrences(s, local(2026, 1, 1), local(2026, 3, 1), created=local(2026, 1, 29))
    assert [o.key for o in got] == [
        "2026-01-30T06:00",
        "2026-01-31T06:00",
        "2026-02-01T06:00",
        "2026-02-02T06:00",
    ]
    first = got[0]
    assert first.starts == datetime(2026, 1, 29, 23, 0, tzinfo=UTC)  # 06:00 in Hà Nội
    assert first.expires - first.starts == timedelta(minutes=30)
    # 06:10 on 1 February: that morning's occurrence is on air, no other
    assert [o.key for o in active(s, local(2026, 2, 1, 6, 10), local(2026, 1, 29))] == [
        "2026-02-01T06:00"
    ]
    assert active(s, local(2026, 2, 1, 6, 31), local(2026, 1, 29)) == []
    assert not finished(s, local(2026, 2, 2, 6, 0), local(2026, 1, 29))
    assert finished(s, local(2026, 2, 2, 6, 30), local(2026, 1, 29))


def test_weekly_repeat_across_the_year_end() -> None:
    # Mondays and Thursdays 17:00–17:20 from Mon 28/12/2026 to Thu 07/01/2027
    s = Schedule(
        "weekly", local(2026, 12, 28), "17:00", "17:20", weekdays=(0, 3), end_date=date(2027, 1, 7)
    )
    got = occurrences(s, local(2026, 12, 1), local(2027, 2, 1), created=local(2026, 12, 27))
    assert [o.key for o in got] == [
        "2026-12-28T17:00",
        "2026-12-31T17:00",
        "2027-01-04T17:00",
        "2027-01-07T17:00",
    ]
    assert next_start(s, local(2027, 1, 1), local(2026, 12, 27)) == local(2027, 1, 4, 17, 0)


def test_validity_cuts_a_repeat_short() -> None:
    s = Schedule(
        "daily",
        local(2026, 3, 1),
        "06:00",
        "07:00",
        end_date=date(2026, 3, 31),
        valid_until=local(2026, 3, 2, 6, 15),
    )
    got = occurrences(s, local(2026, 3, 1), local(2026, 4, 1), created=local(2026, 3, 1))
    assert [(o.key, o.expires) for o in got] == [
        ("2026-03-01T06:00", local(2026, 3, 1, 7, 0)),
        ("2026-03-02T06:00", local(2026, 3, 2, 6, 15)),
    ]


def test_now_and_at() -> None:
    approved = local(2026, 5, 1, 9, 0)
    now = Schedule("now", valid_until=local(2026, 5, 1, 11, 0))
    assert [(o.key, o.starts, o.expires) for o in active(now, approved, approved)] == [
        ("now", approved, local(2026, 5, 1, 11, 0))
    ]
    assert active(now, local(2026, 5, 1, 11, 0), approved) == []  # expired
    at = Schedule("at", local(2026, 5, 2, 7, 30))
    assert active(at, local(2026, 5, 2, 7, 29), approved) == []
    assert [o.key for o in active(at, local(2026, 5, 2, 7, 45), approved)] == ["2026-05-02T07:30"]
    assert active(at, local(2026, 5, 2, 8, 0), approved) == []  # its 30-minute window is over


def test_problems_name_what_is_wrong() -> None:
    assert problems(Schedule("now")) == []
    assert problems(Schedule("at")) == ["chưa chọn thời điểm phát"]
    assert problems(Schedule("daily", window_start="7:00", window_end="06:00")) == [
        "khung giờ phát phải có dạng HH:MM – HH:MM",
        "lịch lặp lại cần ngày kết thúc",
    ]
    assert problems(
        Schedule("weekly", window_start="08:00", window_end="07:00", end_date=date(2026, 1, 1))
    ) == ["giờ kết thúc khung phát phải sau giờ bắt đầu", "chọn ít nhất một ngày trong tuần"]
