"""Completeness registrations and approvals over real HTTP on loopback: a commune pushes
them to a COC province and to a strict DHIS2-like upstream, a province pulls them; the
province's feed serves them and its completeness reads them (values as the fallback)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from fixtures_base import new_store, serve, small_catalog
from fixtures_http import (
    FEED_TOKEN,
    PUSH_TOKENS,
    auth,
    commune_settings,
    province_settings,
    pulling_province,
    pushing_commune,
    put_values,
    serve_coc,
    stored,
)
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from coc.approval import approve as appr
from coc.approval.complete import mark_complete, read_registration
from coc.province.completeness import reporting
from coc.province.hierarchy import Hierarchy
from coc.store.models import CompleteRegistration, DataApproval
from coc.sync import runs
from coc.sync.pull import pull_commune
from coc.sync.push import push_once

pytestmark = pytest.mark.timeout(60)
NOV_5 = datetime(2026, 11, 5, 2, 0, tzinfo=UTC)
NOV_25 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # after 15 timely days
DEC_1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def october(code: str) -> list[dict[str, Any]]:
    return [
        {"indicator_code": c, "org_unit": code, "period": "202610", "value": v}
        for c, v in (("DAN_SO", 12000.0), ("SO_HO", 3100.0))
    ]


def rows_of(store, model):
    with store.session() as session:
        return list(session.scalars(select(model).order_by(model.id)))


def test_registration_and_approval_reach_a_coc_province_and_its_feed(tmp_path, any_store):
    province = any_store  # SQLite and PostgreSQL
    psettings = province_settings()
    with serve_coc(province, psettings) as (url, _):
        store, settings = pushing_commune(tmp_path, url)
        put_values(store, october("10237"))
        mark_complete(store, settings, "10237", "202610", "thongke", NOV_5)
        appr.approve(store, settings, "10237", "202610", "chutich", NOV_5)
        first = push_once(store, settings)
        assert first.ok, first.message
        assert "1 đăng ký hoàn thành, 1 phê duyệt" in first.line()
        # the other commune pushes values only, late, and never registers
        other, osettings = pushing_commune(tmp_path, url, "10238")
        put_values(other, october("10238"))
        assert push_once(other, osettings).ok
        assert push_once(store, settings).line().endswith(")")  # nothing more to send

        (reg,) = rows_of(province, CompleteRegistration)
        assert (reg.org_unit, reg.period, reg.completed, reg.source, reg.stored_by) == (
            "10237",
            "202610",
            True,
            "upstream",
            "thongke",
        )
        (ok,) = rows_of(province, DataApproval)
        assert (ok.org_unit, ok.period, ok.approved, ok.approved_by) == (
            "10237",
            "202610",
            True,
            "10237",
        )
        for prefix in ("/api/v1", "/api"):
            got = requests.get(
                f"{url}{prefix}/completeDataSetRegistrations",
                params={"orgUnit": "01", "children": "true", "period": "202610"},
                headers=auth(),
                timeout=5,
            )
            assert got.status_code == 200, got.text
            (item,) = got.json()["completeDataSetRegistrations"]
            assert (item["dataSet"], item["organisationUnit"], item["completed"]) == (
                "COC_XA",
                "10237",
                True,
            )
        states = requests.get(
            f"{url}/api/v1/dataApprovals/approvals",
            params={"pe": "202610", "ou": "10237,10238"},
            headers=auth(),
            timeout=5,
        ).json()
        assert [(s["ou"], s["state"]) for s in states] == [
            ("10237", appr.APPROVED),
            ("10238", appr.READY),
        ]
        feed = requests.get(
            f"{url}/api/v1/dataValueSets", params={"period": "202610"}, headers=auth(), timeout=5
        ).json()
        by_ou = {(v["orgUnit"], v["approvalState"]) for v in feed["dataValues"]}
        assert ("10237", appr.APPROVED) in by_ou and ("10238", appr.READY) in by_ou
        unauth = requests.get(f"{url}/api/completeDataSetRegistrations", timeout=5)
        assert unauth.status_code == 401

    with province.session() as session:
        report = reporting(session, Hierarchy.from_settings(psettings), ["202610"], now=DEC_1)
    got = {r.code: r.periods[0] for r in report}
    assert (got["10237"].by, got["10237"].reported, got["10237"].on_time) == (
        "registration",
        True,
        True,
    )
    assert got["10237"].approved and not got["10238"].approved
    # 10238 never registered: its first value counts, and it arrived today (late)
    assert (got["10238"].by, got["10238"].reported, got["10238"].on_time) == (
        "values",
        True,
        datetime.now(UTC) <= datetime(2026, 11, 15, 17, tzinfo=UTC),
    )


def test_a_late_or_reopened_registration_counts_as_such(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    psettings = province_settings()
    with serve_coc(province, psettings) as (url, _):
        store, settings = pushing_commune(tmp_path, url)
        mark_complete(store, settings, "10237", "202610", "thongke", NOV_25)
        mark_complete(store, settings, "10237", "202609", "thongke", NOV_5)
        assert push_once(store, settings).ok
        mark_complete(store, settings, "10237", "202609", "thongke", NOV_25, completed=False)
        assert push_once(store, settings).ok
    with province.session() as session:
        (row,) = reporting(
            session, Hierarchy.from_settings(psettings), ["202609", "202610"], now=DEC_1
        )[:1]
    assert row.code == "10237"
    sep, octo = row.periods
    assert (sep.reported, octo.reported, octo.on_time) == (False, True, False)
    assert (row.expected, row.reported, row.on_time) == (2, 1, 0)


def test_a_commune_may_register_and_approve_only_its_own_org_unit(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings()) as (url, _):
        headers = auth(PUSH_TOKENS["10237"])
        body = {
            "completeDataSetRegistrations": [
                {"dataSet": "COC_XA", "period": "202610", "organisationUnit": "10238"}
            ]
        }
        reg = requests.post(
            f"{url}/api/completeDataSetRegistrations", json=body, headers=headers, timeout=5
        )
        assert reg.status_code == 409
        answer = reg.json()
        assert answer["status"] == "ERROR" and "10238" in answer["conflicts"][0]["value"]
        bulk = {"wf": ["COC_XA"], "pe": ["202610"], "approvals": [{"ou": "10238"}]}
        app = requests.post(
            f"{url}/api/v1/dataApprovals/approvals", json=bulk, headers=headers, timeout=5
        )
        assert app.status_code == 409 and "10238" in app.json()["conflicts"][0]["value"]
        feed_token = requests.post(
            f"{url}/api/v1/dataApprovals/approvals", json=bulk, headers=auth(), timeout=5
        )
        assert feed_token.status_code == 403
        bad = requests.post(
            f"{url}/api/v1/dataApprovals/unapprovals",
            json={"pe": ["2026-10"], "approvals": [{"ou": "10237"}]},
            headers=headers,
            timeout=5,
        )
        assert bad.status_code == 400 and bad.json()["reason"]
    assert rows_of(province, CompleteRegistration) == []
    assert rows_of(province, DataApproval) == []


def test_push_approved_only_sends_a_month_once_it_is_approved(tmp_path):
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(province, province_settings()) as (url, _):
        store, settings = pushing_commune(tmp_path, url)
        settings = settings.model_copy(
            update={"approval": settings.approval.model_copy(update={"push_approved_only": True})}
        )
        put_values(store, october("10237"))
        put_values(
            store,
            [
                {
                    "indicator_code": "DAN_SO",
                    "org_unit": "10237",
                    "period": "202609",
                    "value": 11900.0,
                }
            ],
        )
        appr.approve(store, settings, "10237", "202609", "chutich", NOV_5)
        first = push_once(store, settings)
        assert (first.ok, first.sent) == (True, 1)
        assert set(stored(province, "10237")) == {("DAN_SO", "10237", "202609")}
        appr.approve(store, settings, "10237", "202610", "chutich", NOV_5)
        second = push_once(store, settings)
        assert (second.ok, second.sent) == (True, 2)
        assert len(stored(province, "10237")) == 3


class StrictDhis2:
    """A DHIS2-like upstream that checks what DHIS2 checks and answers as 2.38+ does:
    `POST /api/completeDataSetRegistrations` (ApiToken, dataSetIdScheme/orgUnitIdScheme
    CODE, only DHIS2's fields, a known data set, an open period) answered by a WebMessage
    wrapping an ImportSummary (409 with conflicts when nothing imports), and
    `POST /api/dataApprovals/approvals|unapprovals` (`wf`, `pe`, `approvals[{ou, aoc}]`)
    answered 204, or 409 with a WebMessage; `POST /api/dataValueSets` takes every value."""

    FIELDS = {
        "dataSet",
        "period",
        "organisationUnit",
        "attributeOptionCombo",
        "completed",
        "date",
        "storedBy",
    }

    def __init__(self, closed_periods: set[str] | None = None) -> None:
        self.closed = closed_periods or set()
        self.requests: list[dict[str, Any]] = []
        self.registrations: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.approved: dict[tuple[str, str, str], bool] = {}
        self.values: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        path, query = environ["PATH_INFO"], environ.get("QUERY_STRING", "")
        with self.lock:
            self.requests.append({"path": path, "query": query, "body": json.loads(raw or "{}")})
            body = self.requests[-1]["body"]
            if environ.get("HTTP_AUTHORIZATION") != "ApiToken d2pat_strict":
                return self._answer(start_response, 401, {"httpStatusCode": 401})
            if path == "/api/dataValueSets":
                values = body.get("dataValues", [])
                self.values.extend(values)
                count = {"imported": len(values), "updated": 0, "ignored": 0, "deleted": 0}
                summary = {
                    "responseType": "ImportSummary",
                    "status": "SUCCESS",
                    "importCount": count,
                    "conflicts": [],
                }
                return self._answer(start_response, 200, {"status": "OK", "response": summary})
            if path == "/api/completeDataSetRegistrations":
                return self._registrations(start_response, query, body)
            if path in ("/api/dataApprovals/approvals", "/api/dataApprovals/unapprovals"):
                return self._approvals(start_response, path.endswith("/approvals"), body)
        return self._answer(start_response, 404, {"httpStatusCode": 404})

    def _answer(self, start_response, status, body):
        words = {200: "OK", 204: "No Content", 401: "Unauthorized", 404: "Not Found"}
        start_response(
            f"{status} {words.get(status, 'Conflict')}", [("Content-Type", "application/json")]
        )
        return [] if status == 204 else [json.dumps(body).encode()]

    def _registrations(self, start_response, query, body):
        if "dataSetIdScheme=CODE" not in query or "orgUnitIdScheme=CODE" not in query:
            return self._answer(start_response, 409, {"status": "ERROR", "message": "ids"})
        conflicts, imported, updated = [], 0, 0
        for index, item in enumerate(body.get("completeDataSetRegistrations", [])):
            extra = set(item) - self.FIELDS
            if extra or item.get("dataSet") != "COC_XA" or item["period"] in self.closed:
                reason = f"Unknown fields {sorted(extra)}" if extra else "Period is closed"
                conflicts.append(
                    {
                        "object": item["period"],
                        "value": reason,
                        "errorCode": "E7600",
                        "indexes": [index],
                    }
                )
                continue
            key = (item["dataSet"], item["period"], item["organisationUnit"])
            updated += key in self.registrations
            imported += key not in self.registrations
            self.registrations[key] = item
        summary = {
            "responseType": "ImportSummary",
            "status": "ERROR" if conflicts and not (imported or updated) else "SUCCESS",
            "importCount": {
                "imported": imported,
                "updated": updated,
                "ignored": len(conflicts),
                "deleted": 0,
            },
            "conflicts": conflicts,
        }
        status = 409 if summary["status"] == "ERROR" else 200
        return self._answer(
            start_response,
            status,
            {
                "httpStatusCode": status,
                "status": "ERROR" if status == 409 else "OK",
                "response": summary,
            },
        )

    def _approvals(self, start_response, approved, body):
        if set(body) - {"wf", "pe", "approvals", "ds"} or not body.get("approvals"):
            return self._answer(start_response, 409, {"status": "ERROR", "message": "body"})
        for wf in body["wf"]:
            for pe in body["pe"]:
                for unit in body["approvals"]:
                    self.approved[(wf, pe, unit["ou"])] = approved
        return self._answer(start_response, 204, None)


def test_push_to_a_strict_dhis2_upstream_holds_a_refused_registration(tmp_path):
    fake = StrictDhis2(closed_periods={"202609"})
    with serve(fake) as url:
        store, settings = pushing_commune(
            tmp_path, f"{url}/api/dataValueSets", token="d2pat_strict", auth_scheme="ApiToken"
        )
        mark_complete(store, settings, "10237", "202610", "thongke", NOV_5)
        mark_complete(store, settings, "10237", "202609", "thongke", NOV_5)
        put_values(store, october("10237"))
        appr.approve(store, settings, "10237", "202610", "chutich", NOV_5)
        before = runs.get_watermark(store, "push:registrations")
        first = push_once(store, settings)
        # 202609 is closed upstream: the import is a WARNING, the registrations wait
        assert first.status == "failed" and "Period is closed" in first.message
        assert runs.get_watermark(store, "push:registrations") == before
        assert fake.approved == {("COC_XA", "202610", "10237"): True}
        assert {v["period"] for v in fake.values} == {"202610"}
        (reg,) = [r for r in fake.requests if r["path"].endswith("Registrations")]
        item = next(
            i for i in reg["body"]["completeDataSetRegistrations"] if i["period"] == "202610"
        )
        assert set(item) == {
            "dataSet",
            "period",
            "organisationUnit",
            "completed",
            "date",
            "storedBy",
        }
        fake.closed.clear()
        second = push_once(store, settings)
        assert second.ok, second.message
        assert set(fake.registrations) == {
            ("COC_XA", "202610", "10237"),
            ("COC_XA", "202609", "10237"),
        }
        appr.unapprove(store, settings, "10237", "202610", "chutich", "sửa số hộ", NOV_5)
        assert push_once(store, settings).ok
        assert fake.approved == {("COC_XA", "202610", "10237"): False}


ITEM = st.dictionaries(
    st.sampled_from(
        [
            "dataSet",
            "period",
            "organisationUnit",
            "orgUnit",
            "completed",
            "date",
            "storedBy",
            "attributeOptionCombo",
        ]
    ),
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=30)
    | st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


@given(st.one_of(ITEM, st.none(), st.integers(), st.text(), st.lists(st.integers())))
def test_read_registration_returns_a_row_or_a_reason(item):
    row = read_registration(item, default_data_set="COC_XA", now=NOV_5)
    if isinstance(row, dict):
        assert row["period"] and row["org_unit"] and isinstance(row["completed"], bool)
    else:
        assert row.reason


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.text(),
        st.dictionaries(
            st.sampled_from(["wf", "pe", "approvals", "ds"]),
            st.none()
            | st.text(max_size=8)
            | st.lists(
                st.text(max_size=8)
                | st.dictionaries(
                    st.sampled_from(["ou", "aoc"]), st.none() | st.integers() | st.text(max_size=20)
                ),
                max_size=3,
            ),
        ),
    )
)
def test_read_approvals_returns_a_body_or_a_reason(raw):
    body = appr.read_approvals(raw, "COC_XA")
    if isinstance(body, appr.ApprovalsBody):
        assert body.periods and body.units and body.workflows
    else:
        assert body.reason


def test_feed_queries_refuse_bad_periods_and_dates(tmp_path):
    store = new_store(tmp_path / "c.sqlite3")
    with serve_coc(store, province_settings()) as (url, _):
        for params in ({"period": "2026-10"}, {"startDate": "yesterday"}):
            got = requests.get(
                f"{url}/api/v1/completeDataSetRegistrations",
                params=params,
                headers=auth(FEED_TOKEN),
                timeout=5,
            )
            assert got.status_code == 400 and got.json()["reason"]
        missing = requests.get(f"{url}/api/v1/dataApprovals", headers=auth(), timeout=5)
        assert missing.status_code == 400 and "pe" in missing.json()["reason"]


def test_a_pulling_province_reads_registrations_and_approval_states(tmp_path):
    commune = new_store(tmp_path / "commune.sqlite3")
    csettings = commune_settings("10237")
    put_values(commune, october("10237"))
    mark_complete(commune, csettings, "10237", "202610", "thongke", NOV_5)
    appr.approve(commune, csettings, "10237", "202610", "chutich", NOV_5)
    province = new_store(tmp_path / "province.sqlite3")
    with serve_coc(commune, csettings) as (url, _):
        psettings = pulling_province({"10237": url})
        link = psettings.province.communes[0]
        first = pull_commune(province, psettings, small_catalog(), link)
        assert first.status == "ok", first.message
        (reg,) = rows_of(province, CompleteRegistration)
        (ok,) = rows_of(province, DataApproval)
        assert (reg.period, reg.source, ok.period, ok.approved, ok.approved_by) == (
            "202610",
            "pull",
            "202610",
            True,
            "chutich",
        )
        appr.unapprove(commune, csettings, "10237", "202610", "chutich", "sửa số hộ", NOV_5)
        mark_complete(commune, csettings, "10237", "202610", "thongke", NOV_5, completed=False)
        again = pull_commune(province, psettings, small_catalog(), link)
        assert again.status == "ok", again.message
    (reg,) = rows_of(province, CompleteRegistration)
    (ok,) = rows_of(province, DataApproval)
    assert (reg.completed, ok.approved, ok.reason) == (False, False, "sửa số hộ")
