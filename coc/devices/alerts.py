"""Alert rules from config: thresholds, duration rules, hysteresis, offline devices.

`step` is a pure state machine over readings in time order; `evaluate` feeds it what
arrived since it last ran and stores alerts, so restarts resume where they stopped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from coc import fmt
from coc.alerts.lifecycle import AlertSpec, close, raise_alert
from coc.config import Settings, read_yaml
from coc.errors import ConfigError
from coc.store.db import Store
from coc.store.models import Alert, AlertState, Device, SensorLatest, SensorReading
from coc.timeutil import utcnow

SEVERITIES = ("info", "warning", "critical")
OFFLINE_RULE = "offline"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    key: str
    threshold: float
    op: str = ">"
    hysteresis: float = 0.0
    for_minutes: float = 0.0
    severity: str = "warning"
    sensor_type: str | None = None
    devices: tuple[str, ...] = ()
    metric_name: str | None = None  # the key in words and its unit, from the registry
    metric_unit: str | None = None

    def breached(self, value: float) -> bool:
        return value > self.threshold if self.op == ">" else value < self.threshold

    def cleared(self, value: float) -> bool:
        if self.op == ">":
            return value <= self.threshold - self.hysteresis
        return value >= self.threshold + self.hysteresis

    def matches(self, device_id: str, sensor_type: str | None) -> bool:
        if self.devices:
            return device_id in self.devices
        return self.sensor_type is not None and self.sensor_type == sensor_type


@dataclass(frozen=True)
class OfflineRule:
    kinds: tuple[str, ...] = ("camera", "speaker")
    minutes: float = 15.0
    severity: str = "warning"


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    offline: OfflineRule


@dataclass(frozen=True)
class CondState:
    """Per rule and device: where evaluation stopped and since when the rule is breached."""

    last_ts: int = 0
    cond_since: int | None = None
    open: bool = False


@dataclass(frozen=True)
class Transition:
    kind: str  # open | clear | repeat (breached again while open, after a dip)
    ts: int
    value: float


def step(
    rule: Rule, state: CondState, readings: Iterable[tuple[int, float]], now_ms: int
) -> tuple[CondState, list[Transition], float | None]:
    """Advance one rule over readings (ts, value) in order; also fires duration at `now`."""
    events: list[Transition] = []
    hold_ms = int(rule.for_minutes * 60_000)
    last_value: float | None = None
    for ts, value in readings:
        last_value = value
        state = replace(state, last_ts=max(state.last_ts, ts))
        if state.open:
            if rule.cleared(value):
                state = replace(state, open=False, cond_since=None)
                events.append(Transition("clear", ts, value))
            elif not rule.breached(value):
                state = replace(state, cond_since=None)  # a dip inside the hysteresis band
            elif state.cond_since is None:
                state = replace(state, cond_since=ts)
                events.append(Transition("repeat", ts, value))
            continue
        if not rule.breached(value):
            state = replace(state, cond_since=None)
            continue
        since = state.cond_since if state.cond_since is not None else ts
        state = replace(state, cond_since=since)
        if ts - since >= hold_ms:
            state = replace(state, open=True)
            events.append(Transition("open", ts, value))
    if not state.open and state.cond_since is not None and now_ms - state.cond_since >= hold_ms:
        state = replace(state, open=True)
        events.append(Transition("open", now_ms, last_value if last_value is not None else 0.0))
    return state, events, last_value


def _rule(raw: dict[str, Any]) -> Rule:
    try:
        rule = Rule(
            id=str(raw["id"]),
            name=str(raw.get("name", raw["id"])),
            key=str(raw["key"]),
            threshold=float(raw["threshold"]),
            op=str(raw.get("op", ">")),
            hysteresis=float(raw.get("hysteresis", 0)),
            for_minutes=float(raw.get("for_minutes", 0)),
            severity=str(raw.get("severity", "warning")),
            sensor_type=raw.get("sensor_type"),
            devices=tuple(raw.get("devices") or ()),
        )
    except (KeyError, TypeError, ValueError):
        raise ConfigError(f"luật cảnh báo không hợp lệ: {raw!r}") from None
    if rule.op not in (">", "<") or rule.severity not in SEVERITIES or rule.hysteresis < 0:
        raise ConfigError(f"luật cảnh báo '{rule.id}': op phải là > hoặc <, mức độ {SEVERITIES}")
    return rule


def load_rules(settings: Settings, path: Path | None = None) -> Rules:
    data = read_yaml(
        path or settings.config_file(settings.devices.alerts_file), "tệp luật cảnh báo"
    )
    rules = _named(tuple(_rule(r) for r in data.get("rules") or []), settings)
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids) or OFFLINE_RULE in ids:
        raise ConfigError("mã luật cảnh báo bị trùng (hoặc dùng tên dành riêng 'offline')")
    off = data.get("offline") or {}
    offline = OfflineRule(
        kinds=tuple(off.get("kinds", ("camera", "speaker"))),
        minutes=float(off.get("minutes", settings.devices.offline_alert_min)),
        severity=str(off.get("severity", "warning")),
    )
    return Rules(rules, offline)


def _named(rules: tuple[Rule, ...], settings: Settings) -> tuple[Rule, ...]:
    """Each rule with its metric's Vietnamese name and unit (humidity in %, not °C), so an
    alert message never shows a raw key; unnamed if the registry cannot be read."""
    from coc.devices.registry import load_registry

    try:
        types = load_registry(settings).sensor_types
    except (ConfigError, OSError):
        return rules
    out = []
    for rule in rules:
        found = [
            t.metrics[rule.key]
            for name, t in types.items()
            if rule.key in t.metrics and rule.sensor_type in (None, name)
        ]
        if found:
            rule = replace(rule, metric_name=found[0].name_vi, metric_unit=found[0].unit)
        out.append(rule)
    return tuple(out)


def thresholds_for(
    session: Session, rules: Rules, device_id: str, key: str
) -> list[tuple[str, float]]:
    """(rule name, threshold) of the alert rules that watch this device's key (the lines
    a chart of it draws)."""
    sensor_type = session.scalar(select(Device.sensor_type).where(Device.device_id == device_id))
    return [
        (r.name, r.threshold)
        for r in rules.rules
        if r.key == key and r.matches(device_id, sensor_type)
    ]


def _message(rule: Rule, device: Any, value: float) -> str:
    unit = rule.metric_unit if rule.metric_unit is not None else device.unit
    unit = (unit if unit == "%" else f" {unit}") if unit else ""
    held = f" trong {fmt.number(rule.for_minutes, 0)} phút" if rule.for_minutes else ""
    return (
        f"{rule.name}: {device.name} — {rule.metric_name or rule.key} = "
        f"{fmt.number(value, 2)}{unit} "
        f"({rule.op} {fmt.number(rule.threshold, 2)}{unit}{held})"
    )


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def evaluate(store: Store, rules: Rules, now: datetime | None = None, chunk: int = 20000) -> int:
    """Run every rule over new readings of its devices; returns how many alerts changed."""
    now = now or utcnow()
    with store.session() as session:
        devices = list(session.scalars(select(Device).where(Device.kind == "sensor")))
    changed = 0
    for rule in rules.rules:
        for device in devices:
            if rule.matches(device.device_id, device.sensor_type):
                changed += _evaluate_one(store, rule, device, now, chunk)
    return changed + _evaluate_late(store, rules, devices)


def _evaluate_late(store: Store, rules: Rules, devices: list[Any]) -> int:
    """Readings that arrived older than their series' newest (a gateway flushing its
    buffer) were behind the rules' watermarks: replay that stretch once, record any breach
    it holds as an alert of that time, then clear the mark."""
    by_id = {d.device_id: d for d in devices}
    with store.session() as session:
        marks = session.execute(
            select(SensorLatest.device_id, SensorLatest.key, SensorLatest.late_from).where(
                SensorLatest.late_from.is_not(None)
            )
        ).all()
    added = 0
    for device_id, key, late_from in marks:
        device = by_id.get(device_id)
        if device is not None:
            for rule in rules.rules:
                if rule.key == key and rule.matches(device_id, device.sensor_type):
                    added += _replay(store, rule, device, int(late_from))
        with store.write_conn() as conn:  # compare-and-set: keep a mark set meanwhile
            conn.execute(
                update(SensorLatest)
                .where(
                    SensorLatest.device_id == device_id,
                    SensorLatest.key == key,
                    SensorLatest.late_from == late_from,
                )
                .values(late_from=None)
            )
    return added


def _replay(store: Store, rule: Rule, device: Any, late_from: int) -> int:
    hold_ms = int(rule.for_minutes * 60_000)
    with store.write() as session:
        row = session.get(AlertState, (rule.id, device.device_id))
        if row is None or late_from > row.last_ts:
            return 0  # not behind the watermark: the normal pass sees these readings
        stmt = (
            select(SensorReading.ts, SensorReading.value)
            .where(
                SensorReading.device_id == device.device_id,
                SensorReading.key == rule.key,
                SensorReading.ts >= late_from - hold_ms,
                SensorReading.ts <= row.last_ts,
            )
            .order_by(SensorReading.ts)
        )
        readings = [(int(ts), float(v)) for ts, v in session.execute(stmt)]
        if not readings:
            return 0
        start = CondState(last_ts=readings[0][0] - 1)
        _, events, _ = step(rule, start, readings, readings[-1][0])
        known = list(
            session.scalars(
                select(Alert).where(Alert.rule_id == rule.id, Alert.device_id == device.device_id)
            )
        )
        added = 0
        for i, event in enumerate(events):
            if event.kind != "open" or event.ts < late_from:
                continue
            if any(_covers(a, event.ts) for a in known):
                continue  # already alerted for that moment (e.g. a QoS-1 duplicate)
            cleared = next((e for e in events[i + 1 :] if e.kind == "clear"), None)
            alert = Alert(
                rule_id=rule.id,
                device_id=device.device_id,
                key=rule.key,
                kind="sensor",
                subject=sensor_subject(rule.id, device.device_id),
                hamlet=device.hamlet,
                last_value=event.value,
                severity=rule.severity,
                message=f"{_message(rule, device, event.value)} — dữ liệu đến muộn",
                value=event.value,
                threshold=rule.threshold,
                opened_at=_dt(event.ts),
                status="cleared",
                cleared_at=_dt(cleared.ts if cleared else readings[-1][0]),
            )
            session.add(alert)
            known.append(alert)
            added += 1
        return added


def _covers(alert: Alert, ts: int) -> bool:
    opened = _ms(alert.opened_at)
    cleared = None if alert.cleared_at is None else _ms(alert.cleared_at)
    return opened <= ts and (cleared is None or ts <= cleared)


def _evaluate_one(store: Store, rule: Rule, device: Any, now: datetime, chunk: int) -> int:
    now_ms = _ms(now)
    lookback = int(max(rule.for_minutes, 60) * 60_000)
    with store.write() as session:
        row = session.get(AlertState, (rule.id, device.device_id))
        if row is None:
            row = AlertState(rule_id=rule.id, device_id=device.device_id, last_ts=now_ms - lookback)
            session.add(row)
        state = CondState(row.last_ts, row.cond_since, row.open_alert_id is not None)
        stmt = (
            select(SensorReading.ts, SensorReading.value)
            .where(
                SensorReading.device_id == device.device_id,
                SensorReading.key == rule.key,
                SensorReading.ts > state.last_ts,
            )
            .order_by(SensorReading.ts)
            .limit(chunk)
        )
        readings = [(int(ts), float(v)) for ts, v in session.execute(stmt)]
        state, events, last_value = step(rule, state, readings, now_ms)
        for event in events:
            if event.kind in ("open", "repeat"):
                raised = raise_alert(
                    session, _spec(rule, device, event.value), now, opened_at=_dt(event.ts)
                )
                row.open_alert_id = raised.alert.id
            elif row.open_alert_id is not None:
                alert = session.get(Alert, row.open_alert_id)
                if alert is not None:
                    close(session, alert, _dt(event.ts))
                row.open_alert_id = None
        if state.open and last_value is not None and row.open_alert_id is not None:
            alert = session.get(Alert, row.open_alert_id)
            if alert is not None and alert.status == "open":
                alert.last_value = last_value
        row.last_ts, row.cond_since = state.last_ts, state.cond_since
    return len(events)


def sensor_subject(rule_id: str, device_id: str) -> str:
    return f"{rule_id}:{device_id}"


def _spec(rule: Rule, device: Any, value: float) -> AlertSpec:
    return AlertSpec(
        kind="sensor",
        subject=sensor_subject(rule.id, device.device_id),
        severity=rule.severity,
        message=_message(rule, device, value),
        rule=rule.id,
        device_id=device.device_id,
        key=rule.key,
        value=value,
        threshold=rule.threshold,
        hamlet=device.hamlet,
        org_unit=device.org_unit,
    )


def _dt(ms: int) -> datetime:
    from coc.devices.status import ms_to_dt

    return ms_to_dt(ms)


def _offline_message(rule: OfflineRule, name: str) -> str:
    return f"Mất kết nối quá {fmt.number(rule.minutes, 0)} phút: {name}"


def evaluate_offline(store: Store, rule: OfflineRule, now: datetime | None = None) -> int:
    """Cameras and loudspeakers offline longer than the rule's minutes raise an alert."""
    now = now or utcnow()
    limit = now - timedelta(minutes=rule.minutes)
    changed = 0
    with store.write() as session:
        open_by_device = {
            a.subject: a
            for a in session.scalars(
                select(Alert).where(Alert.kind == "device_offline", Alert.status == "open")
            )
        }
        stmt = select(Device).where(Device.kind.in_(rule.kinds))
        for device in session.scalars(stmt):
            alert = open_by_device.get(device.device_id)
            down = not device.online and device.state != "unknown" and device.state_since
            if down and alert is None and device.state_since <= limit:
                spec = AlertSpec(
                    kind="device_offline",
                    subject=device.device_id,
                    severity=rule.severity,
                    message=_offline_message(rule, device.name),
                    rule=OFFLINE_RULE,
                    device_id=device.device_id,
                    hamlet=device.hamlet,
                    org_unit=device.org_unit,
                )
                raise_alert(session, spec, now)
                changed += 1
            elif not down and alert is not None:
                close(session, alert, device.state_since or now)
                changed += 1
    return changed
