"""Property tests over the feed's outside input: any POST body and any query string of
`GET /api/v1/dataValueSets` is answered with a value or a 4xx reason, never a 5xx.

Run alone with statistics: `pytest tests/test_api_fuzz.py --hypothesis-show-statistics`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fixtures_base import new_store, small_catalog
from fixtures_http import (
    FEED_TOKEN,
    PUSH_TOKENS,
    auth,
    commune_settings,
    province_settings,
    put_values,
    year_of_values,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coc.api import create_app

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = new_store(tmp_path_factory.mktemp("fuzz") / "p.sqlite3")
    app = create_app(store, province_settings(), small_catalog())
    yield app.test_client()
    store.dispose()


@pytest.fixture(scope="module")
def commune(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = new_store(tmp_path_factory.mktemp("fuzz") / "c.sqlite3")
    put_values(store, year_of_values("10237", codes=5))
    app = create_app(store, commune_settings(), small_catalog())
    yield app.test_client()
    store.dispose()


def _answered(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code == 409:  # an import that stored nothing: its summary
        body = response.json
        assert body["status"] == "ERROR" and all(c["value"] for c in body["conflicts"])
    elif response.status_code >= 400:
        assert response.is_json and response.json["reason"], response.get_data(as_text=True)


_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**50), max_value=10**50),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["TTHC_DUNG_HAN", "DAN_SO", "202611", "2026Q4", "10237", "10238", "1e999"]),
)
_JSON = st.recursive(
    _SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
_VALUE = st.fixed_dictionaries(
    {},
    optional={
        "dataElement": st.sampled_from(["TTHC_DUNG_HAN", "DAN_SO", "NOPE", ""]) | _SCALAR,
        "period": st.sampled_from(["202611", "2026Q4", "2026", "20261131", "x"]) | _SCALAR,
        "orgUnit": st.sampled_from(["10237", "10238", "01", ""]) | _SCALAR,
        "value": _SCALAR,
        "numerator": _SCALAR,
        "denominator": _SCALAR,
        "deleted": _SCALAR,
        "comment": _JSON,
    },
)


def _dump(value: Any) -> str:
    return json.dumps(value, allow_nan=True)  # NaN/Infinity on purpose: the server refuses


@FUZZ
@given(st.lists(_VALUE | _JSON, max_size=6), _JSON)
def test_post_any_data_values(province: Any, values: list[Any], extra: Any) -> None:
    body = {"dataValues": values, "period": extra}
    response = province.post(
        "/api/v1/dataValueSets",
        data=_dump(body),
        content_type="application/json",
        headers=auth(PUSH_TOKENS["10237"]),
    )
    _answered(response)


@FUZZ
@given(st.binary(max_size=300) | _JSON.map(_dump).map(str.encode))
def test_post_any_bytes(province: Any, body: bytes) -> None:
    response = province.post(
        "/api/v1/dataValueSets",
        data=body,
        content_type="application/json",
        headers=auth(PUSH_TOKENS["10238"]),
    )
    _answered(response)


_QUERY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "2026-11-01T00:00:00Z",
            "2026-11-01",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "202611",
            "2026Q5",
            "0",
            "-1",
            "10001",
            "99999999999999999999",
            "eyJ9",
        ]
    ),
)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["lastUpdated", "period", "limit", "next", "orgUnit"]), _QUERY_TEXT
    )
)
def test_get_any_query(commune: Any, query: dict[str, str]) -> None:
    response = commune.get("/api/v1/dataValueSets", query_string=query, headers=auth(FEED_TOKEN))
    _answered(response)


_RAW_QUERY = st.lists(
    st.sampled_from(["lastUpdated=", "period=", "limit=", "next=", "&", "=", "%", "%ff", "+"])
    | st.binary(max_size=12).map(lambda b: b.decode("latin-1")),
    max_size=8,
).map("".join)


@FUZZ
@given(_RAW_QUERY)
def test_get_any_raw_query_string(commune: Any, raw: str) -> None:
    """Query bytes as a client may send them (WSGI hands them over as latin-1 text)."""
    response = commune.get(
        "/api/v1/dataValueSets",
        headers=auth(FEED_TOKEN),
        environ_overrides={"QUERY_STRING": raw},
    )
    _answered(response)
