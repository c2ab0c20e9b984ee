"""The ingester against a real Mosquitto: payload forms, duplicates, bad payloads,
SIGKILL mid-stream with QoS 1, a broker restart, birth and last-will messages."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
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
    start_ingest_process,
    store,
)
from paho.mqtt.enums import CallbackAPIVersion

from coc.store.db import open_store
from coc.store.status import get_status, ingester_liveness, stale_after_s
from coc.timeutil import utcnow
from sensors.broker import start_mosquitto
from sensors.service import start_ingest

pytestmark = [needs_mosquitto, __import__("pytest").mark.mqtt]
_ = (broker, publisher, settings, store)  # fixtures used by name below

# An hour-aligned time one to two hours ago: inside mqtt.max_age_days, never in the future.
TS = (int(time.time()) // 3600 - 1) * 3_600_000


class Watcher:
    """Records every payload on a topic (the ingester's own status)."""

    def __init__(self, url: str, topic: str) -> None:
        self.seen: list[str] = []
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="test-watcher")
        self.client.on_message = lambda _c, _u, m: self.seen.append(m.payload.decode())
        self.client.connect("127.0.0.1", int(url.rsplit(":", 1)[1]))
        self.client.subscribe(topic, qos=1)
        self.client.loop_start()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_every_payload_form_duplicates_and_bad_payloads(settings, store, publisher) -> None:
    handle = start_ingest(store, settings)
    assert handle.wait_connected(10)
    publisher.sensor("nd-01", '{"temperature": 29.5, "humidity": 81}')
    publisher.sensor("mn-01", json.dumps({"ts": TS, "values": {"water_level": 3.25}}))
    publisher.sensor(
        "mn-01",
        json.dumps(
            [
                {"ts": TS + 1000, "values": {"water_level": 3.3}},
                {"ts": TS + 2000, "water_level": 19},
            ]
        ),
    )
    publisher.send(
        "coc/10237/gateway/telemetry",
        json.dumps(
            {
                "mua-01": [{"ts": TS, "values": {"rain": 1.5}}],
                "mn-02": {"ts": TS, "values": {"water_level": 2.0}},
            }
        ),
    )
    publisher.sensor(
        "mn-01", json.dumps({"ts": TS, "values": {"water_level": 3.5}})
    )  # duplicate key
    publisher.sensor("mn-01", b"\xff not json")
    publisher.sensor("mn-01", '{"water_level": 20}')
    publisher.sensor("zz-01", '{"water_level": 1}')
    publisher.send("coc/10237/cameras/cam-01/status", "online")
    publisher.send("coc/10237/speakers/loa-01/status", json.dumps({"state": "playing", "ts": TS}))
    publisher.send("coc/10237/cameras/cam-02/status", '{"state": 5}')
    wait_until(lambda: handle.stats["messages"] == 11)
    handle.stop()

    assert rows(
        store,
        "SELECT device_id, key, ts, value FROM sensor_reading WHERE ts < :t ORDER BY 1, 2, 3",
        t=TS + 10_000,
    ) == [
        ("mn-01", "water_level", TS, 3.5),
        ("mn-01", "water_level", TS + 1000, 3.3),
        ("mn-02", "water_level", TS, 2.0),
        ("mua-01", "rain", TS, 1.5),
    ]
    assert count(store, "SELECT count(*) FROM sensor_reading WHERE device_id = 'nd-01'") == 2
    assert rows(
        store, "SELECT key, value FROM sensor_latest WHERE device_id = 'nd-01' ORDER BY key"
    ) == [
        ("humidity", 81.0),
        ("temperature", 29.5),
    ]
    assert rows(store, "SELECT ts, value FROM sensor_latest WHERE device_id = 'mn-01'") == [
        (TS + 1000, 3.3)
    ]
    assert rows(store, "SELECT reason FROM quarantine ORDER BY id") == [
        ("giá trị water_level=19 ngoài khoảng vật lý [-2, 15]",),
        ("dữ liệu không phải JSON",),
        ("giá trị water_level=20 ngoài khoảng vật lý [-2, 15]",),
        ("thiết bị chưa đăng ký: zz-01",),
        ("trạng thái JSON phải có trường 'state' kiểu chuỗi",),
    ]
    assert rows(store, "SELECT raw, context FROM quarantine WHERE reason LIKE 'thiết bị%'") == [
        ('{"water_level": 1}', "coc/10237/sensors/zz-01/telemetry")
    ]
    assert rows(
        store,
        "SELECT device_id, state, online FROM device"
        " WHERE device_id IN ('cam-01', 'loa-01') ORDER BY 1",
    ) == [
        ("cam-01", "online", 1),
        ("loa-01", "playing", 1),
    ]


