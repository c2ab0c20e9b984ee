"""Pure parsing: (topic, payload, now) → Telemetry, StatusUpdate or Rejected.

Payloads follow ThingsBoard's forms so existing devices and gateways work unchanged.
"""

from __future__ import annotations

import json
import math
from typing import Any

from coc.devices.registry import TOPIC_KINDS, Registry
from coc.ingest.messages import (
    STATES,
    Limits,
    Parsed,
    Reading,
    Rejected,
    StatusUpdate,
    Telemetry,
    Topic,
)

MAX_KEY = 32


def limits_from_registry(registry: Registry, auto_register: bool, max_future_s: int) -> Limits:
    """Flatten the registry into what parsing needs: kind and key ranges per device."""
    devices: dict[str, tuple[str, dict[str, tuple[float, float]]]] = {}
    for spec in registry.devices.values():
        ranges: dict[str, tuple[float, float]] = {}
        stype = registry.sensor_types.get(spec.sensor_type or "")
        if stype is not None:
            for key in stype.keys:
                rng = registry.key_range(spec.device_id, key)
                if rng is not None:
                    ranges[key] = rng
        devices[spec.device_id] = (spec.kind, ranges)
    return Limits(devices, auto_register, max_future_s * 1000)


def parse_topic(topic: str, root: str, commune: str) -> Topic | None:
    parts = topic.split("/")
    if len(parts) < 4 or parts[0] != root or parts[1] != commune:
        return None
    if parts[2:] == ["gateway", "telemetry"]:
        return Topic("gateway")
    if len(parts) != 5 or parts[2] not in TOPIC_KINDS or not parts[3]:
        return None
    kind = TOPIC_KINDS[parts[2]]
    if parts[4] == "telemetry" and kind == "sensor":
        return Topic("telemetry", kind, parts[3])
    if parts[4] == "status":
        return Topic("status", kind, parts[3])
    return None


def _json(payload: bytes) -> Any:
    try:
        return json.loads(payload.decode("utf-8"))  # str skips json's encoding sniffing
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON


_NOT_JSON = object()


def _ts(value: Any, now_ms: int, limits: Limits) -> int | Rejected:
    if value is None:
        return now_ms
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return Rejected(f"thời điểm 'ts' không phải số mili giây: {value!r}")
    ts = int(value)
    if ts <= 0:
        return Rejected(f"thời điểm 'ts' không hợp lệ: {ts}")
    if ts > now_ms + limits.max_future_ms:
        return Rejected(f"thời điểm 'ts' ở quá xa trong tương lai: {ts}")
    return ts


