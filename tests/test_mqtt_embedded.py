"""Where Mosquitto is absent, ensure_broker falls back to the embedded amqtt broker and
the ingester speaks MQTT 3.1.1 to it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from fixtures_base import wait_until
from fixtures_mqtt import Publisher, count, make_settings

from coc.store.db import open_store
from sensors import broker as broker_module
from sensors.broker import ensure_broker
from sensors.service import start_ingest


def test_embedded_broker_and_mqtt_311_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(broker_module, "mosquitto_binary", lambda: None)
    handle = ensure_broker(tmp_path)
    try:
        assert handle.kind == "amqtt"
        assert handle.url == f"mqtt://127.0.0.1:{handle.port}"
        settings = make_settings(tmp_path, handle.url)
        store = open_store(settings)
        ingest = start_ingest(store, settings)
        assert ingest.wait_connected(15)
        assert ingest.ingester.protocol == mqtt.MQTTv311
        pub = Publisher(handle.url)
        pub.sensor(
            "mn-01", json.dumps({"ts": int(time.time() * 1000), "values": {"water_level": 2.5}})
        )
        pub.send("coc/10237/cameras/cam-01/status", "online")
        wait_until(lambda: ingest.stats["messages"] == 2)
        pub.close()
        ingest.stop()
        assert count(store, "SELECT value FROM sensor_reading WHERE device_id = 'mn-01'") == 2.5
        assert count(store, "SELECT state FROM device WHERE device_id = 'cam-01'") == "online"
        store.dispose()
    finally:
        handle.stop()
