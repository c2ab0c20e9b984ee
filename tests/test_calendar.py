"""Which period a figure is for at a given moment: lags, the default period, late values and
the month in progress; and the status words (pro-rata path, year-end projection). Every
expectation here is worked out by hand in the comment beside it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coc.indicators import calendar, status
from coc.indicators.status import judge, projection_level, projection_sum
from coc.timeutil import VN_TZ


def vn(day: int, month: int = 12, year: int = 2026, hour: int = 9) -> datetime:
    """A local (Asia/Ho_Chi_Minh) moment as UTC."""
    return datetime(year, month, day, hour, tzinfo=VN_TZ).astimezone(UTC)


# ── lags and the default period ───────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("now", "lag", "expected"),
    [
        (vn(1), 0, "202611"),  # November ended at local midnight
        (vn(2), 20, "202610"),  # November's reports are due on 21/12 (1/12 + 20 days)
        (vn(20), 20, "202610"),
        (vn(21), 20, "202611"),
        (vn(28), 20, "202611"),
        (vn(5, 1, 2027), 20, "202611"),  # December not due before 21/01
        (vn(10, 3, 2026), 0, "202602"),
    ],
)
def test_expected_month_follows_the_lag(now: datetime, lag: int, expected: str) -> None:
    assert calendar.expected_month(lag, now) == expected


def test_local_midnight_decides_the_day() -> None:
    # 30/11 17:30 UTC is 01/12 00:30 in Hà Nội: November is over there
    assert calendar.expected_month(0, datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == "202611"
    assert calendar.expected_month(0, datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "202610"


def test_default_period_is_the_latest_complete_month_of_any_lag() -> None:
    assert calendar.default_period([20, 0, 20], vn(2)) == "202611"
    assert calendar.default_period([20], vn(2)) == "202610"
    assert calendar.default_period([], vn(2)) == "202611"


def test_choice_reports_a_bad_period_and_labels_the_month_in_progress() -> None:
    bad = calendar.choose("2026-13", [0], vn(2))
    assert (bad.code, bad.partial) == ("202611", False)
    assert bad.error and "2026-13" in bad.error
    running = calendar.choose("202612", [0], vn(2))
    assert (running.code, running.partial, running.to_day) == ("202612", True, date(2026, 12, 2))
    assert calendar.to_day_label(running.to_day) == "đến ngày 02/12"
    assert calendar.to_day_label(running.to_day, "en") == "to 02/12"
    assert calendar.choose(None, [0], vn(2)) == calendar.Choice("202611")


# ── the value a tile shows ────────────────────────────────────────────────────────────


def test_tile_shows_the_latest_value_with_its_period() -> None:
    values = {"202609": 70.0, "202610": 72.5}
    # 02/12, page 11/2026, reporting lag 20: October is what should be in → not late
    shown = calendar.shown_value(values, "202611", 20, vn(2))
    assert (shown.period, shown.value, shown.late) == ("202610", 72.5, False)
    # 28/12: November was due on 21/12 and is missing → late, labelled October
    shown = calendar.shown_value(values, "202611", 20, vn(28))
    assert (shown.period, shown.late, shown.expected) == ("202610", True, "202611")
    assert calendar.month_label(shown.period) == "T10/2026"


def test_a_past_page_is_not_late_for_its_own_month() -> None:
    shown = calendar.shown_value({"202606": 1.0}, "202606", 20, vn(28))
    assert (shown.period, shown.late) == ("202606", False)
    shown = calendar.shown_value({"202605": 1.0}, "202606", 20, vn(28))
    assert (shown.period, shown.late, shown.expected) == ("202605", True, "202606")


def test_month_in_progress_is_partial_and_falls_back_when_empty() -> None:
    shown = calendar.shown_value({"202612": 40.0, "202611": 90.0}, "202612", 0, vn(2))
    assert (shown.period, shown.partial) == ("202612", True)
    shown = calendar.shown_value({"202611": 90.0}, "202612", 0, vn(2))
    assert (shown.period, shown.partial, shown.late) == ("202611", False, False)


def test_nothing_within_a_year_is_no_value() -> None:
    shown = calendar.shown_value({"202510": 1.0}, "202611", 0, vn(2))
    assert (shown.period, shown.value) == (None, None)


# ── projections ───────────────────────────────────────────────────────────────────────


def test_projection_of_a_sum_uses_the_recent_pace() -> None:
    # Jan–Oct: 1000 each except 800, 900, 1000 in Aug–Oct; YTD 9700; last three average 900
    monthly = [1000.0] * 7 + [800.0, 900.0, 1000.0]
    assert projection_sum(monthly) == pytest.approx(9700 + 900 * 2)
    assert projection_sum([]) is None


def test_projection_of_a_level_is_the_least_squares_line_in_december() -> None:
    # points (1, 50), (2, 52), (3, 54): slope 2 → December 50 + 2·11 = 72
    assert projection_level([(1, 50.0), (2, 52.0), (3, 54.0)]) == pytest.approx(72.0)
    # (1, 10), (3, 14), (4, 13): mean x 8/3, mean y 37/3, sxy 8·... → slope 15/14·... worked:
    # dx = (-5/3, 1/3, 4/3), dy = (-7/3, 5/3, 2/3); sxy = (35+5+8)/9 = 48/9; sxx = 42/9
    # slope 48/42 = 8/7; value at 12 = 37/3 + 8/7·(12 − 8/3) = 37/3 + 8/7·28/3 = 37/3 + 32/3 = 23
    assert projection_level([(1, 10.0), (3, 14.0), (4, 13.0)]) == pytest.approx(23.0)
    assert projection_level([(5, 10.0)]) is None


# ── status words ──────────────────────────────────────────────────────────────────────


def test_met_only_when_the_target_is_met() -> None:
    # 52.4 % against 60 % is 87.3 % complete: not achieved (the old bands said "Đạt")
    verdict = judge(value=52.4, target=60.0, month=12)
    assert (verdict.status, verdict.band) == ("near", "amber")
    assert verdict.completion == pytest.approx(87.333, abs=1e-3)
    assert judge(value=60.0, target=60.0, month=12).status == "met"
    over = judge(value=66.0, target=60.0, month=12)
    assert (over.status, over.completion, over.bar) == ("exceeded", pytest.approx(110.0), 100.0)
    assert judge(value=20.0, target=60.0, month=12).status == "missed"  # 33 % < 50


def test_lower_is_better_and_bands_per_indicator() -> None:
    assert judge(value=1.4, target=1.5, direction="lower", month=12).status == "exceeded"
    # 5 % overdue against a 4 % ceiling: 80 % complete; with bands (85, 95) that is missed
    assert judge(value=5.0, target=4.0, direction="lower", month=12, bands=(85, 95)).status == (
        "missed"
    )


def test_cumulative_sum_on_track_behind_and_at_risk() -> None:
    # yearly 12 000; pro-rata path after 10 months = 10 000
    steady = [(m, 1000.0) for m in range(1, 11)]
    ok = judge(value=10_000.0, target=12_000.0, cumulative=True, month=10, year_so_far=steady)
    assert (ok.status, ok.path, ok.projection) == ("on_track", 10_000.0, 12_000.0)
    # YTD 9 700 below the path 10 000, projection 9 700 + 2·(2 700/3 = 900) = 11 500 < 12 000
    slow = [(m, 1000.0) for m in range(1, 8)] + [(8, 800.0), (9, 900.0), (10, 1000.0)]
    risk = judge(value=9_700.0, target=12_000.0, cumulative=True, month=10, year_so_far=slow)
    assert (risk.status, risk.band, risk.projection) == ("at_risk", "red", 11_500.0)
    # YTD 7·900 + 3·1 200 = 9 900 below the path, but at 1 200 a month: 9 900 + 2 400 ≥ 12 000
    fast = [(m, 900.0) for m in range(1, 8)] + [(8, 1200.0), (9, 1200.0), (10, 1200.0)]
    behind = judge(value=9_900.0, target=12_000.0, cumulative=True, month=10, year_so_far=fast)
    assert (behind.status, behind.band, behind.projection) == ("behind", "amber", 12_300.0)


def test_level_path_runs_from_the_first_month_to_the_target() -> None:
    # January 50, target 80 in December: path at May = 50 + 30·4/11 = 60.909
    pts = [(1, 50.0), (2, 53.0), (3, 56.0), (4, 59.0), (5, 62.0)]
    ok = judge(value=62.0, target=80.0, month=5, year_so_far=pts)
    assert ok.status == "on_track" and ok.path == pytest.approx(50 + 30 * 4 / 11)
    assert ok.projection == pytest.approx(83.0)  # slope 3: 62 + 3·7
    flat = [(1, 50.0), (2, 50.0), (3, 51.0), (4, 51.0), (5, 52.0)]
    assert judge(value=52.0, target=80.0, month=5, year_so_far=flat).status == "at_risk"


def test_month_to_date_is_never_judged_as_final() -> None:
    verdict = judge(value=20.0, target=95.0, month=12, partial=True)
    assert (verdict.status, verdict.band) == ("provisional", None)


def test_no_value_and_no_target() -> None:
    assert judge(value=None, target=5.0).status == "no_data"
    assert judge(value=5.0, target=None).status == "no_target"


def test_words_colours_and_order_come_from_one_table() -> None:
    order = list(status.STATUS_BAND)
    assert order[:2] == ["at_risk", "missed"]
    assert {s for s, b in status.STATUS_BAND.items() if b == "green"} == {
        "on_track",
        "met",
        "exceeded",
    }


def test_completion_bars_stop_at_100_but_keep_the_real_label() -> None:
    from dashboards.figures import ranking_chart

    fig = ranking_chart(["A", "B"], [112.0, 40.0], ["green", "red"], "%", cap=100.0)
    bar = fig.data[0]
    assert list(bar.x) == [40.0, 100.0] and list(bar.text) == ["40", "112"]


@given(st.text(max_size=12) | st.from_regex(r"\A\d{4}(Q[0-9]|\d{2}|\d{4})?\Z"))
def test_any_asked_period_is_a_choice_or_a_reason(text: str) -> None:
    choice = calendar.choose(text, [0, 20], vn(2))
    assert parse_period_code(choice.code)
    assert choice.error is None or choice.code == "202611"


def parse_period_code(code: str) -> bool:
    from coc.periods import parse_period

    return parse_period(code).code == code


@pytest.mark.parametrize("asked", ["99991231", "9999Q4", "9999", "0000", "000001", "2026-13"])
def test_edge_periods_are_refused_with_a_reason(asked: str) -> None:
    choice = calendar.choose(asked, [0], vn(2))
    assert (choice.code, bool(choice.error)) == ("202611", True)


def test_verdict_from_completion_alone_says_met_only_at_100() -> None:
    from coc.indicators.status import by_completion

    assert by_completion(None) == "no_data"
    assert by_completion(49.9) == "missed"
    assert by_completion(50.0) == "near"
    assert by_completion(87.5) == "near"  # the old bands called this "Đạt"
    assert by_completion(100.0) == "met"
    assert by_completion(112.0) == "exceeded"
