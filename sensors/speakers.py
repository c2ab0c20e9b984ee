"""Simulated loudspeaker clusters: the cluster side of the bulletin contract
(docs/sensors.md). Each cluster takes `play`/`stop` commands from its command topic,
answers received → playing → done (or failed) on its status topic, plays for the audio's
length (divided by `speed`), lets a more urgent bulletin pre-empt a playing one and queues
the rest. Some clusters can be set offline (they say `offline` and ignore commands) or
failing (they report failed), so the demo shows the whole flow."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
import requests
from paho.mqtt.enums import CallbackAPIVersion

from coc.bulletins import rank
from sensors.mqttconf import parse_url, status_topic

log = logging.getLogger(__name__)


@dataclass
class Cluster:
    device_id: str
    online: bool = True
    failing: bool = False
    playing: dict[str, Any] | None = None
    queue: list[dict[str, Any]] = field(default_factory=list)
    timer: threading.Timer | None = None
    played: list[str] = field(default_factory=list)  # bulletin ids played to the end
    heard: list[dict[str, Any]] = field(default_factory=list)  # every command received


class SpeakerClusters:
    def __init__(
        self,
        mqtt_url: str,
        root: str,
        commune: str,
        clusters: Iterable[str],
        *,
        offline: Iterable[str] = (),
        failing: Iterable[str] = (),
        speed: float = 1.0,
        fetch_audio: bool = False,
        client_id: str | None = None,
        heartbeat_s: float = 60.0,
    ) -> None:
        self.address = parse_url(mqtt_url)
        self.root, self.commune, self.speed = root, commune, max(speed, 0.001)
        self.fetch_audio = fetch_audio
        off, bad = set(offline), set(failing)
        self.clusters = {c: Cluster(c, online=c not in off, failing=c in bad) for c in clusters}
        self.lock = threading.RLock()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or f"coc-sim-speakers-{commune}",
            protocol=mqtt.MQTTv311,
        )
        if self.address.username:
            self.client.username_pw_set(self.address.username, self.address.password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.ready = threading.Event()
        self.heartbeat_s = heartbeat_s
        self._stopping = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, name="coc-sim-speakers", daemon=True)

    # ── life ──
    def start(self) -> SpeakerClusters:
        self.client.connect_async(self.address.host, self.address.port, keepalive=30)
        self.client.loop_start()
        self._beat.start()
        return self

    def _heartbeat(self) -> None:
        """Clusters repeat their state, so COC's inactivity timeout keeps them online."""
        while not self._stopping.wait(self.heartbeat_s):
            with self.lock:
                for c in self.clusters.values():
                    self._announce(c)

    def stop(self) -> None:
        self._stopping.set()
        with self.lock:
            for c in self.clusters.values():
                if c.timer:
                    c.timer.cancel()
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: Any, _u: Any, _f: Any, _rc: Any, _p: Any = None) -> None:
        client.subscribe(f"{self.root}/{self.commune}/speakers/+/cmd", qos=1)
        for c in self.clusters.values():
            self._announce(c)
        self.ready.set()

    def _topic(self, device_id: str) -> str:
        return status_topic(self.root, self.commune, "speaker", device_id)

    def _announce(self, c: Cluster) -> None:
        if c.online:
            state = "playing" if c.playing else "idle"
            self._send(c, {"state": state, "ts": _now_ms()}, retain=True)
        else:
            self.client.publish(self._topic(c.device_id), "offline", qos=1, retain=True)

    def _send(self, c: Cluster, payload: dict[str, Any], retain: bool = False) -> None:
        self.client.publish(self._topic(c.device_id), json.dumps(payload), qos=1, retain=retain)

    def _report(
        self, c: Cluster, cmd: dict[str, Any], state: str, reason: str | None = None
    ) -> None:
        payload: dict[str, Any] = {"state": state, "bulletin": cmd["bulletin"], "ts": _now_ms()}
        if cmd.get("occurrence"):
            payload["occurrence"] = cmd["occurrence"]
        if reason:
            payload["reason"] = reason
        self._send(c, payload)

    # ── what a test or the demo changes ──
    def set_online(self, device_id: str, online: bool) -> None:
        with self.lock:
            c = self.clusters[device_id]
            c.online = online
            if not online and c.timer:
                c.timer.cancel()
                c.playing, c.queue = None, []
            self._announce(c)

    def set_failing(self, device_id: str, failing: bool) -> None:
        with self.lock:
            self.clusters[device_id].failing = failing

    # ── commands ──
    def _on_message(self, _client: Any, _u: Any, msg: Any) -> None:
        parts = msg.topic.split("/")
        c = self.clusters.get(parts[3]) if len(parts) == 5 else None
        if c is None:
            return
        try:
            cmd = json.loads(msg.payload)
        except ValueError:
            return
        if not isinstance(cmd, dict) or not isinstance(cmd.get("bulletin"), str):
            return
        with self.lock:
            if not c.online:
                return  # an offline cluster hears nothing
            c.heard.append(cmd)
            if cmd.get("action") == "stop":
                self._stop_one(c, cmd["bulletin"])
            elif cmd.get("action") == "play":
                self._play_command(c, cmd)

    def _play_command(self, c: Cluster, cmd: dict[str, Any]) -> None:
        if int(cmd.get("expires") or 0) <= _now_ms():
            self._report(c, cmd, "failed", "expired")
            return
        if self.fetch_audio and not self._fetch(cmd.get("audio_url")):
            self._report(c, cmd, "failed", "không tải được tệp âm thanh")
            return
        self._report(c, cmd, "received")
        if c.failing:
            self._report(c, cmd, "failed", "bộ khuếch đại lỗi")
            return
        current = c.playing
        if current is not None and current["bulletin"] == cmd["bulletin"]:
            return  # a resend of what is on air
        if current is not None and rank(cmd.get("priority", "")) > rank(
            current.get("priority", "")
        ):
            if c.timer:
                c.timer.cancel()
            self._report(c, current, "failed", "preempted")
            c.playing = None
        if c.playing is None:
            self._begin(c, cmd)
        else:
            c.queue.append(cmd)

    def _fetch(self, url: Any) -> bool:
        try:
            return isinstance(url, str) and requests.get(url, timeout=10).status_code == 200
        except requests.RequestException:
            return False

    def _begin(self, c: Cluster, cmd: dict[str, Any]) -> None:
        c.playing = cmd
        self._report(c, cmd, "playing")
        seconds = float(cmd.get("duration_s") or 5.0) / self.speed
        c.timer = threading.Timer(seconds, self._finish, (c, cmd))
        c.timer.daemon = True
        c.timer.start()

    def _finish(self, c: Cluster, cmd: dict[str, Any]) -> None:
        with self.lock:
            if c.playing is not cmd:
                return
            self._report(c, cmd, "done")
            c.played.append(cmd["bulletin"])
            c.playing = None
            self._next(c)

    def _next(self, c: Cluster) -> None:
        c.queue.sort(key=lambda q: -rank(q.get("priority", "")))
        while c.queue:
            cmd = c.queue.pop(0)
            if int(cmd.get("expires") or 0) > _now_ms():
                self._begin(c, cmd)
                return
            self._report(c, cmd, "failed", "expired")

    def _stop_one(self, c: Cluster, bulletin_id: str) -> None:
        c.queue = [q for q in c.queue if q["bulletin"] != bulletin_id]
        if c.playing is not None and c.playing["bulletin"] == bulletin_id:
            if c.timer:
                c.timer.cancel()
            self._report(c, c.playing, "failed", "stopped")
            c.playing = None
            self._next(c)


def _now_ms() -> int:
    return int(time.time() * 1000)
