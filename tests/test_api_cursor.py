"""The feed's `next` token is signed with the site key (itsdangerous): it round-trips, and
a forged, altered or foreign token is refused with a reason, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coc.api import cursor

KEY = "khoa-cua-xa-10237"
STATE = {"at": ["2026-11-22T00:00:00+00:00", 42], "since": None, "period": "202611", "ou": None}


def test_round_trip():
    token = cursor.encode(STATE, KEY)
    assert cursor.decode(token, KEY) == STATE
    url_safe = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert set(token) <= url_safe  # goes into a query string as it is


def test_altered_or_foreign_tokens_are_refused():
    token = cursor.encode(STATE, KEY)
    body, _, sig = token.rpartition(".")
    altered = cursor.encode({**STATE, "at": ["2026-11-22T00:00:00+00:00", 1]}, KEY).rpartition(".")[
        0
    ]
    for bad in (f"{altered}.{sig}", cursor.encode(STATE, "khoa-cua-xa-khac"), "forged.token", "x"):
        with pytest.raises(ValueError, match="next không hợp lệ"):
            cursor.decode(bad, KEY)
    assert body  # the signed part is there


def test_a_signed_non_object_is_refused():
    with pytest.raises(ValueError, match="next không hợp lệ"):
        cursor.decode(cursor._serializer(KEY).dumps([1, 2]), KEY)


@given(st.text(max_size=200))
def test_any_token_is_a_payload_or_a_reason(token: str):
    try:
        payload = cursor.decode(token, KEY)
    except ValueError as exc:
        assert str(exc).startswith("next không hợp lệ")
    else:
        assert isinstance(payload, dict)
