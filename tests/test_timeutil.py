"""parse_datetime reads what sources send, or says why not (ValueError), whatever the text:
a date at the edge of datetime's range is a reason, not a crash of the pull."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coc.timeutil import parse_datetime

ZONES = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@given(st.text(max_size=40))
def test_any_text_is_a_time_or_a_reason(text: str):
    try:
        moment = parse_datetime(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert moment is None or moment.tzinfo is not None


@given(st.datetimes(timezones=ZONES))
def test_iso_times_with_any_zone_round_trip_or_are_out_of_range(moment: datetime):
    try:
        parsed = parse_datetime(moment.isoformat())
    except ValueError as exc:
        assert "ngoài phạm vi" in str(exc)
    else:
        assert parsed == moment and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["0001-01-01", "0001-01-01T00:00:00+07:00", "9999-12-31T23:59:59-07:00", "01/01/0001"]
)
def test_edges_of_the_calendar_are_a_reason(text: str):
    with pytest.raises(ValueError, match="ngoài phạm vi"):
        parse_datetime(text)
