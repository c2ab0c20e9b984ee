"""No message stops ingestion, health tells the truth, every bad message is kept.

Through a real Mosquitto: poison payloads between good readings, a QoS-1 redelivery of a
quarantined message, a network loop and a writer thread that die and are restarted by the
supervisor, and a broker killed with SIGKILL after its autosave.
"""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import wait_until
from fixtures_mqtt import (
    MOSQUITTO,
    Publisher,
    broker,
    count,
    make_settings,
    needs_mosquitto,
    publisher,
    rows,
    settings,
    store,
)

from coc.api import status as api_status
from coc.store.status import INGESTER, ingester_liveness, set_status
from coc.timeutil import utcnow
from sensors.broker import start_mosquitto
from sensors.service import start_ingest

pytestmark = [needs_mosquitto, pytest.mark.mqtt]
_ = (broker, publisher, settings, store)  # fixtures used by name below

T = "coc/10237/sensors/mn-01/telemetry"
NOW_MS = int(time.time() * 1000)
POISON: list[tuple[str, bytes]] = [
    (T, b'{"ts": 1e999, "values": {"water_level": 1}}'),
    (T, b'{"ts": -Infinity, "water_level": 1}'),
    (T, b'{"ts": NaN, "water_level": 1}'),
    (T, b'{"water_level": ' + b"9" * 400 + b"}"),
    (T, b'{"ts": ' + b"9" * 400 + b', "water_level": 1}'),
    (T, b"[" * 100_000 + b"]" * 100_000),
    (T, b'{"a": ' * 100_000 + b"1" + b"}" * 100_000),
    ("coc/10237/gateway/telemetry", b'{"mn-01": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    ("coc/10237/cameras/cam-01/status", b'{"state": "online", "ts": 1e999}'),
    ("coc/10237/cameras/cam-01/status", b"[" * 100_000 + b"]" * 100_000),
    (T, b'{"ts": 1, "water_level": 1}'),
    (T, f'{{"ts": {NOW_MS // 1000}, "water_level": 1}}'.encode()),
    (T, b'{"<script>alert(1)</script>": 1}'),
    (T, b'{"=HYPERLINK(\\"http://x\\")": 1}'),
    (T, b'{"rain": 5}'),
    (T, b"\xff\xfe\x00 not json"),
]


def health(store: Any, settings: Any, **kwargs: Any) -> tuple[dict[str, Any], int]:
    """/api/v1/health's body as served (the typed answer, dumped)."""
    answer, code = api_status.health(store, settings, **kwargs)
    return answer.body(), code


def good(i: int) -> bytes:
    return json.dumps({"ts": NOW_MS - 60_000 + i, "values": {"water_level": 2.0}}).encode()


def test_poison_payloads_never_stop_ingestion(settings, store, publisher) -> None:
    handle = start_ingest(store, settings)
    try:
        assert handle.wait_connected(10)
        for i, (topic, payload) in enumerate(POISON):
            publisher.send(topic, payload)
            publisher.sensor("mn-01", good(i))
        wait_until(lambda: handle.stats["messages"] == 2 * len(POISON), timeout=30)
        assert handle.ingester.network_alive() and handle.writer.alive()
        assert handle.supervisor.check() == "ok"
        body, code = health(store, settings)
    finally:
        handle.stop()
    assert count(store, "SELECT count(*) FROM sensor_reading") == len(POISON)
    held = rows(store, "SELECT context, raw, reason FROM quarantine ORDER BY id")
    assert len(held) == len(POISON)
    assert [(c, r) for c, r, _ in held] == [
        (topic, payload.decode("utf-8", "backslashreplace").replace("\x00", "\\x00"))
        for topic, payload in POISON
    ]
    assert all(reason and "không lường trước" not in reason for _, _, reason in held)
    assert code == 200 and body["status"] == "ok"
    ingester = body["ingester"]
    assert (ingester["status"], ingester["networkLoop"], ingester["writer"]) == (
        "ok",
        "alive",
        "alive",
    )
    assert ingester["lastReceivedAt"] and ingester["lastStoredAt"] and ingester["restarts"] == 0


def test_a_redelivery_adds_nothing_but_a_second_message_is_kept(settings, store, publisher):
    bad = b'{"water_level": "cao"}'
    first = start_ingest(store, settings)
    assert first.wait_connected(10)
    first.writer.ack = lambda items: None  # the PUBACK is lost: the broker will redeliver
    publisher.sensor("mn-01", bad)
    wait_until(lambda: first.stats["messages"] == 1)
    first.stop()
    assert count(store, "SELECT count(*) FROM quarantine") == 1

    second = start_ingest(store, settings)
    try:
        assert second.wait_connected(10)
        wait_until(lambda: second.stats["messages"] == 1)  # the redelivery, DUP set
        assert count(store, "SELECT count(*) FROM quarantine") == 1
        publisher.sensor("mn-01", bad)  # the device sends the same payload again
        wait_until(lambda: second.stats["messages"] == 2)
    finally:
        second.stop()
    assert (
        rows(store, "SELECT raw, reason FROM quarantine ORDER BY id")
        == [
            ('{"water_level": "cao"}', "giá trị của 'water_level' không phải số: 'cao'"),
        ]
        * 2
    )


THREAD_DIES = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


@THREAD_DIES
def test_a_dead_network_loop_is_restarted_and_reported(tmp_path: Path, broker, publisher):
    # The supervisor's thread idles (supervise_s is long): the test runs each check itself.
    settings = make_settings(tmp_path, broker.url, supervise_s=3600)
    from coc.store.db import open_store

    store = open_store(settings)
    handle = start_ingest(store, settings)
    client = handle.ingester.client
    calls: list[int] = []

    def broken(handler: Any) -> Any:  # a bug in the network code, once
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("lỗi thử nghiệm trong vòng mạng")
        return type(client)._drain_publishes(client, handler)

    try:
        assert handle.wait_connected(10)
        client._drain_publishes = broken
        publisher.sensor("mn-01", good(1))
        wait_until(lambda: not handle.ingester.network_alive())
        assert handle.supervisor.check() == "down"
        body, _ = health(store, settings)
        assert (body["status"], body["ingester"]["status"]) == ("degraded", "down")
        assert body["ingester"]["networkLoop"] == "dead"
        assert "vòng mạng MQTT đã dừng" in body["ingester"]["detail"]
        # The new loop reconnects; the broker redelivers the unacked message.
        wait_until(lambda: count(store, "SELECT count(*) FROM sensor_reading") == 1, timeout=20)
        assert handle.supervisor.check() == "degraded"  # restarted lately: not "ok" yet
        body, _ = health(store, settings)
    finally:
        handle.stop()
    ingester = body["ingester"]
    assert (ingester["networkLoop"], ingester["restarts"]) == ("alive", 1)
    assert "đã tự khởi động lại lúc" in ingester["detail"]
    assert ingester["lastRestartAt"] is not None
    store.dispose()


@THREAD_DIES
def test_a_dead_writer_thread_is_restarted(tmp_path: Path, broker, publisher):
    settings = make_settings(tmp_path, broker.url, supervise_s=3600)
    from coc.store.db import open_store

    store = open_store(settings)
    handle = start_ingest(store, settings)
    writer = handle.writer
    original = writer._take

    def dies() -> Any:  # the thread ends as if killed; what it took stays unacked
        writer._take = original
        raise SystemExit

    try:
        assert handle.wait_connected(10)
        writer._take = dies
        publisher.sensor("mn-01", good(2))
        wait_until(lambda: not writer.alive())
        assert handle.supervisor.check() == "down"
        assert not ingester_liveness(store, settings, now=utcnow()).writer_alive
        wait_until(lambda: handle.supervisor.check() == "degraded")
        publisher.sensor("mn-01", good(3))
        wait_until(lambda: count(store, "SELECT count(*) FROM sensor_reading") >= 1)
    finally:
        handle.stop()
    assert ingester_liveness(store, settings, now=utcnow()).state == "stopped"
    store.dispose()


def test_a_silent_heartbeat_is_down_not_ok(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "mqtt://127.0.0.1:1883", supervise_s=5)
    from coc.store.db import open_store

    store = open_store(settings)
    beat = utcnow()
    set_status(store, INGESTER, "ok", "đang nhận dữ liệu", {"network": True}, now=beat)
    assert ingester_liveness(store, settings, now=beat + timedelta(seconds=15)).state == "ok"
    late = ingester_liveness(store, settings, now=beat + timedelta(seconds=16))
    assert late.state == "down" and "không còn báo nhịp" in (late.detail or "")
    body, code = health(store, settings, now=beat + timedelta(seconds=16))
    assert (code, body["status"], body["ingester"]["status"]) == (200, "degraded", "down")
    store.dispose()


def test_broker_killed_after_autosave_keeps_queued_messages(
    tmp_path: Path, settings, store, broker
):
    """The shipped config saves every few seconds: a SIGKILL after that loses nothing."""
    handle = start_ingest(store, settings)  # creates the persistent session
    assert handle.wait_connected(10)
    handle.stop()
    pub = Publisher(broker.url, "test-queue")
    for i in range(100):
        pub.sensor("mn-01", good(i))
    pub.close()
    queued_at = time.time()
    db = tmp_path / "broker" / "mosquitto" / "mosquitto.db"
    wait_until(lambda: db.exists() and db.stat().st_mtime > queued_at + 0.01, timeout=15)
    os.kill(broker.process.pid, signal.SIGKILL)
    broker.process.wait(10)
    restarted = start_mosquitto(MOSQUITTO, tmp_path / "broker", broker.port)
    handle = start_ingest(store, settings)
    try:
        wait_until(lambda: count(store, "SELECT count(*) FROM sensor_reading") == 100, timeout=20)
    finally:
        handle.stop()
        restarted.stop()


def test_a_message_that_breaks_the_callback_is_quarantined(tmp_path: Path) -> None:
    """The last line of defence in the MQTT callback: a topic that is not UTF-8 (Mosquitto
    refuses one, another broker may not) becomes a quarantined message, acknowledged."""
    from coc.ingest.messages import Limits
    from coc.store.db import open_store
    from sensors.ingester import Ingester
    from sensors.writer import Writer

    settings = make_settings(tmp_path, "mqtt://127.0.0.1:1")
    store = open_store(settings)
    acked: list[int] = []
    writer = Writer(
        store, "10237", flush_ms=10, ack=lambda items: acked.extend(i.mid for i in items)
    )
    writer.start()
    ingester = Ingester(settings, writer, Limits(devices={"mn-01": ("sensor", {})}))
    ingester._on_fast_publish(b"coc/10237/sensors/\xff/telemetry", b'{"a": 1}', 41, False)
    ingester._on_fast_publish(b"coc/10237/sensors/mn-01/telemetry", good(5), 42, False)
    wait_until(lambda: acked == [41, 42])
    writer.stop()
    assert count(store, "SELECT count(*) FROM sensor_reading WHERE device_id = 'mn-01'") == 1
    assert rows(store, "SELECT context, reason FROM quarantine") == [
        (
            "coc/10237/sensors/\\xff/telemetry",
            "lỗi không lường trước khi nhận tin nhắn: UnicodeDecodeError: 'utf-8' codec can't"
            " decode byte 0xff in position 18: invalid start byte",
        )
    ]
    store.dispose()
