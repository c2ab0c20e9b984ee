"""Alerts beyond sensors, each a level check run on schedule (`check_all`): a source gone
stale, a connector or the upward push failing repeatedly, an indicator in the red band or
at risk of missing its yearly target, a validation rule broken. Each raises or clears
through `coc.alerts.lifecycle` with `count_repeat=False` (the same condition seen again is
not a repeat). Offline devices are `coc.devices.alerts.evaluate_offline`.

Two functions are the seam for the indicator status words of the calendar work:
`indicator_at_risk(row, now)` and `validation_flags(rows, now)`. They read today's
indicator rows; when `coc.indicators` says "at risk" and flags validation rules itself,
only those two functions change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from coc import fmt
from coc.alerts.lifecycle import AlertSpec, clear_alert, raise_alert
from coc.config import Settings
from coc.indicators import calendar, validation
from coc.indicators.catalog import Catalog
from coc.indicators.query import IndicatorRow, indicator_rows
from coc.store.db import Store
from coc.store.models import Alert, ConnectorRun
from coc.store.runs import PUSH, kind_of, stale_sources

SOURCE_WORDS = {
    "documents": "Quản lý văn bản và điều hành",
    "tthc": "Hệ thống một cửa điện tử",
    "reporting": "Hệ thống báo cáo",
}


def _sync(session: Session, kind: str, wanted: dict[str, AlertSpec], now: datetime) -> int:
    """Raise every wanted (subject → spec) of one kind, clear the open ones not wanted."""
    changed = 0
    for spec in wanted.values():
        changed += raise_alert(session, spec, now, count_repeat=False).new
    stmt = select(Alert.subject).where(Alert.kind == kind, Alert.status == "open")
    for subject in list(session.scalars(stmt)):
        if subject not in wanted:
            clear_alert(session, kind, subject, now)
            changed += 1
    return changed


def _source_word(settings: Settings, name: str) -> str:
    for source in settings.sources:
        if source.name == name:
            return SOURCE_WORDS.get(source.kind, source.kind)
    return "nguồn dữ liệu"


def check_stale(store: Store, settings: Settings, now: datetime) -> int:
    wanted = {}
    for stale in stale_sources(store, settings, now):
        when = fmt.moment(stale.last_ok) if stale.last_ok else "chưa lần nào"
        wanted[stale.source] = AlertSpec(
            "source_stale",
            stale.source,
            "warning",
            f"Dữ liệu {_source_word(settings, stale.source)} chưa được cập nhật "
            f"(lần tốt gần nhất: {when})",
        )
    with store.write() as session:
        return _sync(session, "source_stale", wanted, now)


def failing_jobs(session: Session, runs: int) -> list[str]:
    """Jobs (connector sources and the push) whose last `runs` finished runs all failed."""
    names = {n for n in session.scalars(select(ConnectorRun.connector).distinct())}
    out = []
    for name in sorted(names):
        if kind_of(name) == "pull":
            continue
        stmt = (
            select(ConnectorRun.status)
            .where(ConnectorRun.connector == name, ConnectorRun.status != "running")
            .order_by(ConnectorRun.id.desc())
            .limit(runs)
        )
        last = list(session.scalars(stmt))
        if len(last) == runs and all(s == "failed" for s in last):
            out.append(name)
    return out


def check_failing(store: Store, settings: Settings, now: datetime) -> int:
    runs = settings.alerts.failing_runs
    with store.write() as session:
        failing = failing_jobs(session, runs)
        pulls, push = {}, {}
        for name in failing:
            if name == PUSH:
                push[name] = AlertSpec(
                    "push_failing",
                    name,
                    "warning",
                    f"Gửi số liệu lên cấp trên thất bại {runs} lần liên tiếp",
                )
            else:
                pulls[name] = AlertSpec(
                    "connector_failing",
                    name,
                    "warning",
                    f"Lấy dữ liệu từ {_source_word(settings, name)} thất bại {runs} lần liên tiếp",
                )
        return _sync(session, "connector_failing", pulls, now) + _sync(
            session, "push_failing", push, now
        )


def indicator_at_risk(row: IndicatorRow) -> bool:
    """At risk of missing its yearly target: the year-end projection misses it
    (coc.indicators.status, the same verdict the tiles show)."""
    return row.status == "at_risk"


def indicator_missed(row: IndicatorRow) -> bool:
    """Missed: a final period (or a level with one month) below its bands' lower edge."""
    return row.status == "missed"


def check_indicators(
    store: Store, catalog: Catalog, org_unit: str, now: datetime, period: str | None = None
) -> int:
    """Missed and at-risk indicators of the latest month that should be complete (the
    month in progress is provisional, never judged), and every open validation flag
    (coc.indicators.validation) of the org unit."""
    if period is None:
        period = calendar.default_period([i.lag_days for i in catalog.with_targets], now)
    with store.session() as session:
        rows = indicator_rows(session, catalog, org_unit, period, now=now)
    red, risk, flags = {}, {}, {}
    for row in rows:
        done = fmt.percent(row.completion)
        if indicator_missed(row):
            red[row.code] = AlertSpec(
                "indicator_red",
                row.code,
                "warning",
                f"{row.name}: mới đạt {done} chỉ tiêu năm",
                value=row.completion,
                org_unit=org_unit,
            )
        elif indicator_at_risk(row):
            risk[row.code] = AlertSpec(
                "indicator_at_risk",
                row.code,
                "info",
                f"{row.name}: có nguy cơ không đạt chỉ tiêu năm (đạt {done})",
                value=row.completion,
                org_unit=org_unit,
            )
    for flag in validation.open_flags(store, org_unit, None, catalog):
        subject = f"{flag.rule_code}:{org_unit}:{flag.period}"
        flags[subject] = AlertSpec(
            "validation", subject, "warning", flag.message("vi"), org_unit=org_unit
        )
    with store.write() as session:
        return (
            _sync(session, "indicator_red", red, now)
            + _sync(session, "indicator_at_risk", risk, now)
            + _sync(session, "validation", flags, now)
        )


def check_all(
    store: Store, settings: Settings, catalog: Catalog, org_unit: str, now: datetime
) -> int:
    return (
        check_stale(store, settings, now)
        + check_failing(store, settings, now)
        + check_indicators(store, catalog, org_unit, now)
    )
