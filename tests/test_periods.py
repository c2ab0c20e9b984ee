from datetime import UTC, date, datetime

import pytest

from coc.periods import months_between, parse_period


def test_month_bounds_are_local_midnights() -> None:
    p = parse_period("202611")
    assert (p.kind, p.start, p.end) == ("month", date(2026, 11, 1), date(2026, 12, 1))
    # 00:00 on 1 Nov in Hanoi is 17:00 on 31 Oct UTC
    assert p.start_utc == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)


def test_quarter_year_day_and_previous() -> None:
    assert parse_period("2026Q3").start == date(2026, 7, 1)
    assert parse_period("2026Q1").previous().code == "2025Q4"
    assert parse_period("202601").previous().code == "202512"
    assert parse_period("2026").previous().code == "2025"
    assert parse_period("20261122").end == date(2026, 11, 23)
    assert [m.code for m in parse_period("2026Q2").months()] == ["202604", "202605", "202606"]


@pytest.mark.parametrize("bad", ["2026-11", "202613", "2026Q5", "20260230", "", "abc"])
def test_invalid_periods_raise_with_reason(bad: str) -> None:
    with pytest.raises(ValueError, match="kỳ báo cáo không hợp lệ"):
        parse_period(bad)


def test_months_between_inclusive() -> None:
    assert [m.code for m in months_between("202511", "202602")] == [
        "202511",
        "202512",
        "202601",
        "202602",
    ]


def test_labels_in_vietnamese() -> None:
    assert parse_period("202611").label() == "Tháng 11/2026"
    assert parse_period("2026Q3").label() == "Quý 3/2026"


def test_with_enclosing_adds_quarter_and_year_once() -> None:
    from coc.periods import with_enclosing

    assert with_enclosing(["202611", "202610"]) == ["202611", "202610", "2026Q4", "2026"]
    assert with_enclosing(["2026Q1"]) == ["2026Q1", "2026"]
    assert with_enclosing(["2026"]) == ["2026"]


def test_recent_months_end_with_the_local_month():
    from coc.periods import recent_months

    # 31/12/2026 18:00 UTC is already 1 January 2027 in Hà Nội
    assert recent_months(datetime(2026, 12, 31, 18, 0, tzinfo=UTC), 3) == [
        "202611",
        "202612",
        "202701",
    ]
    mid = recent_months(datetime(2026, 6, 15, 3, 0, tzinfo=UTC))
    assert len(mid) == 13 and (mid[0], mid[-1]) == ("202506", "202606")
    assert recent_months(datetime(2026, 1, 1, 0, 0, tzinfo=UTC), 1) == ["202601"]
