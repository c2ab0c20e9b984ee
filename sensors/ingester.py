"""The MQTT side of ingestion: paho-mqtt 2, MQTT 5, QoS 1, persistent session, manual ack.

Each message is parsed in the network thread and handed to the single writer, which
acknowledges it only after the transaction holding it has committed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from coc.config import Settings
from coc.ingest.messages import Limits, StatusUpdate, Telemetry
from coc.store.status import set_status
from sensors.mqttconf import BrokerAddress, own_status_topic, parse_url, subscriptions
from sensors.parse import parse_message
from sensors.writer import Item, Writer

log = logging.getLogger(__name__)


class BufferedClient(mqtt.Client):
    """paho-mqtt with buffered socket reads.

    paho reads each packet with three `recv` calls after one `select`; at thousands of
    messages a second those syscalls, not parsing, bound throughput. This reads up to
    64 KiB at once and handles every complete packet in it before selecting again.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rbuf = bytearray()
        self._may_recv = True

    def _sock_recv(self, bufsize: int) -> bytes:
        buf = self._rbuf
        if not buf:
            if not self._may_recv:
                raise BlockingIOError  # one read per round, so acks get written between
            self._may_recv = False
            data = super()._sock_recv(65536)
            if not data:
                return data
            buf += data
        out = bytes(buf[:bufsize])
        del buf[:bufsize]
        return out

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        self._may_recv = True
        rc = super().loop_read(max_packets)
        while rc == mqtt.MQTT_ERR_SUCCESS and self._rbuf and self._sock is not None:
            rc = super().loop_read(1)
        return rc

    def _handle_publish(self) -> mqtt.MQTTErrorCode:
        """QoS 0/1 PUBLISH without building a Properties object per message.

        paho builds and clears an MQTT 5 Properties object for every message, a fifth of
        the ingester's CPU; COC reads no publish properties, so it skips them. QoS 2
        (never subscribed by COC) keeps paho's own path.
        """
        header = self._in_packet["command"]
        qos = (header & 0x06) >> 1
        if qos == 2 or not self._manual_ack:
            return super()._handle_publish()
        packet = self._in_packet["packet"]
        topic_len = (packet[0] << 8) | packet[1]
        pos = 2 + topic_len
        topic = bytes(packet[2:pos])
        mid = 0
        if qos:
            mid = (packet[pos] << 8) | packet[pos + 1]
            pos += 2
        if self._protocol == mqtt.MQTTv5:
            props_len, shift = 0, 0
            while True:  # variable byte integer, then skip that many bytes
                byte = packet[pos]
                pos += 1
                props_len |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            pos += props_len
        message = mqtt.MQTTMessage(mid=mid, topic=topic)
        message.dup = bool(header & 0x08)
        message.qos = qos
        message.retain = bool(header & 0x01)
        message.payload = bytes(packet[pos:])
        message.timestamp = time.monotonic()
        self._handle_on_message(message)
        return mqtt.MQTT_ERR_SUCCESS

    def reconnect(self) -> mqtt.MQTTErrorCode:
        self._rbuf.clear()  # bytes of a dead connection must not leak into the next
        return super().reconnect()


