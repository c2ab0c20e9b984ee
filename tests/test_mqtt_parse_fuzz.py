"""parse_message never raises: poison payloads and implausible data become a Rejected with
a reason, proven on known cases and by hypothesis over bytes and structured JSON.

The fuzz tests also assert that the catch-all in parse_message is never what saved the
day: every failure they find must be handled by a check with a specific reason.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coc.ingest.messages import Limits, Reading, Rejected, StatusUpdate, Telemetry
from sensors.parse import parse_message

NOW = 1_763_800_000_000
DAY = 86_400_000
LIMITS = Limits(
    devices={
        "mn-01": ("sensor", {"water_level": (-2.0, 15.0)}),
        "nd-01": ("sensor", {"temperature": (-5.0, 60.0), "humidity": (0.0, 100.0)}),
        "cam-01": ("camera", {}),
    },
    auto_register=False,
    max_future_ms=300_000,
    max_age_ms=30 * DAY,
)
OPEN = Limits(dict(LIMITS.devices), auto_register=True, max_age_ms=30 * DAY)
TOPICS = [
    "coc/10237/sensors/mn-01/telemetry",
    "coc/10237/sensors/nd-01/telemetry",
    "coc/10237/sensors/new-9/telemetry",
    "coc/10237/gateway/telemetry",
    "coc/10237/cameras/cam-01/status",
    "coc/10237/speakers/loa-9/status",
]
UNEXPECTED = "lỗi không lường trước"


def parse(topic: str, payload: bytes, limits: Limits = LIMITS) -> Any:
    return parse_message(topic, payload, NOW, limits, "coc", "10237")


def check(result: Any) -> None:
    """What every result must be: data that is safe to store, or a reason."""
    assert isinstance(result, Telemetry | StatusUpdate | Rejected), result
    if isinstance(result, Rejected):
        assert result.reason and not result.reason.startswith(UNEXPECTED), result.reason
        assert len(result.reason) <= 1000
        return
    if isinstance(result, Telemetry):
        assert result.readings
        for r in result.readings:
            assert math.isfinite(r.value)
            assert NOW - 30 * DAY <= r.ts <= NOW + 300_000
    else:
        assert NOW - 30 * DAY <= result.ts <= NOW + 300_000


def reason(topic: str, payload: bytes | str, limits: Limits = LIMITS) -> str:
    data = payload.encode() if isinstance(payload, str) else payload
    result = parse(topic, data, limits)
    assert isinstance(result, Rejected), result
    return result.reason


T = "coc/10237/sensors/mn-01/telemetry"
S = "coc/10237/cameras/cam-01/status"


@pytest.mark.parametrize(
    ("topic", "payload", "expected"),
    [
        (T, '{"ts": 1e999, "values": {"water_level": 1}}', "thời điểm 'ts' không hữu hạn: inf"),
        (T, '{"ts": -Infinity, "water_level": 1}', "thời điểm 'ts' không hữu hạn: -inf"),
        (T, '{"ts": NaN, "water_level": 1}', "thời điểm 'ts' không hữu hạn: nan"),
        (S, '{"state": "online", "ts": 1e999}', "thời điểm 'ts' không hữu hạn: inf"),
        (T, '{"ts": ' + "9" * 400 + ', "water_level": 1}', "quá xa trong tương lai"),
        (T, '{"water_level": ' + "9" * 400 + "}", "giá trị của 'water_level' quá lớn"),
        (T, '{"water_level": -' + "9" * 400 + "}", "giá trị của 'water_level' quá lớn"),
        (T, '{"water_level": 1e999}', "giá trị của 'water_level' không hữu hạn"),
        (T, "[" * 100_000 + "]" * 100_000, "dữ liệu JSON lồng nhau quá sâu"),
        (T, '{"a": ' * 100_000 + "1" + "}" * 100_000, "dữ liệu JSON lồng nhau quá sâu"),
        (S, '{"state": ' * 100_000 + "1" + "}" * 100_000, "trạng thái không phải"),
        (T, '{"ts": 1, "water_level": 1}', "thời điểm 'ts' cũ hơn 30 ngày (mqtt.max_age_days): 1"),
        (T, f'{{"ts": {NOW - 31 * DAY}, "water_level": 1}}', "cũ hơn 30 ngày"),
        (T, f'{{"ts": {NOW // 1000}, "water_level": 1}}', "có vẻ tính bằng giây"),
        (T, f'{{"ts": {NOW / 1000}, "water_level": 1}}', "có vẻ tính bằng giây"),
        (T, f'{{"ts": {NOW * 1000}, "water_level": 1}}', "có vẻ tính bằng micro giây"),
        (T, '{"rain": 1}', "đại lượng 'rain' không thuộc loại cảm biến của thiết bị"),
        (T, '{"<script>": 1}', "tên đại lượng không hợp lệ: '<script>'"),
        (T, '{"=HYPERLINK(1)": 1}', "tên đại lượng không hợp lệ"),
        (T, '{"+cmd": 1}', "tên đại lượng không hợp lệ"),
        (T, '{"@SUM": 1}', "tên đại lượng không hợp lệ"),
        (T, '{"-1": 1}', "tên đại lượng không hợp lệ"),
        (T, '{"a\\tb": 1}', "tên đại lượng không hợp lệ"),
        (T, '{"water_level": [[[[1]]]]}', "không phải số: <danh sách JSON>"),
        ("coc/10237/sensors/<b>x/telemetry", '{"a": 1}', "mã thiết bị không hợp lệ"),
        ("coc/10237/gateway/telemetry", '{"=cmd|x": {"a": 1}}', "mã thiết bị không hợp lệ"),
    ],
)
def test_poison_and_implausible_payloads_are_rejected_with_a_reason(
    topic: str, payload: str, expected: str
) -> None:
    got = reason(topic, payload)
    assert expected in got
    assert not got.startswith(UNEXPECTED)


def test_markup_keys_are_refused_even_with_auto_register() -> None:
    new = "coc/10237/sensors/new-1/telemetry"
    assert "tên đại lượng không hợp lệ" in reason(new, '{"<img src=x>": 1}', OPEN)
    assert "mã thiết bị không hợp lệ" in reason(
        "coc/10237/sensors/=1+1/telemetry", '{"a": 1}', OPEN
    )
    result = parse(
        new,
        b'{"battery": 80, "signal.dbm": -71, "nhi\xe1\xbb\x87t_\xc4\x91\xe1\xbb\x99": 30}',
        OPEN,
    )
    assert isinstance(result, Telemetry)
    assert [r.key for r in result.readings] == ["battery", "signal.dbm", "nhiệt_độ"]


def test_undeclared_key_is_kept_when_auto_register_is_on() -> None:
    result = parse(T, b'{"water_level": 2, "battery": 80}', OPEN)
    assert result == Telemetry(
        (Reading("mn-01", "water_level", NOW, 2.0), Reading("mn-01", "battery", NOW, 80.0))
    )


def test_an_undeclared_key_beside_good_ones_is_quarantined_alone() -> None:
    result = parse(T, b'{"water_level": 2, "battery": 80}')
    assert isinstance(result, Telemetry)
    assert result.readings == (Reading("mn-01", "water_level", NOW, 2.0),)
    assert result.rejected == (
        Rejected("đại lượng 'battery' không thuộc loại cảm biến của thiết bị", "mn-01"),
    )


def test_horizon_edges() -> None:
    oldest = NOW - 30 * DAY
    ok = parse(T, f'{{"ts": {oldest}, "water_level": 1}}'.encode())
    assert ok == Telemetry((Reading("mn-01", "water_level", oldest, 1.0),))
    assert "cũ hơn 30 ngày" in reason(T, f'{{"ts": {oldest - 1}, "water_level": 1}}')
    newest = NOW + 300_000
    assert isinstance(parse(T, f'{{"ts": {newest}, "water_level": 1}}'.encode()), Telemetry)
    assert "tương lai" in reason(T, f'{{"ts": {newest + 1}, "water_level": 1}}')


# ── hypothesis ──

# More cases on demand: COC_FUZZ_EXAMPLES=20000 pytest tests/test_mqtt_parse_fuzz.py
EXAMPLES = int(os.environ.get("COC_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

odd_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400).map(lambda n: n * (-1) ** (n % 2)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, NOW, NOW // 1000, NOW * 1000, NOW + 10**9, 2**63, 2**64, 1e308]),
)
odd_scalars = st.one_of(
    st.none(), st.booleans(), odd_numbers, st.text(max_size=20), st.sampled_from(["NaN", ""])
)
json_values = st.recursive(
    odd_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=10), inner, max_size=4),
    ),
    max_leaves=20,
)
keys = st.one_of(
    st.sampled_from(["water_level", "temperature", "humidity", "rain", "ts", "values"]),
    st.text(max_size=40),
)
entries = st.one_of(
    st.fixed_dictionaries(
        {"ts": odd_scalars, "values": st.dictionaries(keys, json_values, max_size=4)}
    ),
    st.dictionaries(keys, odd_scalars, max_size=5),
)
telemetry_bodies = st.one_of(entries, st.lists(entries, max_size=4), json_values)
gateway_bodies = st.dictionaries(
    st.sampled_from(["mn-01", "nd-01", "zz-9", "", "<b>", "=1"]) | st.text(max_size=70),
    telemetry_bodies,
    max_size=4,
)
status_bodies = st.fixed_dictionaries(
    {"state": st.sampled_from(["online", "offline", "fault", "asleep"]) | odd_scalars},
    optional={"ts": odd_scalars},
)


def nested(depth: int, opener: str) -> str:
    closer = {"[": "]", '{"a": ': "}"}[opener]
    return opener * depth + "0" + closer * depth


def dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()  # NaN / Infinity, as some devices send


@FUZZ
@given(topic=st.sampled_from(TOPICS), payload=st.binary(max_size=512), open_=st.booleans())
def test_any_bytes_on_any_topic(topic: str, payload: bytes, open_: bool) -> None:
    check(parse(topic, payload, OPEN if open_ else LIMITS))


@FUZZ
@given(topic=st.text(max_size=80), payload=st.binary(max_size=64))
def test_any_topic_text(topic: str, payload: bytes) -> None:
    check(parse(topic, payload))


@FUZZ
@given(
    topic=st.sampled_from(TOPICS[:3]),
    body=telemetry_bodies,
    open_=st.booleans(),
)
def test_structured_telemetry(topic: str, body: Any, open_: bool) -> None:
    check(parse(topic, dumps(body), OPEN if open_ else LIMITS))


@FUZZ
@given(body=gateway_bodies, open_=st.booleans())
def test_structured_gateway(body: Any, open_: bool) -> None:
    check(parse("coc/10237/gateway/telemetry", dumps(body), OPEN if open_ else LIMITS))


@FUZZ
@given(topic=st.sampled_from(TOPICS[4:]), body=status_bodies | json_values)
def test_structured_status(topic: str, body: Any) -> None:
    check(parse(topic, dumps(body), OPEN))


@settings(max_examples=min(EXAMPLES, 60), deadline=None)
@given(
    topic=st.sampled_from(TOPICS),
    depth=st.integers(min_value=1, max_value=200_000),
    opener=st.sampled_from(["[", '{"a": ']),
)
def test_deep_nesting(topic: str, depth: int, opener: str) -> None:
    check(parse(topic, nested(depth, opener).encode()))


@FUZZ
@given(ts=odd_numbers, value=odd_numbers)
def test_odd_ts_and_values(ts: Any, value: Any) -> None:
    body = dumps({"ts": ts, "values": {"water_level": value}})
    check(parse(T, body))
    check(parse(S, dumps({"state": "online", "ts": ts})))
