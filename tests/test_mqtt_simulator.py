"""The device simulator: realistic shapes, and a short run through a real broker."""

from __future__ import annotations

from datetime import UTC, datetime

from fixtures_base import wait_until
from fixtures_mqtt import broker, needs_mosquitto, rows, settings, store

from sensors.service import start_ingest
from sensors.simulator import OFFLINE_SPEAKERS, World, camera_online, start_device_simulator

_ = (broker, settings, store)


def test_daily_temperature_cycle_peaks_in_the_afternoon() -> None:
    world = World()
    at = {h: world.temperature(datetime(2026, 6, 1, h - 7, tzinfo=UTC)) for h in (9, 15, 21)}
    assert at[15] - at[9] > 3.5  # sin peak at 15:00 local is +5 °C over 09:00
    assert at[15] > at[21]


def test_storm_raises_then_the_water_level_recedes() -> None:
    world = World()
    levels = []
    for second in range(0, 1800, 60):  # one storm period, a reading a minute
        rain = world.rain_mm(second, 60)
        levels.append(world.water_level(3.2, rain, 60))
    peak = max(levels)
    assert peak - levels[0] > 0.8
    assert levels[-1] < peak - 0.3


def test_one_camera_drops_out() -> None:
    assert camera_online("cam-06", 1199) and not camera_online("cam-06", 1200)
    assert camera_online("cam-06", 2400) and camera_online("cam-01", 1500)


@needs_mosquitto
def test_simulated_commune_flows_into_the_store(broker, settings, store) -> None:
    handle = start_ingest(store, settings)
    assert handle.wait_connected(10)
    sim = start_device_simulator(broker.url, settings, rate=10)
    try:
        wait_until(lambda: len(rows(store, "SELECT DISTINCT device_id FROM sensor_latest")) == 8)
        # 22 devices: cam-06 drops out part of each hour, loa-06 (the demo's down cluster)
        # says offline; the other clusters (sensors.speakers) announce themselves idle
        wait_until(lambda: rows(store, "SELECT count(*) FROM device WHERE online = 1")[0][0] >= 20)
        wait_until(lambda: rows(store, "SELECT device_id, state FROM device WHERE kind = 'speaker'"
                                " AND state != 'unknown' ORDER BY 1") == [
            (f"loa-0{i}", "offline" if f"loa-0{i}" in OFFLINE_SPEAKERS else "idle")
            for i in range(1, 7)])  # fmt: skip
    finally:
        sim.stop()
        handle.stop()
    assert rows(store, "SELECT count(*) FROM quarantine") == [(0,)]
    keys = rows(store, "SELECT device_id, key FROM sensor_latest ORDER BY 1, 2")
    assert keys == [
        ("kk-01", "pm10"),
        ("kk-01", "pm25"),
        ("mn-01", "water_level"),
        ("mn-02", "water_level"),
        ("mn-03", "water_level"),
        ("mua-01", "rain"),
        ("mua-02", "rain"),
        ("nd-01", "humidity"),
        ("nd-01", "temperature"),
        ("nd-02", "humidity"),
        ("nd-02", "temperature"),
    ]
