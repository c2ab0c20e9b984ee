from datetime import UTC, date, datetime

from coc import fmt
from coc.timeutil import parse_datetime


def test_vietnamese_numbers() -> None:
    assert fmt.number(1234.5) == "1.234,5"
    assert fmt.number(1234567, 0) == "1.234.567"
    assert fmt.number(97.0) == "97"
    assert fmt.number(1234.5, lang="en") == "1,234.5"
    assert fmt.percent(66.666) == "66,7%"
    assert fmt.number(None) == "—"


def test_dates_shown_in_hanoi_time() -> None:
    # 17:30 UTC on 31 Dec is already 1 Jan in Hanoi
    assert fmt.day(datetime(2025, 12, 31, 17, 30, tzinfo=UTC)) == "01/01/2026"
    assert fmt.day(date(2026, 11, 22)) == "22/11/2026"
    assert fmt.moment(datetime(2026, 11, 22, 3, 5, tzinfo=UTC)) == "10:05 22/11/2026"


def test_parse_source_dates() -> None:
    assert parse_datetime("20261105083000") == datetime(2026, 11, 5, 1, 30, tzinfo=UTC)
    assert parse_datetime("05/11/2026") == datetime(2026, 11, 4, 17, 0, tzinfo=UTC)
    assert parse_datetime("2026-11-05T08:30:00Z") == datetime(2026, 11, 5, 8, 30, tzinfo=UTC)
    assert parse_datetime("") is None
