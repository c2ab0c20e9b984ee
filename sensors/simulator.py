"""A device simulator for the sample commune: telemetry and status over real MQTT.

Temperature follows a daily cycle, rain storms raise the water level, one camera drops
out for part of every hour, and the loudspeaker clusters (sensors.speakers) play the
bulletins COC sends them: one of them is offline and one fails.
It uses every ThingsBoard payload form so the ingester's paths all get exercised.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from coc.config import Settings
from coc.devices.registry import DeviceSpec, load_registry
from coc.timeutil import VN_TZ
from sensors.mqttconf import parse_url, status_topic, telemetry_topic
from sensors.speakers import SpeakerClusters

log = logging.getLogger(__name__)

DROPOUT_CAMERA = "cam-06"
OFFLINE_SPEAKERS = ("loa-06",)  # the demo's cluster that is down (bulletins wait for it)
FAILING_SPEAKERS = ("loa-04",)  # and the one whose amplifier fails (bulletins are retried)
STORM_PERIOD_S = 1800  # a storm starts every 30 minutes of wall time …
STORM_LENGTH_S = 600  # … and rains for 10 minutes


@dataclass
class World:
    """The simulated weather: deterministic shape, seeded noise."""

    seed: int = 10237
    rng: random.Random = field(init=False)
    water_extra: float = 0.0  # metres above the base level from recent rain

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def temperature(self, now: datetime) -> float:
        hour = now.astimezone(VN_TZ).hour + now.minute / 60
        return round(27 + 5 * math.sin(2 * math.pi * (hour - 9) / 24) + self.rng.gauss(0, 0.3), 2)

    def humidity(self, temp: float) -> float:
        return round(min(100.0, max(30.0, 150 - 2.8 * temp + self.rng.gauss(0, 1.5))), 1)

    def rain_mm(self, epoch_s: float, dt: float) -> float:
        """Rain in the last `dt` seconds; heavy in the middle of each storm."""
        phase = epoch_s % STORM_PERIOD_S
        if phase > STORM_LENGTH_S:
            return 0.0
        intensity = math.sin(math.pi * phase / STORM_LENGTH_S)  # mm per minute at peak: 1.5
        return round(max(0.0, 1.5 * intensity * dt / 60 + self.rng.gauss(0, 0.02)), 2)

    def water_level(self, base: float, rain: float, dt: float) -> float:
        self.water_extra = self.water_extra * math.exp(-dt / 1200) + 0.12 * rain
        return round(base + self.water_extra + self.rng.gauss(0, 0.01), 3)

    def pm25(self, now: datetime) -> float:
        hour = now.astimezone(VN_TZ).hour
        rush = 25 if hour in (7, 8, 17, 18) else 0
        return round(max(3.0, 35 + rush + self.rng.gauss(0, 6)), 1)


def camera_online(device_id: str, epoch_s: float) -> bool:
    """The drop-out camera is off from minute 20 to minute 40 of every hour."""
    return device_id != DROPOUT_CAMERA or not 1200 <= epoch_s % 3600 < 2400


BASE_LEVEL = {"mn-01": 3.2, "mn-02": 3.0, "mn-03": 1.1}


class DeviceSimulator:
    def __init__(self, mqtt_url: str, settings: Settings, rate: float = 1.0) -> None:
        self.address = parse_url(mqtt_url)
        self.settings = settings
        self.interval = 1.0 / max(rate, 0.001)
        self.registry = load_registry(settings)
        self.world = World()
        self.root, self.commune = settings.mqtt.topic_root, settings.commune.code
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"coc-sim-{self.commune}", protocol=mqtt.MQTTv311
        )
        if self.address.username:
            self.client.username_pw_set(self.address.username, self.address.password)
        self.client.max_queued_messages_set(0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="coc-device-sim", daemon=True)
        self.published = 0
        self._last_status: dict[str, str] = {}
        speakers = [d for d, s in self.registry.devices.items() if s.kind == "speaker"]
        self.speakers = SpeakerClusters(
            mqtt_url, self.root, self.commune, speakers, offline=OFFLINE_SPEAKERS,
            failing=FAILING_SPEAKERS, fetch_audio=True,
        )  # fmt: skip

    def start(self) -> DeviceSimulator:
        self.client.connect_async(self.address.host, self.address.port, keepalive=30)
        self.client.loop_start()
        self.speakers.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.speakers.stop()
        self.client.disconnect()
        self.client.loop_stop()

    def _publish(self, topic: str, payload: object, retain: bool = False) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self.client.publish(topic, data, qos=1, retain=retain)
        self.published += 1

    def _run(self) -> None:
        rounds = 0
        while not self._stop.is_set():
            started = time.time()
            self.tick(started, rounds)
            rounds += 1
            self._stop.wait(max(0.0, self.interval - (time.time() - started)))

    def tick(self, epoch_s: float, rounds: int) -> None:
        """One round: every sensor reports, cameras report on change (clusters: SpeakerClusters)."""
        now = datetime.fromtimestamp(epoch_s).astimezone()
        ts = int(epoch_s * 1000)
        gateway: dict[str, list[dict[str, object]]] = {}
        for spec in self.registry.devices.values():
            if spec.kind == "sensor":
                self._sensor(spec, now, epoch_s, ts, gateway)
            elif spec.kind == "camera":
                self._status(spec, now, epoch_s, ts, force=rounds % 60 == 0)
        if gateway:
            self._publish(f"{self.root}/{self.commune}/gateway/telemetry", gateway)

    def _sensor(
        self, spec: DeviceSpec, now: datetime, epoch_s: float, ts: int, gateway: dict
    ) -> None:
        topic = telemetry_topic(self.root, self.commune, spec.device_id)
        if spec.sensor_type == "temperature":
            temp = self.world.temperature(now)
            self._publish(topic, {"temperature": temp, "humidity": self.world.humidity(temp)})
        elif spec.sensor_type == "rain":
            gateway[spec.device_id] = [
                {"ts": ts, "values": {"rain": self.world.rain_mm(epoch_s, self.interval)}}
            ]
        elif spec.sensor_type == "water_level":
            rain = self.world.rain_mm(epoch_s, self.interval)
            level = self.world.water_level(BASE_LEVEL.get(spec.device_id, 2.0), rain, self.interval)
            self._publish(topic, {"ts": ts, "values": {"water_level": level}})
        elif spec.sensor_type == "air_quality":
            pm25 = self.world.pm25(now)
            self._publish(
                topic, [{"ts": ts, "values": {"pm25": pm25, "pm10": round(pm25 * 1.6, 1)}}]
            )

    def _status(
        self, spec: DeviceSpec, now: datetime, epoch_s: float, ts: int, force: bool
    ) -> None:
        state = "recording" if camera_online(spec.device_id, epoch_s) else "offline"
        if not force and self._last_status.get(spec.device_id) == state:
            return
        self._last_status[spec.device_id] = state
        topic = status_topic(self.root, self.commune, spec.kind, spec.device_id)
        if state == "offline":
            self._publish(topic, "offline", retain=True)  # what its last will would say
        else:
            self._publish(topic, {"state": state, "ts": ts}, retain=True)


def start_device_simulator(mqtt_url: str, settings: Settings, rate: float = 1.0) -> DeviceSimulator:
    """Publish the sample commune's devices at `rate` rounds per second until stopped."""
    return DeviceSimulator(mqtt_url, settings, rate).start()
