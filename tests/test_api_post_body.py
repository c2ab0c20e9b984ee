"""The POST body model (coc.wire): any JSON value is either read into typed values — each
one a DataValueIn or a Rejected with its reason, a conflict of the import summary — or
refused as a whole with a 4xx and a reason. Never a server error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fixtures_base import new_store, small_catalog
from fixtures_http import FEED_TOKEN, PUSH_TOKENS, province_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coc.api import create_app
from coc.ingest.records import Rejected
from coc.wire import DataValueIn, DataValueSetIn, ImportSummary, ValueRules, read_body, read_value

CATALOG = small_catalog()
RULES = ValueRules(CATALOG, "10237", {"10237"}.__contains__)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**310)  # beyond any float
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", " ", "97.5", "1,5", "NaN", "1e999", "202611", "2026Q3", "10237"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = ["dataElement", "period", "orgUnit", "value", "numerator", "denominator", "deleted"]
VALUE = st.fixed_dictionaries(
    {},
    optional={
        "dataElement": st.sampled_from([i.code for i in CATALOG.indicators[:5]]) | SCALARS,
        "period": st.sampled_from(["202611", "2026Q3", "2026", "20261122", "2026M13"]) | SCALARS,
        "orgUnit": st.sampled_from(["10237", "10238"]) | SCALARS,
        "value": SCALARS,
        "numerator": SCALARS,
        "denominator": SCALARS,
        "deleted": st.booleans() | SCALARS,
    },
)
BODY = JSON | st.fixed_dictionaries({"dataValues": st.lists(VALUE | JSON, max_size=6)})


@given(BODY)
def test_any_body_is_read_or_refused_with_a_reason(body: Any):
    read = read_body(body)
    if isinstance(read, Rejected):
        assert read.reason
        return
    assert isinstance(read, DataValueSetIn)
    for item in read.dataValues:
        value = read_value(item, RULES)
        if isinstance(value, Rejected):
            assert value.reason and not value.reason.startswith("Value error")
            continue
        assert value.dataElement in CATALOG and value.orgUnit == "10237"
        assert value.deleted or value.value is not None
        for number in (value.value, value.numerator, value.denominator):
            assert number is None or (number == number and abs(number) != float("inf"))


def test_reasons_name_the_problem():
    def reason(item: Any) -> str:
        out = read_value(item, RULES)
        assert isinstance(out, Rejected)
        return out.reason

    base = {"dataElement": "DAN_SO", "period": "202611", "value": "5"}
    assert isinstance(read_value(base, RULES), DataValueIn)
    assert reason([1]) == "mỗi dataValue phải là một đối tượng JSON"
    assert reason({**base, "dataElement": 7}) == "thiếu hoặc sai dataElement"
    assert reason({**base, "dataElement": "NOPE"}) == "mã chỉ tiêu không tồn tại: 'NOPE'"
    assert reason({**base, "orgUnit": "10238"}) == (
        "mã thẩm quyền này không được gửi số liệu của đơn vị '10238'"
    )
    assert reason({**base, "value": "abc"}) == "value không phải số: 'abc'"
    assert reason({**base, "value": 10**400}).startswith("value không phải số hữu hạn")
    assert reason({**base, "value": None}) == "thiếu value"
    assert reason({**base, "deleted": "yes"}) == "deleted phải là true/false: 'yes'"
    assert isinstance(read_value({**base, "value": None, "deleted": True}, RULES), DataValueIn)
    assert read_body([]) == Rejected('nội dung phải là JSON {"dataValues": [...]}')
    assert read_body({"dataValues": {}}) == Rejected('nội dung phải là JSON {"dataValues": [...]}')
    assert read_body({"dataValues": [0] * 50001}) == Rejected("tối đa 50000 giá trị mỗi lần gửi")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = new_store(tmp_path_factory.mktemp("post") / "p.sqlite3")
    app = create_app(store, province_settings(), CATALOG)
    return app.test_client()


HEADERS = {"Authorization": f"Bearer {PUSH_TOKENS['10237']}"}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(BODY)
def test_any_json_posted_answers_a_summary_or_a_4xx_never_a_500(client, body: Any):
    raw = json.dumps(body)  # NaN and Infinity too, as Python's JSON reader accepts them
    response = client.post(
        "/api/v1/dataValueSets", data=raw, headers=HEADERS, content_type="application/json"
    )
    assert response.status_code in (200, 400, 409), response.get_data(as_text=True)
    answer = response.get_json()
    if response.status_code == 400:
        assert answer["error"] == "bad_request" and answer["reason"]
        return
    summary = ImportSummary.model_validate(answer)
    assert (summary.status == "ERROR") == (response.status_code == 409)
    sent = len(body["dataValues"])
    count = summary.importCount
    assert count.imported + count.updated + count.ignored + count.deleted == sent
    assert all(c.value for c in summary.conflicts)


@given(st.binary(max_size=200))
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_bytes_posted_answer_a_4xx_or_a_summary(client, raw: bytes):
    response = client.post(
        "/api/v1/dataValueSets", data=raw, headers=HEADERS, content_type="application/json"
    )
    assert response.status_code in (200, 400)
    assert response.get_json()


def test_served_pages_match_the_feed_model(client):
    """The feed builds plain dicts for speed; they must stay what coc.wire.DataValueSet says."""
    from coc.wire import DataValueSet

    body = {
        "dataValues": [
            {"dataElement": "DAN_SO", "period": "202611", "value": 5},
            {"dataElement": "DAN_SO", "period": "202610", "deleted": True},
        ]
    }
    client.post("/api/v1/dataValueSets", json=body, headers=HEADERS)
    page = client.get("/api/v1/dataValueSets", headers={"Authorization": f"Bearer {FEED_TOKEN}"})
    feed = DataValueSet.model_validate(page.get_json())
    assert feed.dataValues and all(isinstance(v.value, str) for v in feed.dataValues)
    served = {k for v in page.get_json()["dataValues"] for k in v}
    assert served <= {*FIELDS, "lastUpdated", "approvalState"}
