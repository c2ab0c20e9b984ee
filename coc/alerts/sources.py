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

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from coc import fmt
from coc.alerts.lifecycle import AlertSpec, clear_alert, raise_alert
from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.indicators.query import IndicatorRow, indicator_rows
from coc.periods import month_of
from coc.store.db import Store
from coc.store.models import Alert, ConnectorRun
from coc.store.runs import PUSH, kind_of, stale_sources
from coc.timeutil import to_local

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


def indicator_at_risk(row: IndicatorRow, now: datetime) -> bool:
    """THE seam for "at risk of missing the yearly target" (re-wired to coc.indicators'
    status words at merge). Today: a higher-is-better indicator with a yearly target whose
    completion is below the share of the year gone by, and not already red."""
    if row.completion is None or row.target is None or row.band == "red":
        return False
    local = to_local(now)
    share = 100.0 * (local.timetuple().tm_yday / 365.0)
    return row.direction == "higher" and row.completion < share * 0.9


@dataclass(frozen=True)
class ValidationFlag:
    rule: str  # a stable id of the rule broken
    indicator: str  # indicator code
    message: str


def validation_flags(rows: Iterable[IndicatorRow], now: datetime) -> list[ValidationFlag]:
    """THE seam for validation rules (re-wired to coc.indicators' validation flags at
    merge). Today: a ratio whose numerator exceeds its denominator, or a negative value."""
    out = []
    for row in rows:
        if row.numerator is not None and row.denominator and row.numerator > row.denominator:
            out.append(
                ValidationFlag(
                    "numerator_le_denominator",
                    row.code,
                    f"{row.name}: tử số ({fmt.number(row.numerator, 0)}) lớn hơn mẫu số "
                    f"({fmt.number(row.denominator, 0)})",
                )
            )
        if row.actual is not None and row.actual < 0:
            out.append(ValidationFlag("not_negative", row.code, f"{row.name}: giá trị âm"))
    return out


def check_indicators(
    store: Store, catalog: Catalog, org_unit: str, now: datetime, period: str | None = None
) -> int:
    """Red and at-risk indicators, and validation flags, of the current month."""
    period = period or month_of(now).code
    with store.session() as session:
        rows = indicator_rows(session, catalog, org_unit, period)
    red, risk, flags = {}, {}, {}
    for row in rows:
        done = fmt.percent(row.completion)
        if row.band == "red":
            red[row.code] = AlertSpec(
                "indicator_red",
                row.code,
                "warning",
                f"{row.name}: mới đạt {done} chỉ tiêu năm",
                value=row.completion,
            )
        elif indicator_at_risk(row, now):
            risk[row.code] = AlertSpec(
                "indicator_at_risk",
                row.code,
                "info",
                f"{row.name}: có nguy cơ không đạt chỉ tiêu năm (đạt {done})",
                value=row.completion,
            )
    for flag in validation_flags(rows, now):
        subject = f"{flag.rule}:{flag.indicator}:{org_unit}:{period}"
        flags[subject] = AlertSpec("validation", subject, "warning", flag.message)
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
