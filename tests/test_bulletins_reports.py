"""A cluster's status reports about bulletins: known cases give the literal value or
reason; hypothesis over bytes and structured JSON proves the parser never raises and never
needs its catch-all."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coc.bulletins.reports import read_report
from coc.ingest.messages import DeliveryReport, Limits, Rejected, StatusUpdate
from sensors.parse import parse_message

NOW = 1_763_800_000_000
LIMITS = Limits(devices={"loa-01": ("speaker", {}), "cam-01": ("camera", {})})
TOPIC = "coc/10237/speakers/loa-01/status"
UNEXPECTED = "không đọc được: "  # the catch-all's words


def parse(payload: bytes, topic: str = TOPIC) -> Any:
    return parse_message(topic, payload, NOW, LIMITS, "coc", "10237")


def test_reports_become_a_delivery_and_a_device_state() -> None:
    got = parse(b'{"state": "playing", "bulletin": "bt-1a2b", "ts": 1763799990000}')
    assert got == StatusUpdate(
        "loa-01", "speaker", "playing", 1763799990000, "status",
        delivery=DeliveryReport("loa-01", "bt-1a2b", "playing", 1763799990000),
    )  # fmt: skip
    failed = parse('{"state":"failed","bulletin":"bt-1","reason":"loa hỏng\\u0007"}'.encode())
    assert failed.state == "idle" and failed.ts == NOW
    assert failed.delivery == DeliveryReport("loa-01", "bt-1", "failed", NOW, "loa hỏng")
    received = parse(b'{"state":"received","bulletin":"bt-1","occurrence":"2026-12-02T06:00"}')
    assert received.state == "online" and received.delivery.occurrence == "2026-12-02T06:00"
    # a status without a bulletin is a plain status, as before
    assert parse(b'{"state": "idle"}').delivery is None


BAD_ID = "mã bản tin không hợp lệ trong báo cáo của cụm loa"


def test_bad_reports_are_rejected_with_a_reason() -> None:
    cases = {
        b'{"state": "done", "bulletin": 5}': BAD_ID,
        b'{"state": "done", "bulletin": "a/b"}': BAD_ID,
        b'{"state": "exploded", "bulletin": "bt-1"}': "trạng thái bản tin không hợp lệ: 'exploded'",
        b'{"state": ["x"], "bulletin": "bt-1"}': (
            "trạng thái bản tin không hợp lệ: '<không hợp lệ>'"
        ),
        b'{"state": "done", "bulletin": "bt-1", "reason": 3}': (
            "'reason' của báo cáo bản tin phải là chuỗi"
        ),
        b'{"state": "done", "bulletin": "bt-1", "occurrence": "x"}': (
            "'occurrence' của báo cáo bản tin không hợp lệ"
        ),
        b'{"state": "done", "bulletin": "bt-1", "ts": 1763800000}': (
            "thời điểm 'ts' có vẻ tính bằng giây, không phải mili giây: 1763800000"
        ),
    }
    for payload, reason in cases.items():
        got = parse(payload)
        assert got == Rejected(reason, "loa-01"), payload


def test_a_camera_status_with_a_bulletin_field_is_not_a_report() -> None:
    got = parse(b'{"state": "recording", "bulletin": "bt-1"}', "coc/10237/cameras/cam-01/status")
    assert isinstance(got, StatusUpdate) and got.delivery is None


def _checked(result: Any) -> None:
    assert isinstance(result, StatusUpdate | Rejected)
    if isinstance(result, Rejected):
        assert result.reason and UNEXPECTED not in result.reason
        assert not result.reason.startswith("lỗi không lường trước")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
reports = st.fixed_dictionaries(
    {"bulletin": json_values | st.from_regex(r"[A-Za-z0-9_\-]{1,40}", fullmatch=True)},
    optional={
        "state": json_values | st.sampled_from(["received", "playing", "done", "failed"]),
        "ts": json_values | st.integers(NOW - 10**9, NOW + 10**9),
        "reason": json_values,
        "occurrence": json_values | st.just("now"),
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_on_a_speaker_status_topic_never_raise(payload: bytes) -> None:
    _checked(parse(payload))


@settings(max_examples=400, deadline=None)
@given(reports)
def test_structured_reports_never_raise(data: dict[str, Any]) -> None:
    result = parse(json.dumps(data).encode())
    _checked(result)
    if isinstance(result, StatusUpdate):
        assert result.delivery is not None and result.delivery.bulletin_id == data["bulletin"]
        assert result.delivery.state == data["state"]


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_read_report_never_raises_on_any_json(data: Any) -> None:
    got = read_report("loa-01", data, NOW)
    assert isinstance(got, DeliveryReport | Rejected)
