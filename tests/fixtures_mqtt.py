"""Shared MQTT test fixtures: a real Mosquitto on a free port, settings, store, publisher.

Test modules import what they use: `from fixtures_mqtt import broker, ...`; they wait
on the broker's effects with fixtures_base.wait_until.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import yaml
from fixtures_base import ROOT, free_port, needs
from paho.mqtt.enums import CallbackAPIVersion

from coc.config import Settings, load_settings
from coc.store.db import Store, open_store
from sensors.broker import BrokerHandle, mosquitto_binary, start_mosquitto

COMMUNE = "10237"
MOSQUITTO = mosquitto_binary()
needs_mosquitto = needs(
    MOSQUITTO is not None,
    "Mosquitto is not installed (apt-get install mosquitto); MQTT tests skipped",
)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerHandle]:
    assert MOSQUITTO is not None, "Mosquitto binary missing (required when CI=true)"
    handle = start_mosquitto(MOSQUITTO, tmp_path / "broker", free_port())
    yield handle
    handle.stop()


def make_settings(tmp_path: Path, url: str | None, **mqtt: Any) -> Settings:
    site = tmp_path / "site.yaml"
    data = {"mqtt": {"url": url, "flush_ms": 20, "reconnect_max_s": 2, **mqtt}}
    site.write_text(yaml.safe_dump(data), encoding="utf-8")
    env = {"COC_CONFIG": str(site), "COC_DATA_DIR": str(tmp_path / "data")}
    return load_settings(environ=env)


@pytest.fixture
def settings(tmp_path: Path, broker: BrokerHandle) -> Settings:
    return make_settings(tmp_path, broker.url)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = open_store(settings)
    yield s
    s.dispose()


class Publisher:
    """A separate QoS 1 client, as a device or gateway would be."""

    def __init__(self, url: str, client_id: str = "test-device") -> None:
        port = int(url.rsplit(":", 1)[1])
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def send(self, topic: str, payload: str | bytes, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(10)

    def sensor(self, device_id: str, payload: str | bytes) -> None:
        self.send(f"coc/{COMMUNE}/sensors/{device_id}/telemetry", payload)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def publisher(broker: BrokerHandle) -> Iterator[Publisher]:
    pub = Publisher(broker.url)
    yield pub
    pub.close()


def start_ingest_process(settings: Settings, tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """The ingester as its own process, so a test can SIGKILL it."""
    env = dict(os.environ)
    env["COC_CONFIG"] = str(tmp_path / "site.yaml")
    env["COC_DATA_DIR"] = settings.store.data_dir
    log = open(tmp_path / "ingest.log", "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "sensors.run", *args], cwd=ROOT, env=env, stdout=log, stderr=log
    )


def count(store: Store, sql: str, **params: Any) -> Any:
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(store: Store, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]
