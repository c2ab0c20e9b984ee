"""Push to a COC in province mode and to a DHIS2-style endpoint, over real HTTP."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import requests
from fixtures_base import new_store, serve, small_catalog
from fixtures_http import (
    PUSH_TOKENS,
    commune_settings,
    province_settings,
    pushing_commune,
    put_values,
    serve_coc,
    stored,
    year_of_values,
)
from hypothesis import given
from hypothesis import strategies as st

from coc.api import create_app
from coc.store import quarantine
from coc.sync import UpstreamError, runs
from coc.sync.push import endpoint, parse_outcome, push_once

pytestmark = pytest.mark.timeout(60)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)


def test_push_sends_everything_then_only_changes(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings()) as (url, _):
        store, settings = pushing_commune(tmp_path, url)
        rows = year_of_values("10237")
        put_values(store, rows)
        n, pages = len(rows), -(-len(rows) // settings.upstream.page_size)
        first = push_once(store, settings)
        assert (first.status, first.pages, first.sent, first.imported) == ("ok", pages, n, n)
        got = stored(province, "10237")
        assert len(got) == n
        dv = got[("TTHC_DUNG_HAN", "10237", "202604")]
        mine = stored(store)[("TTHC_DUNG_HAN", "10237", "202604")]
        assert (dv.value, dv.numerator, dv.denominator, dv.source) == (
            mine.value,
            mine.numerator,
            mine.denominator,
            "upstream",
        )
        assert push_once(store, settings).sent == 0
        put_values(
            store,
            [
                {"indicator_code": "DAN_SO", "org_unit": "10237", "period": "202603", "value": 7.0},
                {
                    "indicator_code": "TTHC_DUNG_HAN",
                    "org_unit": "10237",
                    "period": "202603",
                    "value": 55.0,
                    "deleted": True,
                },
            ],
        )
        third = push_once(store, settings)
        assert (third.sent, third.updated, third.deleted, third.imported) == (2, 1, 1, 0)
        got = stored(province, "10237")
        assert got[("DAN_SO", "10237", "202603")].value == 7.0
        assert got[("TTHC_DUNG_HAN", "10237", "202603")].deleted is True
        assert len(got) == n
        pulls = requests.get(f"{url}/api/v1/health", timeout=5).json()["sync"]["pulls"]
    assert pulls == []
    assert runs.last_run(store, runs.PUSH).status == "ok"
    assert "01" in {k[1] for k in stored(province)}  # rolled up to the province


def test_refused_page_keeps_the_watermark_and_health_shows_it(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings()) as (url, _):
        # 10238's token: every value of 10237 is refused → ERROR summary
        store, settings = pushing_commune(tmp_path, url, token=PUSH_TOKENS["10238"])
        rows = year_of_values("10237", codes=2)
        put_values(store, rows)
        result = push_once(store, settings)
        assert result.status == "failed" and "ERROR" in result.message
        assert runs.get_watermark(store, runs.PUSH) is None
        assert stored(province, "10237") == {}
        with serve(create_app(store, settings, small_catalog())) as own:
            health = requests.get(f"{own}/api/v1/health", timeout=5).json()
        assert health["sync"]["push"]["status"] == "failed"
        assert health["status"] == "degraded"
        fixed = settings.model_copy(
            update={
                "upstream": settings.upstream.model_copy(update={"token": PUSH_TOKENS["10237"]})
            }
        )
        again = push_once(store, fixed)
        assert (again.status, again.imported) == ("ok", len(rows))
        assert len(stored(province, "10237")) == len(rows)


class FakeDhis2:
    """A DHIS2-style /api/dataValueSets: records requests, answers 2.38+ import summaries."""

    def __init__(self, warn_on_page: int | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.warn_on_page = warn_on_page
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with self.lock:
            self.requests.append(
                {
                    "path": environ["PATH_INFO"],
                    "query": environ.get("QUERY_STRING", ""),
                    "auth": environ.get("HTTP_AUTHORIZATION"),
                    "body": json.loads(body),
                }
            )
            n = len(self.requests)
        values = self.requests[-1]["body"]["dataValues"]
        if n == self.warn_on_page:
            out = {
                "httpStatus": "Conflict",
                "httpStatusCode": 409,
                "status": "WARNING",
                "response": {
                    "responseType": "ImportSummary",
                    "status": "WARNING",
                    "importCount": {
                        "imported": len(values) - 1,
                        "updated": 0,
                        "ignored": 1,
                        "deleted": 0,
                    },
                    "conflicts": [{"object": "X", "value": "Data element not found"}],
                },
            }
            status = "409 Conflict"
        else:
            out = {
                "httpStatus": "OK",
                "httpStatusCode": 200,
                "status": "OK",
                "response": {
                    "responseType": "ImportSummary",
                    "status": "SUCCESS",
                    "importCount": {
                        "imported": len(values),
                        "updated": 0,
                        "ignored": 0,
                        "deleted": 0,
                    },
                    "conflicts": [],
                },
            }
            status = "200 OK"
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(out).encode()]


def test_dhis2_endpoint_gets_standard_fields_and_a_conflict_naming_no_value_is_kept(tmp_path):
    """A WARNING whose conflict names no value of the page ("X" is none of its codes, and
    there are no indexes): the page counts as delivered, the conflict is kept in quarantine
    for a clerk, and the run is partial rather than stuck on that page for ever."""
    fake = FakeDhis2(warn_on_page=2)
    with serve(fake) as url:
        store, settings = pushing_commune(
            tmp_path, f"{url}/api/dataValueSets", token="d2pat_abc", auth_scheme="ApiToken"
        )
        rows = year_of_values("10237")
        page = settings.upstream.page_size
        assert len(rows) > page  # page 2 exists and has the warning
        put_values(store, rows)
        result = push_once(store, settings)
        assert (result.status, result.pages, result.sent) == ("ok", 2, len(rows))
        assert result.conflicts[0].reason == "Data element not found"
        assert runs.last_run(store, runs.PUSH).status == "partial"
        first = fake.requests[0]
        assert first["path"] == "/api/dataValueSets"
        assert "dataElementIdScheme=CODE" in first["query"]
        assert first["auth"] == "ApiToken d2pat_abc"
        assert set().union(*(v.keys() for v in first["body"]["dataValues"])) == {
            "dataElement",
            "period",
            "orgUnit",
            "value",
        }
        kept = quarantine.listing(store, "push")
        assert [k.reason for k in kept] == [
            "upstream báo xung đột không chỉ rõ giá trị: X: Data element not found"
        ]
        keys = {
            (v["dataElement"], v["period"]) for r in fake.requests for v in r["body"]["dataValues"]
        }
        assert len(keys) == len(rows)  # every value reached the upstream


def test_parse_outcome_reads_old_and_new_dhis2_summaries():
    old = parse_outcome(200, {"status": "SUCCESS", "importCount": {"imported": 3}})
    assert (old.status, old.counts.imported, old.counts.updated) == ("OK", 3, 0)
    new = parse_outcome(
        409,
        {
            "status": "ERROR",
            "response": {
                "status": "ERROR",
                "importCount": {"ignored": 2},
                "conflicts": [{"v": 1}],
            },
        },
    )
    assert (new.status, new.counts.unchanged, len(new.counts.conflicts)) == ("ERROR", 2, 1)
    sneaky = parse_outcome(200, {"status": "OK", "conflicts": [{"value": "x"}]})
    assert sneaky.status == "WARNING"


@given(st.integers(100, 599), JSON)
def test_parse_outcome_reads_any_answer_or_says_why_not(status: int, body: Any):
    try:
        outcome = parse_outcome(status, body)
    except UpstreamError as exc:
        assert str(exc).startswith(f"upstream trả lời HTTP {status}")
    else:
        assert outcome.status in ("OK", "WARNING", "ERROR")
        assert min(outcome.counts.as_dict().values()) >= 0


def test_endpoint_choice():
    def s(url, flavor="auto"):
        return commune_settings(upstream={"url": url, "flavor": flavor})

    assert endpoint(s("https://ioc.hanoi.gov.vn/")) == (
        "https://ioc.hanoi.gov.vn/api/v1/dataValueSets",
        False,
    )
    assert endpoint(s("https://dhis2.example/api/dataValueSets")) == (
        "https://dhis2.example/api/dataValueSets",
        True,
    )
    assert endpoint(s("https://dhis2.example", "dhis2")) == (
        "https://dhis2.example/api/dataValueSets",
        True,
    )
    assert endpoint(s("https://ioc/api/v1/dataValueSets")) == (
        "https://ioc/api/v1/dataValueSets",
        False,
    )


def test_unauthorised_upstream_fails_at_once(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings(), faults=True) as (url, app):
        store, settings = pushing_commune(tmp_path, url, token="wrong")
        put_values(store, year_of_values("10237", codes=1))
        result = push_once(store, settings)
    assert result.status == "failed" and "HTTP 401" in result.message
    assert app.seen == {"POST": 1}


def test_failure_messages_hide_credentials(tmp_path):
    store, settings = pushing_commune(
        tmp_path, "http://user:s3cret@127.0.0.1:9/?token=abc", max_retries=0
    )
    put_values(store, year_of_values("10237", codes=1))
    result = push_once(store, settings)
    assert result.status == "failed"
    assert "s3cret" not in result.message and "abc" not in result.message
    assert "http://127.0.0.1:9/" in result.message
