"""The ingester's PUBLISH fast path and batch PUBACKs, on hand-made MQTT packets."""

from __future__ import annotations

from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from sensors.ingester import BufferedClient


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def publish(topic: bytes, payload: bytes, mid: int, qos: int = 1, dup: bool = False,
            props: bytes | None = None) -> bytes:  # fmt: skip
    body = len(topic).to_bytes(2, "big") + topic
    if qos:
        body += mid.to_bytes(2, "big")
    if props is not None:
        body += varint(len(props)) + props
    body += payload
    return bytes([0x30 | (qos << 1) | (0x08 if dup else 0)]) + varint(len(body)) + body


def client(v5: bool) -> tuple[BufferedClient, list[Any]]:
    protocol = mqtt.MQTTv5 if v5 else mqtt.MQTTv311
    c = BufferedClient(CallbackAPIVersion.VERSION2, protocol=protocol, manual_ack=True)
    got: list[Any] = []
    c.fast_publish = lambda *a: got.append(a)
    return c, got


def test_complete_qos1_publishes_are_taken_and_the_rest_left_to_paho() -> None:
    c, got = client(v5=False)
    big = b"x" * 300  # a two-byte remaining length
    c._rbuf += publish(b"a/b", b"1", 7) + publish(b"a/c", big, 65535, dup=True)
    c._rbuf += publish(b"q/0", b"zero", 0, qos=0) + publish(b"a/d", b"3", 9)
    c._drain_publishes(c.fast_publish)
    assert got == [(b"a/b", b"1", 7, False), (b"a/c", big, 65535, True)]
    assert bytes(c._rbuf) == publish(b"q/0", b"zero", 0, qos=0) + publish(b"a/d", b"3", 9)


def test_a_partial_packet_waits_for_more_bytes() -> None:
    c, got = client(v5=False)
    whole = publish(b"a/b", b'{"t": 1}', 5)
    for cut in (1, 2, len(whole) - 1):
        c._rbuf[:] = whole[:cut]
        c._drain_publishes(c.fast_publish)
        assert got == [] and bytes(c._rbuf) == whole[:cut]
    c._rbuf[:] = whole
    c._drain_publishes(c.fast_publish)
    assert got == [(b"a/b", b'{"t": 1}', 5, False)] and not c._rbuf


def test_mqtt5_properties_are_skipped() -> None:
    c, got = client(v5=True)
    props = b"\x26" + b"\x00\x02fw" + b"\x00\x03" + b"1.2"  # a user property
    c._rbuf += publish(b"a/b", b"p1", 1, props=props) + publish(b"a/b", b"p2", 2, props=b"")
    c._drain_publishes(c.fast_publish)
    assert got == [(b"a/b", b"p1", 1, False), (b"a/b", b"p2", 2, False)] and not c._rbuf


def test_a_malformed_packet_is_left_to_paho() -> None:
    c, got = client(v5=False)
    bad = bytes([0x32, 3]) + b"\x00\x09ab"  # topic longer than the packet
    c._rbuf += bad
    c._drain_publishes(c.fast_publish)
    assert got == [] and bytes(c._rbuf) == bad


def test_a_batch_of_acks_is_one_buffer_of_pubacks() -> None:
    c, _ = client(v5=False)
    c.ack_many([1, 258, 65535])
    (packet,) = list(c._out_packet)
    assert packet["packet"] == b"\x40\x02\x00\x01" + b"\x40\x02\x01\x02" + b"\x40\x02\xff\xff"
    c.ack_many([])
    assert len(c._out_packet) == 1