class Ingester:
    """Subscribes to the commune's topics and feeds the writer."""

    def __init__(self, settings: Settings, writer: Writer, limits: Limits) -> None:
        mq = settings.mqtt
        if not mq.url:
            raise ValueError("mqtt.url is not set")
        self.address = parse_url(mq.url)
        self.settings = settings
        self.writer = writer
        self.limits = limits
        self.root, self.commune = mq.topic_root, settings.commune.code
        self.connected = threading.Event()
        self.generation = 0
        self._closing = False
        self._link_up = False
        self._connect_failures = 0
        self._lock = threading.Lock()
        self.status_topic = own_status_topic(self.root, self.commune)
        self.protocol = mqtt.MQTTv5
        self.client = self._make_client(mqtt.MQTTv5)

    def _make_client(self, protocol: int) -> BufferedClient:
        mq = self.settings.mqtt
        v5 = protocol == mqtt.MQTTv5
        client = BufferedClient(
            CallbackAPIVersion.VERSION2,
            client_id=mq.client_id,
            protocol=protocol,
            clean_session=None if v5 else False,
            manual_ack=True,
        )
        if self.address.username:
            client.username_pw_set(self.address.username, self.address.password)
        client.will_set(self.status_topic, "offline", qos=1, retain=True)
        client.reconnect_delay_set(int(max(1, mq.reconnect_min_s)), int(mq.reconnect_max_s))
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _connect_properties(self) -> Properties:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.settings.mqtt.session_expiry_s
        props.ReceiveMaximum = max(1, min(65535, self.settings.mqtt.receive_maximum))
        return props

    def start(self) -> Ingester:
        wanted = self.settings.mqtt.protocol
        if wanted == "3.1.1" or (wanted == "auto" and not supports_v5(self.address)):
            self.protocol = mqtt.MQTTv311
            self.client = self._make_client(mqtt.MQTTv311)
            self.client.connect_async(
                self.address.host, self.address.port, keepalive=self.settings.mqtt.keepalive_s
            )
        else:
            self.client.connect_async(
                self.address.host,
                self.address.port,
                keepalive=self.settings.mqtt.keepalive_s,
                clean_start=False,
                properties=self._connect_properties(),
            )
        self.client.loop_start()
        return self

    def _on_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            log.warning("broker từ chối kết nối: %s", reason)
            return
        with self._lock:
            self.generation += 1
            self._link_up = True
            self._connect_failures = 0
        topics = subscriptions(self.root, self.commune)
        if self.protocol == mqtt.MQTTv5:
            client.subscribe([(t, SubscribeOptions(qos=1)) for t in topics])
        else:
            client.subscribe([(t, 1) for t in topics])
        client.publish(self.status_topic, "online", qos=1, retain=True)
        self._report("ok", f"{self.address.host}:{self.address.port}")
        log.info(
            "đã kết nối MQTT %s:%s (phiên cũ: %s)",
            self.address.host,
            self.address.port,
            flags.session_present,
        )

    def _on_connect_fail(self, _c: Any, _u: Any) -> None:
        """One line per failed attempt (paho doubles the delay up to the maximum)."""
        self._connect_failures += 1
        where = f"{self.address.host}:{self.address.port}"
        log.warning(
            "không kết nối được broker MQTT %s (lần %d); vẫn thử lại, cách nhau tối đa %g giây",
            where,
            self._connect_failures,
            self.settings.mqtt.reconnect_max_s,
        )
        self._report("down", f"không kết nối được {where}")

    def _on_subscribe(self, _c: Any, _u: Any, _mid: int, reasons: Any, _p: Any) -> None:
        """Ready once the broker has confirmed the subscriptions."""
        if any(getattr(r, "is_failure", False) for r in reasons):
            log.error("broker từ chối đăng ký chủ đề: %s", reasons)
            return
        self.connected.set()

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._link_up = False
        self.connected.clear()
        if not self._closing:
            log.warning("mất kết nối MQTT (%s), sẽ kết nối lại", reason)
            self._report("down", f"mất kết nối: {reason}")
        else:
            self._report("unknown", "bộ thu MQTT đã dừng")

    def _report(self, state: str, detail: str) -> None:
        """Broker link state for /api/v1/health; never lets a store error break the link."""
        try:
            set_status(self.writer.store, "mqtt", state, detail)
        except Exception:
            log.exception("không ghi được trạng thái MQTT")

    def _on_message(self, client: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        if self._closing:
            return  # not acked: the broker redelivers it to the next session
        now_ms = int(time.time() * 1000)
        topic = msg.topic
        parsed = parse_message(topic, msg.payload, now_ms, self.limits, self.root, self.commune)
        self._learn(parsed)
        self.writer.put(Item(topic, msg.payload, parsed, now_ms, msg.mid, msg.qos, self.generation))

    def _learn(self, parsed: Any) -> None:
        """Auto-registered devices are known from their first message on."""
        if isinstance(parsed, Telemetry):
            for device_id in parsed.pending:
                self.limits.devices.setdefault(device_id, ("sensor", {}))
        elif isinstance(parsed, StatusUpdate) and parsed.pending:
            self.limits.devices.setdefault(parsed.device_id, (parsed.kind, {}))

    def ack(self, items: list[Item]) -> None:
        """Acknowledge committed messages; called by the writer after each commit."""
        generation, ack = self.generation, self.client.ack
        for item in items:
            # A mid from an older connection may name another message now: skip it, the
            # broker redelivers that message and the upsert makes the copy harmless.
            if item.qos and item.generation == generation and self._link_up:
                ack(item.mid, item.qos)

    def close_intake(self) -> None:
        """Stop taking messages; what is not acked yet is redelivered next session."""
        self._closing = True

    def stop(self, timeout: float = 5.0) -> None:
        self._closing = True
        if self.connected.is_set():
            info = self.client.publish(self.status_topic, "offline", qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout)
        self.client.disconnect()
        self.client.loop_stop()


def supports_v5(address: BrokerAddress, timeout: float = 5.0) -> bool:
    """Ask the broker once; an unreachable broker is assumed to speak MQTT 5."""
    answer: list[bool] = []
    done = threading.Event()

    def on_connect(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        answer.append(reason != "Unsupported protocol version")
        done.set()

    probe = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if address.username:
        probe.username_pw_set(address.username, address.password)
    probe.on_connect = on_connect
    try:
        probe.connect(address.host, address.port, keepalive=10)
    except OSError:
        return True
    deadline = time.monotonic() + timeout
    while not done.is_set() and time.monotonic() < deadline:
        if probe.loop(0.1) != mqtt.MQTT_ERR_SUCCESS and not done.is_set():
            return False
    probe.disconnect()
    return answer[0] if answer else True
