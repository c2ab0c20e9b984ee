"""Alert rules: thresholds, duration, hysteresis, offline cameras/loudspeakers; stored alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from coc.config import load_settings
from coc.devices import queries
from coc.devices.alerts import (
    CondState,
    OfflineRule,
    Rule,
    evaluate,
    evaluate_offline,
    load_rules,
    step,
)
from coc.devices.registry import sync_devices
from coc.devices.status import apply_status
from coc.errors import ConfigError
from coc.ingest.messages import Reading, Telemetry
from coc.store.db import Store
from sensors.writer import Batch, Item, write_batch

SETTINGS = load_settings(environ={})
HIGH = Rule("water_high", "Mực nước cao", "water_level", 4.5, ">", hysteresis=0.2)
LONG = Rule("water_long", "Mực nước cao kéo dài", "water_level", 5.0, ">", 0.0, for_minutes=10)
MIN = 60_000


def test_threshold_opens_and_clears_with_hysteresis() -> None:
    readings = [(1, 4.4), (2, 4.6), (3, 4.4), (4, 4.31), (5, 4.3), (6, 4.6)]
    state, events, last = step(HIGH, CondState(), readings, now_ms=7)
    assert [(e.kind, e.ts, e.value) for e in events] == [
        ("open", 2, 4.6),
        ("clear", 5, 4.3),  # 4.4 and 4.31 are inside the hysteresis band: still open
        ("open", 6, 4.6),
    ]
    assert state == CondState(last_ts=6, cond_since=6, open=True)
    assert last == 4.6


def test_duration_rule_needs_the_condition_to_hold() -> None:
    readings = [(0, 5.1), (5 * MIN, 5.2), (6 * MIN, 4.9), (7 * MIN, 5.3), (16 * MIN, 5.4)]
    state, events, _ = step(LONG, CondState(), readings, now_ms=16 * MIN)
    assert events == []  # the dip at minute 6 restarted the clock at minute 7
    assert state.cond_since == 7 * MIN
    state, events, _ = step(LONG, state, [], now_ms=17 * MIN)
    assert [(e.kind, e.ts) for e in events] == [("open", 17 * MIN)]
    assert state.open


def test_rules_file_is_checked(tmp_path: Path) -> None:
    rules = load_rules(SETTINGS)
    assert [r.id for r in rules.rules] == [
        "water_high",
        "water_critical",
        "heavy_rain",
        "heat",
        "pm25_high",
    ]
    assert rules.offline == OfflineRule(("camera", "speaker"), 15.0, "warning")
    bad = tmp_path / "alerts.yaml"
    bad.write_text("rules:\n  - {id: x, key: k, threshold: 1, op: '=='}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="luật cảnh báo 'x'"):
        load_rules(SETTINGS, bad)


@pytest.fixture
def store(any_store: Store) -> Store:
    """SQLite and PostgreSQL alike."""
    sync_devices(any_store, SETTINGS)
    return any_store


def write_levels(store: Store, start: datetime, levels: list[float]) -> None:
    """One water level a minute for mn-01, through the ingest writer."""
    batch = Batch()
    base = int(start.timestamp() * 1000)
    for i, level in enumerate(levels):
        reading = Reading("mn-01", "water_level", base + i * MIN, level)
        batch.add(Item("t", b"", Telemetry((reading,)), base + i * MIN))
    write_batch(store, batch, "10237")


def test_alert_opens_and_clears_in_the_store(store: Store) -> None:
    rules = load_rules(SETTINGS)
    t0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    evaluate(store, rules, now=t0)  # starts watching from an hour before
    write_levels(store, t0, [4.0, 4.8, 5.6, 5.7])
    assert evaluate(store, rules, now=t0 + timedelta(minutes=4)) == 1
    with store.session() as session:
        alerts = queries.open_alerts(session)
    assert [(a["rule"], a["device_id"], a["severity"], a["value"]) for a in alerts] == [
        ("water_high", "mn-01", "warning", 4.8)
    ]
    assert alerts[0]["message"] == (
        "Mực nước cao: Đo mực nước sông Hồng – bến Chương Dương — Mực nước = 4,8 m (> 4,5 m)"
    )
    # 5.6 and above held ten minutes → the critical duration rule opens too.
    write_levels(store, t0 + timedelta(minutes=4), [5.8] * 8)
    assert evaluate(store, rules, now=t0 + timedelta(minutes=12)) == 1
    write_levels(store, t0 + timedelta(minutes=12), [4.4, 4.2])
    assert evaluate(store, rules, now=t0 + timedelta(minutes=14)) == 2
    with store.session() as session:
        assert queries.open_alerts(session) == []
        history = queries.recent_alerts(session)
    assert [(a["rule"], a["status"], a["opened_at"], a["cleared_at"]) for a in history] == [
        ("water_critical", "cleared", "2026-11-22T03:12:00.000Z", "2026-11-22T03:12:00.000Z"),
        ("water_high", "cleared", "2026-11-22T03:01:00.000Z", "2026-11-22T03:13:00.000Z"),
    ]


@dataclass(frozen=True)
class Status:
    device_id: str
    kind: str
    state: str
    ts: int
    reason: str = "status"


def test_offline_camera_raises_and_clears_an_alert(store: Store) -> None:
    rule = OfflineRule(("camera", "speaker"), 15.0, "warning")
    t0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    ms = int(t0.timestamp() * 1000)
    with store.write_conn() as conn:
        apply_status(conn, [Status("cam-06", "camera", "offline", ms, "will")])
    assert evaluate_offline(store, rule, t0 + timedelta(minutes=14)) == 0
    assert evaluate_offline(store, rule, t0 + timedelta(minutes=16)) == 1
    assert evaluate_offline(store, rule, t0 + timedelta(minutes=17)) == 0  # already open
    with store.session() as session:
        [alert] = queries.open_alerts(session)
    assert (alert["rule"], alert["device_id"], alert["message"]) == (
        "offline",
        "cam-06",
        "Mất kết nối quá 15 phút: Camera đê tả sông Hồng – Từ Vân",
    )
    with store.write_conn() as conn:
        apply_status(conn, [Status("cam-06", "camera", "recording", ms + 20 * MIN)])
    assert evaluate_offline(store, rule, t0 + timedelta(minutes=21)) == 1
    with store.session() as session:
        assert queries.open_alerts(session) == []
        [alert] = queries.recent_alerts(session)
    assert alert["cleared_at"] == "2026-11-22T03:20:00.000Z"


def test_late_readings_are_replayed_once(store: Store) -> None:
    """A gateway flushing its buffer sends readings older than the rules' watermark: the
    breach they hold is recorded as an alert of that time, once, and the mark is cleared."""
    from sqlalchemy import select

    from coc.store.models import SensorLatest

    rules = load_rules(SETTINGS)
    t0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    evaluate(store, rules, now=t0)
    write_levels(store, t0 + timedelta(minutes=10), [4.0, 4.1, 4.0])
    assert evaluate(store, rules, now=t0 + timedelta(minutes=13)) == 0
    late = [4.0, 4.8, 4.9, 4.0]  # minutes 1–4, arriving after minute 12
    write_levels(store, t0 + timedelta(minutes=1), late)
    assert evaluate(store, rules, now=t0 + timedelta(minutes=14)) == 1
    with store.session() as session:
        history = queries.recent_alerts(session)
        marks = session.scalars(select(SensorLatest.late_from)).all()
    assert [(a["rule"], a["status"], a["value"], a["opened_at"], a["cleared_at"])
            for a in history] == [
        ("water_high", "cleared", 4.8, "2026-11-22T03:02:00.000Z", "2026-11-22T03:04:00.000Z")
    ]  # fmt: skip
    assert history[0]["message"].endswith("— dữ liệu đến muộn")
    assert marks == [None]
    # the same buffer sent again (a QoS-1 redelivery) adds nothing
    write_levels(store, t0 + timedelta(minutes=1), late)
    assert evaluate(store, rules, now=t0 + timedelta(minutes=15)) == 0
    with store.session() as session:
        assert len(queries.recent_alerts(session)) == 1
