"""The alert lifecycle: raise/repeat/escalate/clear, acknowledge, assign, clear by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coc.alerts import lifecycle as lc
from coc.alerts.lifecycle import AlertActionError, AlertFilter, AlertSpec
from coc.auth.users import add_user
from coc.config import load_settings
from coc.devices import queries
from coc.devices.alerts import evaluate, load_rules
from coc.devices.registry import sync_devices
from coc.ingest.messages import Reading, Telemetry
from coc.store.db import Store
from sensors.writer import Batch, Item, write_batch

T0 = datetime(2026, 11, 30, 16, 55, tzinfo=UTC)  # 23:55 local, just before a month turns
MIN = 60_000


@pytest.fixture
def store(any_store: Store) -> Store:
    """SQLite and PostgreSQL alike (the open-alert unique index is partial on both)."""
    return any_store


def spec(subject: str = "s1", severity: str = "warning", value: float = 1.0) -> AlertSpec:
    return AlertSpec("source_stale", subject, severity, f"cũ {value}", value=value, hamlet="Từ Vân")


def test_repeats_update_the_open_alert_not_a_new_one(store: Store) -> None:
    with store.write() as session:
        first = lc.raise_alert(session, spec(value=1.0), T0)
        again = lc.raise_alert(session, spec(value=2.0), T0 + timedelta(minutes=1))
        other = lc.raise_alert(session, spec("s2"), T0)
    assert (first.new, again.new, again.escalated, other.new) == (True, False, False, True)
    with store.session() as session:
        rows = lc.find_alerts(session, AlertFilter(kinds=("source_stale",)))
    by_subject = {r["subject"]: r for r in rows}
    assert (by_subject["s1"]["count"], by_subject["s1"]["last_value"]) == (2, 2.0)
    assert by_subject["s1"]["value"] == 1.0
    assert by_subject["s1"]["last_seen_at"] == "2026-11-30T16:56:00.000Z"
    assert by_subject["s2"]["count"] == 1


def test_acknowledge_assign_and_clear_by_hand_record_who_and_when(store: Store) -> None:
    add_user(store, "lan", "mật-khẩu-dài-123", role="clerk", name="Lan")
    with store.write() as session:
        alert_id = lc.raise_alert(session, spec(), T0).alert.id
    assert alert_id is not None
    assert (
        lc.acknowledge(store, [alert_id], "minh", "  đang xử lý ", T0 + timedelta(minutes=5)) == 1
    )
    assert lc.acknowledge(store, [alert_id], "lan", "lần hai", T0 + timedelta(minutes=6)) == 0
    lc.assign(store, alert_id, "lan", "minh", T0 + timedelta(minutes=7))
    with pytest.raises(AlertActionError, match="không có người dùng"):
        lc.assign(store, alert_id, "nobody", "minh", T0)
    with pytest.raises(AlertActionError, match="cần lý do"):
        lc.clear_by_hand(store, alert_id, "lan", "   ", T0)
    lc.clear_by_hand(store, alert_id, "lan", "đã sửa đường truyền", T0 + timedelta(minutes=20))
    with pytest.raises(AlertActionError, match="đã được xóa"):
        lc.clear_by_hand(store, alert_id, "lan", "lại", T0)
    with store.session() as session:
        [row] = lc.find_alerts(session, AlertFilter(states=("CLEARED_ACK",)))
        steps = lc.history(session, alert_id)
        assert lc.find_alerts(session) == []  # not active any more
    assert (row["state"], row["acknowledged_by"], row["ack_comment"]) == (
        "CLEARED_ACK",
        "minh",
        "đang xử lý",
    )
    assert (row["assignee"], row["assigned_by"], row["assigned_at"]) == (
        "lan",
        "minh",
        "2026-11-30T17:02:00.000Z",
    )
    assert (row["cleared_by"], row["clear_reason"], row["cleared_at"]) == (
        "lan",
        "đã sửa đường truyền",
        "2026-11-30T17:15:00.000Z",
    )
    assert [(s["event"], s["actor"]) for s in steps] == [
        ("raised", None),
        ("acknowledged", "minh"),
        ("assigned", "minh"),
        ("cleared", "lan"),
    ]
    # its rule clearing later does not overwrite the person's clear
    with store.write() as session:
        assert lc.clear_alert(session, "source_stale", "s1", T0 + timedelta(hours=1)) is None
    # the condition seen again opens a fresh alert
    with store.write() as session:
        assert lc.raise_alert(session, spec(), T0 + timedelta(hours=2)).new


def test_escalation_needs_acknowledging_again(store: Store) -> None:
    with store.write() as session:
        alert_id = lc.raise_alert(session, spec(), T0).alert.id
    lc.acknowledge(store, [alert_id], "minh", None, T0)
    with store.write() as session:
        raised = lc.raise_alert(session, spec(severity="critical"), T0 + timedelta(minutes=1))
    assert raised.escalated
    with store.session() as session:
        [row] = lc.find_alerts(session)
    assert (row["severity"], row["state"]) == ("critical", "ACTIVE_UNACK")


def test_wall_order_is_unacknowledged_first_then_severity_then_newest(store: Store) -> None:
    with store.write() as session:
        ids = {
            name: lc.raise_alert(session, spec(name, sev), T0 + timedelta(minutes=m)).alert.id
            for name, sev, m in [
                ("old-warn", "warning", 0),
                ("crit", "critical", 1),
                ("new-warn", "warning", 2),
                ("info", "info", 3),
                ("acked-crit", "critical", 4),
            ]
        }
    lc.acknowledge(store, [ids["acked-crit"]], "minh", None, T0 + timedelta(minutes=5))
    with store.session() as session:
        order = [a["subject"] for a in queries.open_alerts(session)]
        warn_only = lc.find_alerts(session, AlertFilter(severities=("warning",)))
        unacked = lc.find_alerts(session, AlertFilter(states=("ACTIVE_UNACK",)))
        late = lc.find_alerts(session, AlertFilter(since=T0 + timedelta(minutes=2)))
        hamlet = lc.find_alerts(session, AlertFilter(hamlets=("Khác",)))
    assert order == ["crit", "new-warn", "old-warn", "info", "acked-crit"]
    assert [a["subject"] for a in warn_only] == ["new-warn", "old-warn"]
    assert "acked-crit" not in [a["subject"] for a in unacked] and len(unacked) == 4
    assert [a["subject"] for a in late] == ["new-warn", "info", "acked-crit"]
    assert hamlet == []


def test_bulk_acknowledge_refuses_an_unknown_id_and_changes_nothing(store: Store) -> None:
    with store.write() as session:
        a = lc.raise_alert(session, spec("a"), T0).alert.id
    with pytest.raises(AlertActionError, match="999"):
        lc.acknowledge(store, [a, 999], "minh", None, T0)
    with store.session() as session:
        assert [r["state"] for r in lc.find_alerts(session)] == ["ACTIVE_UNACK"]


def test_spec_refuses_unknown_kind_and_severity() -> None:
    with pytest.raises(ValueError, match="kind"):
        AlertSpec("weather", "x", "warning", "m")
    with pytest.raises(ValueError, match="severity"):
        AlertSpec("sensor", "x", "loud", "m")


def test_repeated_sensor_breach_counts_on_the_open_alert(store: Store) -> None:
    """4.8 opens water_high; a dip inside the hysteresis band (4.4) and 4.9 again is a
    repeat (count 2), not a second alert; last value follows the readings."""
    settings = load_settings(environ={})
    sync_devices(store, settings)
    rules = load_rules(settings)
    evaluate(store, rules, now=T0)
    batch = Batch()
    for i, level in enumerate([4.0, 4.8, 4.4, 4.9, 4.7]):
        reading = Reading("mn-01", "water_level", int(T0.timestamp() * 1000) + i * MIN, level)
        batch.add(Item("t", b"", Telemetry((reading,)), 0))
    write_batch(store, batch, "10237")
    evaluate(store, rules, now=T0 + timedelta(minutes=5))
    with store.session() as session:
        [alert] = queries.open_alerts(session)
    assert (alert["rule"], alert["kind"], alert["subject"]) == (
        "water_high",
        "sensor",
        "water_high:mn-01",
    )
    assert (alert["value"], alert["count"], alert["last_value"]) == (4.8, 2, 4.7)
    assert alert["hamlet"] is not None
