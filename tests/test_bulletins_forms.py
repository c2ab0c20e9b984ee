"""The bulletin form's fields → a Draft, or reasons; outside input, so it never raises."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from coc.bulletins.forms import draft_from_form
from coc.bulletins.workflow import Draft


def test_a_weekly_form_reads_in_local_time() -> None:
    got = draft_from_form(
        {
            "title": " Họp dân ", "text": "Mời bà con", "priority": "uu_tien",
            "target_kind": "hamlets", "hamlets": ["Thôn Hà Vỹ"], "clusters": ["loa-01"],
            "schedule_kind": "weekly", "start_at": "28/12/2026 00:00", "window_start": "17:00",
            "window_end": "17:20", "weekdays": ["3", "0", "3"], "end_date": "07/01/2027",
            "valid_until": "08/01/2027 12:00",
        }
    )  # fmt: skip
    assert isinstance(got, Draft)
    assert (got.title, got.priority, got.target_kind, got.targets) == (
        "Họp dân", "uu_tien", "hamlets", ("Thôn Hà Vỹ",))  # fmt: skip
    s = got.schedule
    assert (s.kind, s.weekdays, s.end_date) == ("weekly", (0, 3), date(2027, 1, 7))
    assert s.start_at.astimezone(UTC) == datetime(2026, 12, 27, 17, 0, tzinfo=UTC)
    assert s.valid_until.astimezone(UTC) == datetime(2027, 1, 8, 5, 0, tzinfo=UTC)


def test_bad_times_are_named() -> None:
    assert draft_from_form(
        {
            "start_at": "31/02/2026 06:00",
            "end_date": "2026-12-31",
            "valid_until": "mai",
            "weekdays": ["9"],
        }
    ) == [
        "thời điểm phát phải có dạng dd/mm/yyyy HH:MM",
        "ngày kết thúc phải có dạng dd/mm/yyyy",
        "hiệu lực đến phải có dạng dd/mm/yyyy HH:MM",
        "ngày trong tuần không hợp lệ",
    ]


field = st.one_of(
    st.none(), st.text(max_size=30), st.integers(), st.floats(), st.lists(st.text(max_size=5))
)
KEYS = ["title", "text", "priority", "target_kind", "hamlets", "clusters", "schedule_kind",
        "start_at", "window_start", "window_end", "weekdays", "end_date", "valid_until",
        "duration_s"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional=dict.fromkeys(KEYS, field)))
def test_any_form_gives_a_draft_or_reasons(values: dict[str, Any]) -> None:
    got = draft_from_form(values)
    assert isinstance(got, Draft) or (isinstance(got, list) and got and all(got))
