"""Pure parsing of every payload form and every rejection reason (no broker needed)."""

from __future__ import annotations

from coc.ingest.messages import Limits, Reading, Rejected, StatusUpdate, Telemetry
from sensors.parse import parse_message

NOW = 1_763_800_000_000
LIMITS = Limits(
    devices={
        "mn-01": ("sensor", {"water_level": (-2.0, 15.0)}),
        "nd-01": ("sensor", {"temperature": (-5.0, 60.0), "humidity": (0.0, 100.0)}),
        "cam-01": ("camera", {}),
    },
    auto_register=False,
    max_future_ms=300_000,
)
T = "coc/10237/sensors/{}/telemetry"


def parse(topic: str, payload: bytes, limits: Limits = LIMITS):
    return parse_message(topic, payload, NOW, limits, "coc", "10237")


def test_flat_json_is_received_now() -> None:
    result = parse(T.format("nd-01"), b'{"temperature": 29.5, "humidity": 81}')
    assert result == Telemetry(
        (Reading("nd-01", "temperature", NOW, 29.5), Reading("nd-01", "humidity", NOW, 81.0))
    )


def test_ts_and_values() -> None:
    result = parse(T.format("mn-01"), b'{"ts": 1763799000000, "values": {"water_level": 3.25}}')
    assert result == Telemetry((Reading("mn-01", "water_level", 1763799000000, 3.25),))


def test_list_of_both_forms() -> None:
    payload = b'[{"ts": 1763799000000, "values": {"water_level": 3.1}}, {"water_level": 3.2}]'
    result = parse(T.format("mn-01"), payload)
    assert isinstance(result, Telemetry)
    assert [(r.ts, r.value) for r in result.readings] == [(1763799000000, 3.1), (NOW, 3.2)]


def test_gateway_payload_many_devices() -> None:
    payload = (
        b'{"mn-01": [{"ts": 1763799000000, "values": {"water_level": 4.0}}],'
        b' "nd-01": {"temperature": 30}}'
    )
    result = parse("coc/10237/gateway/telemetry", payload)
    assert isinstance(result, Telemetry)
    assert result.readings == (
        Reading("mn-01", "water_level", 1763799000000, 4.0),
        Reading("nd-01", "temperature", NOW, 30.0),
    )


def test_status_plain_and_json() -> None:
    off = parse("coc/10237/cameras/cam-01/status", b"offline")
    assert off == StatusUpdate("cam-01", "camera", "offline", NOW, "will")
    assert not off.online
    rec = parse("coc/10237/cameras/cam-01/status", b'{"state": "recording", "ts": 1763799000000}')
    assert rec == StatusUpdate("cam-01", "camera", "recording", 1763799000000, "status")
    assert rec.online


def test_rejections_have_reasons() -> None:
    cases = {
        (T.format("mn-01"), b"not json{"): "dữ liệu không phải JSON",
        (
            T.format("mn-01"),
            b'{"water_level": "high"}',
        ): "giá trị của 'water_level' không phải số: 'high'",
        (
            T.format("mn-01"),
            b'{"water_level": true}',
        ): "giá trị của 'water_level' không phải số: True",
        (
            T.format("mn-01"),
            b'{"water_level": 99}',
        ): "giá trị water_level=99 ngoài khoảng vật lý [-2, 15]",
        (T.format("xx-99"), b'{"water_level": 1}'): "thiết bị chưa đăng ký: xx-99",
        (
            T.format("mn-01"),
            b"[1, 2]",
        ): "dữ liệu đo phải là đối tượng JSON hoặc danh sách đối tượng",
        (
            "coc/10237/cameras/cam-01/status",
            b"maybe",
        ): "trạng thái không phải 'online', 'offline' hay JSON",
        (
            "coc/10237/cameras/cam-01/status",
            b'{"state": "asleep"}',
        ): "trạng thái không hợp lệ: 'asleep'",
        (
            "coc/10237/speakers/cam-01/status",
            b"online",
        ): "thiết bị cam-01 là 'camera', không phải 'speaker'",
        (
            "coc/10237/lights/l-1/status",
            b"online",
        ): "chủ đề MQTT không đúng quy ước: coc/10237/lights/l-1/status",
    }
    for (topic, payload), reason in cases.items():
        result = parse(topic, payload)
        assert isinstance(result, Rejected), (topic, payload)
        assert result.reason == reason


def test_future_timestamp_is_rejected_but_other_entries_kept() -> None:
    future = NOW + 301_000
    payload = f'[{{"ts": {future}, "values": {{"water_level": 3}}}}, {{"water_level": 3.5}}]'
    result = parse(T.format("mn-01"), payload.encode())
    assert isinstance(result, Telemetry)
    assert result.readings == (Reading("mn-01", "water_level", NOW, 3.5),)
    assert result.rejected == (
        Rejected(f"thời điểm 'ts' ở quá xa trong tương lai: {future}", "mn-01"),
    )


def test_unknown_device_is_pending_when_auto_register_is_on() -> None:
    limits = Limits(dict(LIMITS.devices), auto_register=True)
    result = parse(T.format("new-7"), b'{"battery": 87}', limits)
    assert result == Telemetry((Reading("new-7", "battery", NOW, 87.0),), (), ("new-7",))
    status = parse("coc/10237/speakers/loa-9/status", b"online", limits)
    assert status == StatusUpdate("loa-9", "speaker", "online", NOW, "status", pending=True)
