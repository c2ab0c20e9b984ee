"""Hypothesis: the DHIS2 parts of the wire never raise. A received dataValueSet with any
set-level fields is a body or a reason; each of its values a value or a reason (with a
DHIS2 error code or none); any upstream summary's conflicts and rejectedIndexes name
values inside the page sent, or none."""

from __future__ import annotations

from typing import Any

from fixtures_base import small_catalog
from hypothesis import given
from hypothesis import strategies as st

from coc.counts import Conflict
from coc.ingest.records import Rejected
from coc.sync import UpstreamError
from coc.sync.push import parse_outcome
from coc.sync.rejected import match
from coc.wire import DataValueIn, DataValueSetIn, ValueRules, read_body, read_value

RULES = ValueRules(small_catalog(), "10237", {"10237", "10238"}.__contains__)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(["DAN_SO", "202611", "2026", "10237", "00001", "HllvX50cXC0", "true"]),
)
FIELDS = st.sampled_from(
    [
        "dataElement", "period", "orgUnit", "value", "categoryOptionCombo",
        "attributeOptionCombo", "comment", "followup", "storedBy", "deleted",
    ]
)  # fmt: skip
VALUE = st.dictionaries(FIELDS, SCALAR, max_size=10)
SET_LEVEL = st.dictionaries(
    st.sampled_from(["dataSet", "completeDate", "period", "orgUnit", "attributeOptionCombo"]),
    SCALAR,
)


@given(SET_LEVEL, st.lists(st.one_of(VALUE, SCALAR), max_size=8))
def test_any_set_reads_to_values_or_reasons(set_level: dict[str, Any], values: list[Any]):
    body = read_body({**set_level, "dataValues": values})
    if isinstance(body, Rejected):
        assert body.reason
        return
    assert isinstance(body, DataValueSetIn)
    for item in body.values():
        value = read_value(item, RULES)
        if isinstance(value, Rejected):
            assert value.reason and (value.code is None or value.code.startswith("E76"))
        else:
            assert isinstance(value, DataValueIn) and value.orgUnit in ("10237", "10238")
            row = value.row()
            assert row["category_option_combo"] is not None


CONFLICT = st.fixed_dictionaries(
    {},
    optional={
        "object": SCALAR,
        "value": SCALAR,
        "errorCode": SCALAR,
        "indexes": st.lists(st.one_of(st.integers(-3, 30), SCALAR), max_size=4),
    },
)
SUMMARY = st.fixed_dictionaries(
    {"status": st.sampled_from(["OK", "SUCCESS", "WARNING", "ERROR", "x"])},
    optional={
        "importCount": st.dictionaries(st.sampled_from(["imported", "ignored"]), SCALAR),
        "conflicts": st.lists(st.one_of(CONFLICT, SCALAR), max_size=5),
        "rejectedIndexes": st.one_of(SCALAR, st.lists(st.one_of(st.integers(-3, 30), SCALAR))),
    },
)


@given(
    st.one_of(SUMMARY, st.fixed_dictionaries({"status": st.just("ERROR"), "response": SUMMARY})),
    st.lists(st.fixed_dictionaries({"dataElement": SCALAR, "period": SCALAR}), max_size=6),
)
def test_any_upstream_summary_names_values_inside_the_page(body: Any, sent: list[Any]):
    try:
        outcome = parse_outcome(409, body)
    except UpstreamError:
        return
    refused, loose = match(outcome.counts.conflicts, outcome.rejected, sent)
    assert all(0 <= i < len(sent) for i in refused)
    assert all(isinstance(c, Conflict) and c.reason for c in [*refused.values(), *loose])
