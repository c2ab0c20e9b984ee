"""Read-side helpers the pages share: the page's period, memoised indicator rows, alerts.

Thin wrappers over coc queries (no SQL here) so layouts and callbacks stay a few lines
long; the memo keys on coc's change stamps (`coc.store.versions`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from coc.devices.queries import device_summary
from coc.devices.queries import open_alerts as device_alerts
from coc.indicators import calendar, query
from coc.indicators.query import IndicatorRow, indicator_rows
from coc.periods import month_of
from coc.store.versions import values_version
from coc.timeutil import parse_datetime
from dashboards import state, units

T = TypeVar("T")


def current_month(now: datetime | None = None) -> str:
    return month_of(now or state.get().now()).code


def period_param(params: dict[str, Any]) -> str:
    """`?period=` when valid, else the latest month that should be complete given each
    indicator's reporting lag (`coc.indicators.calendar`); `dashboards.periods.picker`
    shows why an invalid one was refused."""
    st = state.get()
    lags = [i.lag_days for i in st.catalog.with_targets]
    return calendar.choose(str(params.get("period") or "") or None, lags, st.now()).code


_ROWS_CACHE: dict[tuple[Any, ...], list[IndicatorRow]] = {}
_ROWS_CACHE_SIZE = 64
_ROWS_LOCK = threading.Lock()


def rows_for(period: str, lang: str, org_unit: str | None = None) -> list[IndicatorRow]:
    """Indicator rows of a period for the org unit (default: the one the page shows,
    `dashboards.units`), memoised until the data changes (pages share them)."""
    st = state.get()
    org_unit = org_unit or units.chosen()
    with st.store.session() as session:
        now = st.now()
        day = calendar.local_day(now)  # lateness and "to date" change with the day
        key = (id(st), org_unit, period, lang, day, values_version(session))
        rows = _ROWS_CACHE.get(key)
        if rows is None:
            rows = indicator_rows(session, st.catalog, org_unit, period, lang, now=now)
            with _ROWS_LOCK:  # waitress serves callbacks from several threads
                while len(_ROWS_CACHE) >= _ROWS_CACHE_SIZE:
                    _ROWS_CACHE.pop(next(iter(_ROWS_CACHE)))
                _ROWS_CACHE[key] = rows
        return rows


_MEMO: dict[tuple[Any, ...], Any] = {}


def memo(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """`compute()` once per key (callers put a data version and the minute in the key)."""
    with _ROWS_LOCK:
        if key in _MEMO:
            return _MEMO[key]  # type: ignore[no-any-return]
    value = compute()
    with _ROWS_LOCK:
        while len(_MEMO) >= _ROWS_CACHE_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = value
    return value


def this_minute(now: datetime) -> datetime:
    """Time-dependent results are memoised per minute, and computed at its start."""
    return now.replace(second=0, microsecond=0)


def last_updated(org_unit: str | None = None) -> datetime | None:
    st = state.get()
    with st.store.session() as session:
        return query.last_updated(session, org_unit or units.chosen())


def device_counts() -> dict[str, tuple[int, int]]:
    """(online, total) per device kind."""
    with state.get().store.session() as session:
        summary = device_summary(session)
    return {kind: (c["online"], c["total"]) for kind, c in summary.items()}


@dataclass(frozen=True)
class Alert:
    text: str
    since: datetime | None
    level: str = "warning"


def open_alerts(lang: str) -> list[Alert]:
    """Open alerts of the person's org units, most severe first, then newest."""
    with state.get().store.session() as session:
        items = device_alerts(session, scope=units.scope())
    return [Alert(a["message"], parse_datetime(a["opened_at"]), a["severity"]) for a in items]
