"""Pure parsing: (topic, payload, now) → Telemetry, StatusUpdate or Rejected; never raises.

Payloads follow ThingsBoard's forms so existing devices and gateways work unchanged. The
payload comes from outside, so every failure is a `Rejected` with a reason: bad JSON,
JSON nested too deep, numbers too large for a float, `ts` that is not finite, implausibly
old (`mqtt.max_age_days`), in seconds instead of milliseconds or in the future, metric
keys the sensor type does not declare or that hold markup or formula characters.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any

import orjson

from coc.bulletins.reports import DEVICE_STATE, is_report, read_report
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
MAX_DEVICE_ID = 64
MAX_REASON = 1000
# Letters, digits and "_", then also "." and "-": no markup (<, >, &, quotes) and nothing a
# spreadsheet reads as a formula (=, +, -, @ first), so a key is safe on screen and in exports.
_NAME = re.compile(r"\w[\w.\-]*")


def limits_from_registry(
    registry: Registry, auto_register: bool, max_future_s: int, max_age_days: int = 30
) -> Limits:
    """Flatten the registry into what parsing needs: kind and declared key ranges per device."""
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
    return Limits(devices, auto_register, max_future_s * 1000, max_age_days * 86_400_000)


@functools.lru_cache(maxsize=4096)  # a commune's topics are few; bounded against odd ones
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
    """Decoded JSON, or a Rejected: not UTF-8 JSON, or nested deeper than Python recurses.

    orjson (five times faster) reads what is strict JSON; the rest (NaN, integers beyond 64
    bits, deep nesting, bad input) goes to the standard library, so every payload decodes,
    or fails, exactly as it would there and the checks after give the same reasons.
    """
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(payload.decode("utf-8"))  # str skips json's encoding sniffing
    except (ValueError, UnicodeDecodeError):
        return Rejected("dữ liệu không phải JSON")
    except RecursionError:
        return Rejected("dữ liệu JSON lồng nhau quá sâu")


def _show(value: Any, limit: int = 40) -> str:
    """A short, safe rendering of an outside value for a reason text."""
    if isinstance(value, dict | list):
        return f"<{'đối tượng' if isinstance(value, dict) else 'danh sách'} JSON>"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"<số nguyên {len(str(abs(value)))} chữ số>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _valid_name(name: Any, longest: int) -> bool:
    return isinstance(name, str) and 0 < len(name) <= longest and bool(_NAME.fullmatch(name))


def _cap(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


def _ts(value: Any, now_ms: int, limits: Limits) -> int | Rejected:
    """A plausible time in ms since the epoch, or the reason it is not one."""
    if value is None:
        return now_ms
    oldest, newest = now_ms - limits.max_age_ms, now_ms + limits.max_future_ms
    if type(value) is int and oldest <= value <= newest:  # the usual case, first
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Rejected(f"thời điểm 'ts' không phải số mili giây: {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        return Rejected(f"thời điểm 'ts' không hữu hạn: {_show(value)}")
    if value <= 0:
        return Rejected(f"thời điểm 'ts' không hợp lệ: {_show(value)}")
    if value > newest:
        if oldest * 1000 <= value <= newest * 1000:  # integer-safe: value may have 400 digits
            return Rejected(f"thời điểm 'ts' có vẻ tính bằng micro giây: {_show(value)}")
        return Rejected(f"thời điểm 'ts' ở quá xa trong tương lai: {_show(value)}")
    ts = int(value)
    if ts < oldest:
        if oldest <= value * 1000 <= newest:
            return Rejected(f"thời điểm 'ts' có vẻ tính bằng giây, không phải mili giây: {ts}")
        days = limits.max_age_ms // 86_400_000
        return Rejected(f"thời điểm 'ts' cũ hơn {days} ngày (mqtt.max_age_days): {ts}")
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
    if not _valid_name(device_id, MAX_DEVICE_ID):
        return Rejected(f"mã thiết bị không hợp lệ: {_show(device_id)}")
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
    # A typed sensor declares its keys (its ranges); others go to quarantine unless
    # auto-register is on. A device without a sensor type declares none, so any is taken.
    declared = ranges if ranges and not limits.auto_register else None
    readings: list[Reading] = []
    rejected: list[Rejected] = []
    for raw_ts, values in entries:
        ts = _ts(raw_ts, now_ms, limits)
        if isinstance(ts, Rejected):
            rejected.append(Rejected(ts.reason, device_id))
            continue
        for key, value in values.items():
            rng = ranges.get(key)
            kind = type(value)
            if rng is not None and (kind is float or kind is int) and rng[0] <= value <= rng[1]:
                readings.append(Reading(device_id, key, ts, float(value)))  # the usual case
                continue
            checked = _check_value(key, value, ranges, declared)
            if isinstance(checked, str):
                rejected.append(Rejected(checked, device_id))
            else:
                readings.append(Reading(device_id, key, ts, checked))
    if not readings:
        reason = "; ".join(r.reason for r in rejected) or "không có giá trị đo nào"
        return Rejected(_cap(reason), device_id)
    pending = () if known else (device_id,)
    return Telemetry(tuple(readings), tuple(rejected), pending)


def _check_value(
    key: Any,
    value: Any,
    ranges: dict[str, tuple[float, float]],
    declared: dict[str, tuple[float, float]] | None,
) -> float | str:
    """The value as a float, or the reason it is refused."""
    if not _valid_name(key, MAX_KEY):
        return f"tên đại lượng không hợp lệ: {_show(key)}"
    if declared is not None and key not in declared:
        return f"đại lượng '{key}' không thuộc loại cảm biến của thiết bị"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"giá trị của '{key}' không phải số: {_show(value)}"
    try:
        number = float(value)
    except OverflowError:
        return f"giá trị của '{key}' quá lớn: {_show(value)}"
    if not math.isfinite(number):
        return f"giá trị của '{key}' không hữu hạn"
    rng = ranges.get(key)
    if rng and not rng[0] <= number <= rng[1]:
        return f"giá trị {key}={_show(value, 24)} ngoài khoảng vật lý [{rng[0]:g}, {rng[1]:g}]"
    return number


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
        return Rejected(_cap("; ".join(r.reason for r in rejected)), None)
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
    if isinstance(data, Rejected):
        return Rejected("trạng thái không phải 'online', 'offline' hay JSON", device_id)
    if kind == "speaker" and is_report(data):
        return _delivery(device_id, kind, data, now_ms, limits, known)
    if not isinstance(data, dict) or not isinstance(data.get("state"), str):
        return Rejected("trạng thái JSON phải có trường 'state' kiểu chuỗi", device_id)
    if data["state"] not in STATES:
        return Rejected(f"trạng thái không hợp lệ: {_show(data['state'])}", device_id)
    ts = _ts(data.get("ts"), now_ms, limits)
    if isinstance(ts, Rejected):
        return Rejected(ts.reason, device_id)
    return StatusUpdate(device_id, kind, data["state"], ts, "status", pending=not known)


def _delivery(
    device_id: str, kind: str, data: dict[str, Any], now_ms: int, limits: Limits, known: bool
) -> StatusUpdate | Rejected:
    """A cluster's report on a bulletin (received, playing, done, failed): the delivery it
    moves, and the device state it implies (playing, idle; online for 'received')."""
    ts = _ts(data.get("ts"), now_ms, limits)
    if isinstance(ts, Rejected):
        return Rejected(ts.reason, device_id)
    report = read_report(device_id, data, ts)
    if isinstance(report, Rejected):
        return report
    state = DEVICE_STATE[report.state] or "online"
    return StatusUpdate(device_id, kind, state, ts, "status", pending=not known, delivery=report)


def parse_message(
    topic: str, payload: bytes, now_ms: int, limits: Limits, root: str, commune: str
) -> Parsed:
    """Turn one MQTT message into data or a reason for rejection; never raises.

    The checks above handle every failure we know; the catch-all turns one we do not know
    into a rejection too, so no payload can ever stop ingestion (see the fuzz tests).
    """
    try:
        return _parse(topic, payload, now_ms, limits, root, commune)
    except Exception as exc:  # last line of defence: outside input must never raise
        return Rejected(_cap(f"lỗi không lường trước khi đọc tin nhắn: {describe(exc)}"))


def describe(exc: BaseException) -> str:
    """An exception as one short line for a quarantine reason (type and first line)."""
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _parse(
    topic: str, payload: bytes, now_ms: int, limits: Limits, root: str, commune: str
) -> Parsed:
    where = parse_topic(topic, root, commune)
    if where is None:
        return Rejected(_cap(f"chủ đề MQTT không đúng quy ước: {topic}"))
    if where.kind == "status":
        return status(where, payload, now_ms, limits)
    data = _json(payload)
    if isinstance(data, Rejected):
        return Rejected(data.reason, where.device_id)
    if where.kind == "gateway":
        return gateway(data, now_ms, limits)
    return telemetry(where.device_id or "", data, now_ms, limits)
