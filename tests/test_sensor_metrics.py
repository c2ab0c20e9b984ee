"""Each metric of a sensor type has its own unit, names and range (config/devices.yaml):
humidity is %, not the temperature type's °C; pm2.5 and pm10 are named as such; pages and
alert messages show the metric's name, never its key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures_base import new_store

from coc.config import load_settings
from coc.devices.alerts import load_rules
from coc.devices.registry import load_registry, sync_devices
from coc.errors import ConfigError
from coc.ingest.messages import Reading, Telemetry
from dashboards import sensors
from sensors.writer import Batch, Item, write_batch

SETTINGS = load_settings(environ={})
NOW_MS = int(datetime(2026, 11, 20, 3, 0, tzinfo=UTC).timestamp() * 1000)


def test_shipped_metrics_have_their_own_unit_name_and_range() -> None:
    types = load_registry(SETTINGS).sensor_types
    humidity = types["temperature"].metric("humidity")
    assert (humidity.unit, humidity.name("vi"), humidity.name("en")) == ("%", "Độ ẩm", "Humidity")
    assert (humidity.min, humidity.max) == (0.0, 100.0)
    temperature = types["temperature"].metric("temperature")
    assert (temperature.unit, temperature.name("vi"), temperature.min) == ("°C", "Nhiệt độ", -5.0)
    assert types["air_quality"].metric("pm25").name("vi") == "Bụi mịn PM2.5"
    assert types["air_quality"].metric("pm10").name("vi") == "Bụi PM10"
    assert types["air_quality"].keys == ("pm25", "pm10")
    # every shipped metric is named in Vietnamese (with its diacritics) and has a unit
    for stype in types.values():
        for m in stype.metrics.values():
            assert m.unit and m.name_vi != m.key and m.name_en, (stype.name, m.key)


def test_range_check_uses_the_metric_range() -> None:
    registry = load_registry(SETTINGS)
    assert registry.key_range("nd-01", "humidity") == (0.0, 100.0)
    assert registry.key_range("nd-01", "temperature") == (-5.0, 60.0)


def test_older_unit_and_keys_form_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "devices.yaml"
    path.write_text(
        "sensor_types:\n  t: {unit: '°C', min: 0, max: 50, keys: [a, b]}\n"
        "devices:\n  - {id: s-1, kind: sensor, sensor_type: t, name: Cảm biến}\n",
        encoding="utf-8",
    )
    stype = load_registry(SETTINGS, path).sensor_types["t"]
    assert stype.keys == ("a", "b")
    assert (stype.metric("b").unit, stype.metric("b").min, stype.metric("b").max) == ("°C", 0, 50)


def test_a_broken_metric_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "devices.yaml"
    path.write_text(
        "sensor_types:\n  t: {min: 0, max: 50, metrics: {a: {unit: m, min: cao}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="loại cảm biến t không hợp lệ"):
        load_registry(SETTINGS, path)


def test_live_values_carry_each_metric_unit_and_name(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s.sqlite3")
    sync_devices(store, SETTINGS)
    batch = Batch()
    readings = (
        Reading("nd-01", "temperature", NOW_MS, 29.5),
        Reading("nd-01", "humidity", NOW_MS, 81.0),
    )
    batch.add(Item("coc/10237/sensor/nd-01/telemetry", b"", Telemetry(readings), NOW_MS))
    write_batch(store, batch, "10237")
    live = {x.key: x for x in sensors.latest_values(store, SETTINGS)}
    assert (live["humidity"].unit, live["humidity"].metric("vi")) == ("%", "Độ ẩm")
    assert (live["temperature"].unit, live["temperature"].metric("en")) == ("°C", "Temperature")
    store.dispose()


def test_alert_messages_name_the_metric() -> None:
    rules = {r.key: r for r in load_rules(SETTINGS).rules}
    assert (rules["pm25"].metric_name, rules["pm25"].metric_unit) == ("Bụi mịn PM2.5", "µg/m³")
    assert rules["water_level"].metric_name == "Mực nước"