def _entries(data: Any) -> list[tuple[Any, Any]] | Rejected:
    """ThingsBoard forms → [(ts or None, values dict)]."""
    items = data if isinstance(data, list) else [data]
    out: list[tuple[Any, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            return Rejected("dữ liệu đo phải là đối tượng JSON hoặc danh sách đối tượng")
        if "values" in item:
            if not isinstance(item["values"], dict):
                return Rejected("'values' phải là đối tượng JSON")
            out.append((item.get("ts"), item["values"]))
        else:  # flat form; a "ts" among the values is taken as the timestamp
            values = {k: v for k, v in item.items() if k != "ts"}
            out.append((item.get("ts"), values))
    return out


def _device_known(device_id: str, limits: Limits) -> bool | Rejected:
    if device_id in limits.devices:
        return True
    if limits.auto_register:
        return False
    return Rejected(f"thiết bị chưa đăng ký: {device_id}", device_id)


def telemetry(device_id: str, data: Any, now_ms: int, limits: Limits) -> Telemetry | Rejected:
    """One device's telemetry; good values are kept even when others are rejected."""
    known = _device_known(device_id, limits)
    if isinstance(known, Rejected):
        return known
    entries = _entries(data)
    if isinstance(entries, Rejected):
        return Rejected(entries.reason, device_id)
    ranges = limits.devices[device_id][1] if known else {}
    readings: list[Reading] = []
    rejected: list[Rejected] = []
    for raw_ts, values in entries:
        ts = _ts(raw_ts, now_ms, limits)
        if isinstance(ts, Rejected):
            rejected.append(Rejected(ts.reason, device_id))
            continue
        for key, value in values.items():
            problem = _check_value(key, value, ranges)
            if problem:
                rejected.append(Rejected(problem, device_id))
            else:
                readings.append(Reading(device_id, key, ts, float(value)))
    if not readings:
        reason = "; ".join(r.reason for r in rejected) or "không có giá trị đo nào"
        return Rejected(reason, device_id)
    pending = () if known else (device_id,)
    return Telemetry(tuple(readings), tuple(rejected), pending)


def _check_value(key: Any, value: Any, ranges: dict[str, tuple[float, float]]) -> str | None:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY:
        return f"tên đại lượng không hợp lệ: {key!r}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"giá trị của '{key}' không phải số: {value!r}"
    if not math.isfinite(value):
        return f"giá trị của '{key}' không hữu hạn"
    rng = ranges.get(key)
    if rng and not rng[0] <= value <= rng[1]:
        return f"giá trị {key}={value} ngoài khoảng vật lý [{rng[0]:g}, {rng[1]:g}]"
    return None


def gateway(data: Any, now_ms: int, limits: Limits) -> Telemetry | Rejected:
    if not isinstance(data, dict) or not data:
        return Rejected("gói gateway phải là đối tượng {mã thiết bị: [dữ liệu đo]}")
    readings: list[Reading] = []
    rejected: list[Rejected] = []
    pending: list[str] = []
    for device_id, part in data.items():
        result = telemetry(str(device_id), part, now_ms, limits)
        if isinstance(result, Rejected):
            rejected.append(result)
            continue
        readings.extend(result.readings)
        rejected.extend(result.rejected)
        pending.extend(result.pending)
    if not readings:
        return Rejected("; ".join(r.reason for r in rejected), None)
    return Telemetry(tuple(readings), tuple(rejected), tuple(pending))


def status(topic: Topic, payload: bytes, now_ms: int, limits: Limits) -> StatusUpdate | Rejected:
    device_id, kind = topic.device_id or "", topic.device_kind or ""
    known = _device_known(device_id, limits)
    if isinstance(known, Rejected):
        return known
    if known and limits.devices[device_id][0] != kind:
        registered = limits.devices[device_id][0]
        return Rejected(f"thiết bị {device_id} là '{registered}', không phải '{kind}'", device_id)
    text = payload.strip()
    if text in (b"online", b"offline"):
        state = text.decode()
        reason = "will" if state == "offline" else "status"
        return StatusUpdate(device_id, kind, state, now_ms, reason, pending=not known)
    data = _json(payload)
    if data is _NOT_JSON:
        return Rejected("trạng thái không phải 'online', 'offline' hay JSON", device_id)
    if not isinstance(data, dict) or not isinstance(data.get("state"), str):
        return Rejected("trạng thái JSON phải có trường 'state' kiểu chuỗi", device_id)
    if data["state"] not in STATES:
        return Rejected(f"trạng thái không hợp lệ: {data['state']!r}", device_id)
    ts = _ts(data.get("ts"), now_ms, limits)
    if isinstance(ts, Rejected):
        return Rejected(ts.reason, device_id)
    return StatusUpdate(device_id, kind, data["state"], ts, "status", pending=not known)


def parse_message(
    topic: str, payload: bytes, now_ms: int, limits: Limits, root: str, commune: str
) -> Parsed:
    """Turn one MQTT message into data or a reason for rejection; never raises."""
    where = parse_topic(topic, root, commune)
    if where is None:
        return Rejected(f"chủ đề MQTT không đúng quy ước: {topic}")
    if where.kind == "status":
        return status(where, payload, now_ms, limits)
    data = _json(payload)
    if data is _NOT_JSON:
        return Rejected("dữ liệu không phải JSON", where.device_id)
    if where.kind == "gateway":
        return gateway(data, now_ms, limits)
    return telemetry(where.device_id or "", data, now_ms, limits)
