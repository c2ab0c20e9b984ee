"""Delivery rounds without a broker (publishing is a parameter), with an injected clock:
who gets a command, busy clusters, pre-emption, unanswered commands retried then failed,
a broker that does not take a command, cancellation sending `stop`, a silent cluster."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures_base import new_store
from sqlmodel import select

from coc.bulletins.dispatch import run_round
from coc.bulletins.reports import apply_reports
from coc.bulletins.workflow import Draft, approve, cancel, create, deliveries
from coc.config import Settings, load_settings
from coc.devices.registry import sync_devices
from coc.ingest.messages import DeliveryReport
from coc.store.db import Store
from coc.store.models import Device

T0 = datetime(2026, 12, 31, 23, 50, tzinfo=UTC)  # a round across the year end, local time
KEY = "ab" * 20


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = load_settings(environ={"COC_DATA_DIR": str(tmp_path / "data")})
    s.bulletins.ack_timeout_s, s.bulletins.max_retries = 60, 2
    return s


@pytest.fixture
def store(tmp_path: Path, settings: Settings) -> Store:
    st = new_store(tmp_path / "coc.sqlite3")
    sync_devices(st, settings)
    with st.write() as s:
        for d in s.exec(select(Device).where(Device.kind == "speaker")):
            d.online = True
    return st


def bulletin(store: Store, title: str, priority: str = "thuong", *targets: str) -> str:
    kind = "clusters" if targets else "all"
    d = Draft(title=title, text=title, priority=priority, target_kind=kind, targets=targets,
              audio_key=KEY, duration_s=12.0)  # fmt: skip
    bid = create(store, d, "thuky", "10237", T0)
    approve(store, bid, "chutich", "approver", T0)
    return bid


class Broker:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.up = True

    def __call__(self, topic: str, payload: bytes) -> bool:
        if self.up:
            self.sent.append((topic, json.loads(payload)))
        return self.up

    def take(self) -> list[tuple[str, str, str]]:
        out = [(t.split("/")[3], p["bulletin"], p["action"]) for t, p in self.sent]
        self.sent = []
        return out


def test_busy_cluster_waits_and_an_emergency_preempts(store: Store, settings: Settings) -> None:
    broker = Broker()
    first = bulletin(store, "Họp", "thuong", "loa-01")
    run_round(store, settings, T0, broker)
    assert broker.take() == [("loa-01", first, "play")]
    second = bulletin(store, "Tiêm chủng", "thuong", "loa-01")
    run_round(store, settings, T0, broker)
    assert broker.take() == []  # loa-01 is busy with something as urgent
    urgent = bulletin(store, "Lũ", "khan_cap", "loa-01")
    run_round(store, settings, T0, broker)
    assert broker.take() == [("loa-01", urgent, "play")]
    payload_ms = int(T0.timestamp() * 1000)
    with store.write_conn() as conn:
        reports = [
            DeliveryReport("loa-01", first, "failed", payload_ms, "preempted"),
            DeliveryReport("loa-01", urgent, "done", payload_ms + 9000),
        ]
        apply_reports(conn, reports)
    with store.write_conn() as conn:  # a late 'playing' (QoS-1 redelivery) arrives after
        assert apply_reports(conn, [DeliveryReport("loa-01", urgent, "playing", payload_ms)]) == []
    assert {d.state for d in deliveries(store, urgent)} == {"done"}  # never backwards
    run_round(store, settings, T0 + timedelta(seconds=10), broker)
    # the interrupted one first (it was made earlier), the other once it is done
    assert broker.take() == [("loa-01", first, "play")]
    assert [d.attempts for d in deliveries(store, first)] == [1]  # pre-emption is not a try
    with store.write_conn() as conn:
        apply_reports(conn, [DeliveryReport("loa-01", first, "done", payload_ms + 20000)])
    run_round(store, settings, T0 + timedelta(seconds=30), broker)
    assert broker.take() == [("loa-01", second, "play")]


def test_unanswered_commands_are_retried_then_failed(store: Store, settings: Settings) -> None:
    broker = Broker()
    bid = bulletin(store, "Nhắc", "uu_tien", "loa-02")
    for minutes, expected in ((0, 1), (0.5, 1), (1, 2), (2, 3)):
        run_round(store, settings, T0 + timedelta(minutes=minutes), broker)
        assert [d.attempts for d in deliveries(store, bid)] == [expected]
    assert [c[0] for c in broker.take()] == ["loa-02"] * 3
    run_round(store, settings, T0 + timedelta(minutes=3), broker)
    (row,) = deliveries(store, bid)
    assert (row.state, row.reason) == ("failed", "cụm loa không phản hồi")
    assert broker.take() == []


def test_a_command_the_broker_did_not_take_waits(store: Store, settings: Settings) -> None:
    broker = Broker()
    broker.up = False
    bid = bulletin(store, "Nhắc", "thuong", "loa-03")
    run_round(store, settings, T0, broker)
    assert [(d.state, d.attempts) for d in deliveries(store, bid)] == [("pending", 0)]
    broker.up = True
    run_round(store, settings, T0, broker)
    assert [(d.state, d.attempts) for d in deliveries(store, bid)] == [("sent", 1)]


def test_cancel_stops_what_plays_and_a_silent_cluster_fails(
    store: Store, settings: Settings
) -> None:
    broker = Broker()
    bid = bulletin(store, "Thông báo", "thuong", "loa-04", "loa-05")
    run_round(store, settings, T0, broker)
    ms = int(T0.timestamp() * 1000)
    with store.write_conn() as conn:
        apply_reports(conn, [DeliveryReport("loa-04", bid, "playing", ms),
                             DeliveryReport("loa-05", bid, "playing", ms)])  # fmt: skip
    broker.take()
    other = bulletin(store, "Khác", "thuong", "loa-05")
    cancel(store, bid, "thuky", "clerk", T0)
    with store.write() as s:
        s.get(Device, "loa-05").online = False  # a stop waits for the cluster to be back
    run_round(store, settings, T0, broker)
    assert broker.take() == [("loa-04", bid, "stop")]
    states = {d.device_id: d.state for d in deliveries(store, bid)}
    assert states == {"loa-04": "cancelled", "loa-05": "stopping"}
    # loa-05 never reports again: an hour after its validity it no longer counts as on air
    with store.write_conn() as conn:
        apply_reports(conn, [DeliveryReport("loa-05", other, "playing", ms)])
    run_round(store, settings, T0 + timedelta(minutes=31), broker)
    assert [d.state for d in deliveries(store, other)] == ["playing"]
    run_round(store, settings, T0 + timedelta(minutes=91), broker)
    assert [(d.state, d.reason) for d in deliveries(store, other)] == [
        ("failed", "cụm loa không báo phát xong")
    ]
