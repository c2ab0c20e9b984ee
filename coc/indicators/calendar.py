"""Which period a figure belongs to at a given moment: reporting lags, the default period,
the month in progress and late values. Pure functions of the catalog, the stored values
and the clock (`now` is always an argument)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from coc.periods import Period, month_of, parse_period
from coc.timeutil import VN_TZ


def local_day(now: datetime) -> date:
    """The calendar day of `now` in Asia/Ho_Chi_Minh (naive datetimes are UTC)."""
    if now.tzinfo is None:
        from datetime import UTC

        now = now.replace(tzinfo=UTC)
    return now.astimezone(VN_TZ).date()


def due_date(period: Period, lag_days: int) -> date:
    """The first day on which the period's figures should all be in: its end + the lag."""
    return period.end + timedelta(days=lag_days)


def is_complete(period: Period, lag_days: int, now: datetime) -> bool:
    return local_day(now) >= due_date(period, lag_days)


def in_progress(period: Period, now: datetime) -> bool:
    """True while `now` is inside the period (its figures are to date, not final)."""
    return period.start <= local_day(now) < period.end


def expected_month(lag_days: int, now: datetime) -> str:
    """The latest month whose figures should be complete at `now` given the lag.

    On 02/12 with lag 0 that is 11 (November ended); with lag 20 it is 10 (November's
    reporting figures are due by 20/12).
    """
    month = month_of(local_day(now)).previous()
    while not is_complete(month, lag_days, now):
        month = month.previous()
    return month.code


def default_period(lags: Iterable[int], now: datetime) -> str:
    """The page's default period: the latest month that should be complete for some
    indicator (the smallest lag wins), so a new month never opens on an empty screen."""
    return max((expected_month(lag, now) for lag in set(lags) or {0}), default="")


@dataclass(frozen=True)
class Choice:
    """The period a page shows, and why: `error` is the reason an asked-for period was
    refused (shown on the page), `partial` that the month is still in progress."""

    code: str
    error: str | None = None
    partial: bool = False
    to_day: date | None = None  # for a period in progress: figures to this day


def choose(asked: str | None, lags: Iterable[int], now: datetime) -> Choice:
    """`?period=` when valid, else the default period with the reason it was refused."""
    default = default_period(lags, now)
    error = None
    code = default
    if asked:
        try:
            code = parse_period(asked).code
            parse_period(code).previous()  # 9999… periods have no neighbours: refused too
        except (ValueError, OverflowError) as exc:
            code, error = default, str(exc) or f"kỳ báo cáo không hợp lệ: {asked!r}"
    period = parse_period(code)
    if in_progress(period, now):
        return Choice(code, error, True, local_day(now))
    return Choice(code, error)


@dataclass(frozen=True)
class Shown:
    """The value a tile shows for a page's period.

    `period` is the month (or the page's period) the value is for; `late` says it is older
    than the indicator's lag allows; `partial` that it is a month still in progress.
    """

    period: str | None
    value: float | None
    late: bool = False
    partial: bool = False
    expected: str | None = None  # the month that should be in (when late)


def shown_value(
    values: Mapping[str, float | None],
    page_period: str,
    lag_days: int,
    now: datetime,
    lookback: int = 12,
) -> Shown:
    """The latest value at or before the page's month, and whether it is late.

    `values` maps period codes to values. For a quarter or a year the page's own value is
    shown (no fallback). For a month: the month's value if it has one, else the latest of
    the `lookback` months before it; late when that month is older than both the page's
    month and the latest month that should be complete at `now`.
    """
    page = parse_period(page_period)
    if page.kind != "month":
        value = values.get(page.code)
        return Shown(page.code if value is not None else None, value, False,
                     in_progress(page, now))  # fmt: skip
    expected = min(page.code, expected_month(lag_days, now))
    month = page
    for _ in range(lookback + 1):
        value = values.get(month.code)
        if value is not None:
            late = month.code < expected
            return Shown(month.code, value, late, in_progress(month, now),
                         expected if late else None)  # fmt: skip
        month = month.previous()
    return Shown(None, None, False, False, None)


def month_label(code: str, lang: str = "vi") -> str:
    """'202611' → 'T11/2026' (vi) or '11/2026' (en); other periods their long label."""
    period = parse_period(code)
    if period.kind == "month":
        text = f"{period.start.month:02d}/{period.year}"
        return f"T{text}" if lang == "vi" else text
    return period.label(lang)


def to_day_label(day: date, lang: str = "vi") -> str:
    """'đến ngày 02/12' / 'to 02/12': a month in progress."""
    text = f"{day.day:02d}/{day.month:02d}"
    return f"đến ngày {text}" if lang == "vi" else f"to {text}"


def month_of_now(now: datetime) -> str:
    """The month `now` falls in, local time: the month in progress."""
    return month_of(local_day(now)).code
