"""Commands to loudspeaker clusters over MQTT: a QoS-1 publisher with its own persistent
session, and the delivery round (`coc.bulletins.dispatch`) run every `bulletins.dispatch_s`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from coc.bulletins.dispatch import run_round
from coc.config import Settings
from coc.store.db import Store
from coc.timeutil import utcnow
from sensors.mqttconf import parse_url

log = logging.getLogger(__name__)


class CommandPublisher:
    """Publishes cluster commands at QoS 1; a fixed client id without clean start keeps
    unacknowledged commands across a reconnect (the broker and paho resend them)."""

    def __init__(self, settings: Settings) -> None:
        url = settings.mqtt.url
        if not url:
            raise ValueError("mqtt.url is not set")
        self.address = parse_url(url)
        client_id = f"{settings.mqtt.client_id}-cmd-{settings.commune.code}"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
        if self.address.username:
            self.client.username_pw_set(self.address.username, self.address.password)
        self.client.reconnect_delay_set(1, int(settings.mqtt.reconnect_max_s))
        self.connected = threading.Event()
        self.client.on_connect = lambda *_a: self.connected.set()
        self.client.on_disconnect = lambda *_a: self.connected.clear()

    def start(self) -> CommandPublisher:
        self.client.connect_async(self.address.host, self.address.port, keepalive=30)
        self.client.loop_start()
        return self

    def publish(self, topic: str, payload: bytes) -> bool:
        """Handed to the client (it resends until the broker acknowledges); False when
        not connected, so the round keeps the delivery waiting."""
        if not self.connected.is_set():
            return False
        info = self.client.publish(topic, payload, qos=1)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def dispatch_job(
    store: Store,
    settings: Settings,
    publisher: CommandPublisher,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    commands = run_round(store, settings, clock(), publisher.publish)
    for c in commands:
        log.info("bản tin %s → cụm loa %s (%s)", c.payload["bulletin"], c.device_id,
                 c.payload["action"])  # fmt: skip
    return len(commands)


def start_dispatch(scheduler: object, store: Store, settings: Settings) -> CommandPublisher:
    """The publisher and its scheduled round; the caller stops the publisher."""
    publisher = CommandPublisher(settings).start()
    scheduler.add_job(  # type: ignore[attr-defined]
        dispatch_job,
        "interval",
        seconds=settings.bulletins.dispatch_s,
        id="bulletins-dispatch",
        args=(store, settings, publisher),
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
    return publisher