def test_auto_register_adds_pending_devices(tmp_path: Path, broker, publisher) -> None:
    settings = make_settings(tmp_path, broker.url, auto_register=True)
    store = open_store(settings)
    handle = start_ingest(store, settings)
    assert handle.wait_connected(10)
    publisher.sensor("new-01", '{"battery": 87}')
    publisher.send("coc/10237/speakers/loa-77/status", "online")
    wait_until(lambda: handle.stats["messages"] == 2)
    handle.stop()
    assert rows(
        store,
        "SELECT device_id, kind, registration, state FROM device"
        " WHERE registration = 'pending' ORDER BY 1",
    ) == [
        ("loa-77", "speaker", "pending", "online"),
        ("new-01", "sensor", "pending", "online"),
    ]
    assert count(store, "SELECT value FROM sensor_reading WHERE device_id = 'new-01'") == 87.0


def test_sigkill_mid_stream_loses_nothing(tmp_path: Path, settings, store, broker) -> None:
    watcher = Watcher(broker.url, "coc/10237/coc/status")
    proc = start_ingest_process(settings, tmp_path)
    wait_until(lambda: "online" in watcher.seen, timeout=20)
    total = 4000
    pub = Publisher(broker.url, "test-burst")
    sent = threading.Event()

    def burst() -> None:
        for i in range(total):
            payload = json.dumps({"ts": TS + i, "values": {"water_level": (i % 1000) / 100}})
            pub.client.publish("coc/10237/sensors/mn-01/telemetry", payload, qos=1)
        sent.set()

    threading.Thread(target=burst, daemon=True).start()
    wait_until(
        lambda: count(store, "SELECT count(*) FROM sensor_reading") >= 200, 30, interval=0.01
    )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    stored_at_kill = count(store, "SELECT count(*) FROM sensor_reading")
    # Its heartbeat stops with it: once three beats are missed, health says "down".
    later = utcnow() + timedelta(seconds=stale_after_s(settings) + 1)
    assert ingester_liveness(store, settings, now=later).state == "down"
    wait_until(lambda: watcher.seen[-1] == "offline", timeout=10)  # last will
    assert sent.wait(60)
    assert stored_at_kill < total, "the kill came too late to test anything"
    proc = start_ingest_process(settings, tmp_path)
    try:
        wait_until(lambda: count(store, "SELECT count(*) FROM sensor_reading") == total, timeout=60)
        assert count(store, "SELECT min(ts) FROM sensor_reading") == TS
        assert count(store, "SELECT max(ts) FROM sensor_reading") == TS + total - 1
        wait_until(lambda: watcher.seen[-1] == "online")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        pub.close()
    wait_until(lambda: watcher.seen[-1] == "offline")  # clean stop says so too
    watcher.close()


def test_broker_restart_keeps_session_and_queue(tmp_path: Path, settings, store, broker) -> None:
    handle = start_ingest(store, settings)
    assert handle.wait_connected(10)
    pub = Publisher(broker.url, "test-before")
    for i in range(50):
        pub.sensor("mn-01", json.dumps({"ts": TS + i, "values": {"water_level": 1.0}}))
    pub.close()
    wait_until(lambda: count(store, "SELECT count(*) FROM sensor_reading") == 50)
    assert get_status(store, "mqtt").state == "ok"  # what /api/v1/health reports
    broker.stop()
    wait_until(lambda: not handle.ingester.connected.is_set())
    wait_until(lambda: get_status(store, "mqtt").state == "down")
    restarted = start_mosquitto(MOSQUITTO, tmp_path / "broker", broker.port)
    try:
        pub = Publisher(restarted.url, "test-after")
        for i in range(50, 100):
            pub.sensor("mn-01", json.dumps({"ts": TS + i, "values": {"water_level": 2.0}}))
        pub.close()
        assert handle.wait_connected(15)
        wait_until(lambda: count(store, "SELECT count(*) FROM sensor_reading") == 100, timeout=20)
        assert get_status(store, "mqtt").state == "ok"
    finally:
        handle.stop()
        restarted.stop()
    assert count(store, "SELECT sum(value) FROM sensor_reading") == 150.0


def test_mqtt5_publish_properties_are_skipped_cleanly(settings, store, broker) -> None:
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    handle = start_ingest(store, settings)
    assert handle.wait_connected(10)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="v5-dev", protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = [("site", "bến Chương Dương"), ("fw", "1.2.3" * 40)]
    props.MessageExpiryInterval = 3600
    props.ContentType = "application/json"
    payload = json.dumps({"ts": TS, "values": {"water_level": 4.25}})
    client.publish(
        "coc/10237/sensors/mn-01/telemetry", payload, qos=1, properties=props
    ).wait_for_publish(5)
    client.publish("coc/10237/sensors/mn-02/telemetry", payload, qos=0, properties=props)
    wait_until(lambda: handle.stats["messages"] == 2)
    client.disconnect()
    client.loop_stop()
    handle.stop()
    assert rows(store, "SELECT device_id, ts, value FROM sensor_reading ORDER BY 1") == [
        ("mn-01", TS, 4.25),
        ("mn-02", TS, 4.25),
    ]
