"""Read-side helpers the pages share: current period, indicator rows, freshness.

Thin wrappers over coc queries so layouts and callbacks stay a few lines long.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select

from coc.config import Settings
from coc.devices.queries import open_alerts as device_alerts
from coc.indicators.query import IndicatorRow, indicator_rows
from coc.periods import parse_period
from coc.store.db import Store
from coc.store.models import ConnectorRun, DataValue, Device, DeviceEvent, Dossier, Target
from coc.timeutil import as_utc, parse_datetime, to_local, utcnow
from dashboards import state

T = TypeVar("T")


def current_month(now: datetime | None = None) -> str:
    local = to_local(now or state.get().now())
    return f"{local.year}{local.month:02d}"


def period_param(params: dict[str, Any]) -> str:
    """`?period=` when valid, else the current month."""
    code = str(params.get("period") or "")
    try:
        return parse_period(code).code
    except ValueError:
        return current_month()


_ROWS_CACHE: dict[tuple[Any, ...], list[IndicatorRow]] = {}
_ROWS_CACHE_SIZE = 64
_ROWS_LOCK = threading.Lock()


def data_version(session: Any) -> tuple[Any, ...]:
    """Changes whenever a data value or target is written: newest stamp and row counts."""
    dv = session.execute(select(func.max(DataValue.last_updated), func.count(DataValue.id))).one()
    tg = session.execute(select(func.max(Target.updated_at), func.count(Target.id))).one()
    return (*dv, *tg)


def rows_for(period: str, lang: str) -> list[IndicatorRow]:
    """Indicator rows of a period, memoised until the data changes (pages share them)."""
    st = state.get()
    with st.store.session() as session:
        key = (id(st), st.org_unit, period, lang, data_version(session))
        rows = _ROWS_CACHE.get(key)
        if rows is None:
            rows = indicator_rows(session, st.catalog, st.org_unit, period, lang)
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


def dossier_version(session: Any) -> tuple[Any, ...]:
    """Changes whenever a dossier is added or changed (upserts touch updated_at)."""
    return tuple(
        session.execute(select(func.count(Dossier.id), func.max(Dossier.updated_at))).one()
    )


def event_version(session: Any) -> tuple[Any, ...]:
    """Changes whenever a device state-change event is written."""
    return tuple(
        session.execute(select(func.count(DeviceEvent.id), func.max(DeviceEvent.id))).one()
    )


def last_updated() -> datetime | None:
    st = state.get()
    with st.store.session() as session:
        value = session.scalar(
            select(func.max(DataValue.last_updated)).where(DataValue.org_unit == st.org_unit)
        )
    return as_utc(value) if value else None


@dataclass(frozen=True)
class Staleness:
    source: str
    last_ok: datetime | None


def stale_sources(store: Store, settings: Settings, now: datetime | None = None) -> list[Staleness]:
    """Configured sources whose last good pull is older than stale_factor × their interval."""
    now = now or utcnow()
    factor = settings.dashboard.stale_factor
    out: list[Staleness] = []
    with store.session() as session:
        for source in settings.sources:
            if not source.enabled:
                continue
            last = session.scalar(
                select(func.max(ConnectorRun.finished_at)).where(
                    ConnectorRun.connector == source.name,
                    ConnectorRun.status.in_(("ok", "partial")),
                )
            )
            last = as_utc(last) if last else None
            limit = timedelta(minutes=source.interval_minutes * factor)
            if last is None or now - last > limit:
                out.append(Staleness(source.name, last))
    return out


def device_counts() -> dict[str, tuple[int, int]]:
    """(online, total) per device kind."""
    st = state.get()
    stmt = select(Device.kind, Device.online, func.count()).group_by(Device.kind, Device.online)
    counts: dict[str, list[int]] = {}
    with st.store.session() as session:
        for kind, online, n in session.execute(stmt):
            pair = counts.setdefault(kind, [0, 0])
            pair[1] += n
            if online:
                pair[0] += n
    return {k: (v[0], v[1]) for k, v in counts.items()}


@dataclass(frozen=True)
class Alert:
    text: str
    since: datetime | None
    level: str = "warning"


def open_alerts(lang: str) -> list[Alert]:
    """Open alerts (sensor rules and offline devices), most severe first, then newest."""
    with state.get().store.session() as session:
        items = device_alerts(session)
    return [Alert(a["message"], parse_datetime(a["opened_at"]), a["severity"]) for a in items]
