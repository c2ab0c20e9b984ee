"""A province receiving DHIS2's own dataValueSets unchanged, over real HTTP on loopback, on
SQLite and PostgreSQL.

The bodies replayed here have the shape of DHIS2's own import test resources
(dhis2-core `dataValueSetA.json` …): set-level `dataSet`, `completeDate`, `period`,
`orgUnit` and `attributeOptionCombo`, and values that carry only `dataElement`,
`categoryOptionCombo`, `value` and the optional `storedBy`, `comment`, `followup`,
`deleted`. With `idScheme=CODE`, ids are COC's codes. Answers on `/api/dataValueSets`
are DHIS2's (2.38+) WebMessage envelope: `httpStatus`, `httpStatusCode`, `status`,
`message`, `response` = ImportSummary with `importCount`, `conflicts` (object, value,
errorCode, indexes) and `rejectedIndexes`; `/api/v1/dataValueSets` keeps COC's short form.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from fixtures_base import small_catalog
from fixtures_http import FEED_TOKEN, PUSH_TOKENS, province_settings, serve_coc
from sqlalchemy import select

from coc.store.db import Store
from coc.store.models import DataValue

pytestmark = pytest.mark.timeout(60)
TOKEN = PUSH_TOKENS["10237"]


def dhis2_set(**overrides: Any) -> dict[str, Any]:
    """A dataValueSet as DHIS2's test resources write them: the period, org unit and
    attribute combo once at set level, each value with its category option combo."""
    body = {
        "dataSet": "pBOMPrpg1QX",
        "completeDate": "2026-12-01",
        "period": "202611",
        "orgUnit": "10237",
        "attributeOptionCombo": "HllvX50cXC0",
        "dataValues": [
            {"dataElement": "DAN_SO", "categoryOptionCombo": "Nam", "value": "30001",
             "storedBy": "can_bo_thong_ke", "comment": "điều tra tháng 11", "followup": False},
            {"dataElement": "DAN_SO", "categoryOptionCombo": "Nu", "value": "29972",
             "storedBy": "can_bo_thong_ke", "followup": True},
            {"dataElement": "SO_HO", "value": "16210"},
        ],
    }  # fmt: skip
    body.update(overrides)
    return body


def rows(store: Store) -> list[tuple[Any, ...]]:
    with store.session() as session:
        found = session.scalars(
            select(DataValue).where(DataValue.source != "rollup").order_by(DataValue.id)
        )
        return [
            (
                d.org_unit,
                d.period,
                d.indicator_code,
                d.category_option_combo,
                d.attribute_option_combo,
                d.value,
                d.comment,
                d.followup,
                d.stored_by,
                d.deleted,
            )
            for d in found
        ]


def post(url: str, body: Any, scheme: str = "ApiToken", token: str = TOKEN) -> requests.Response:
    return requests.post(
        url,
        json=body,
        headers={"Authorization": f"{scheme} {token}"},
        params={"idScheme": "CODE"},
        timeout=10,
    )


def test_dhis2_set_is_stored_with_set_level_fields_and_combos(any_store: Store) -> None:
    with serve_coc(any_store, province_settings()) as (url, _):
        answer = post(f"{url}/api/dataValueSets", dhis2_set())
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "httpStatus": "OK",
            "httpStatusCode": 200,
            "status": "OK",
            "message": "Import was successful.",
            "response": {
                "responseType": "ImportSummary",
                "status": "OK",
                "description": None,
                "importCount": {"imported": 3, "updated": 0, "ignored": 0, "deleted": 0},
                "conflicts": [],
                "rejectedIndexes": [],
            },
        }
        # DHIS2's default attribute combo is COC's default: the keys COC itself writes
        assert rows(any_store) == [
            ("10237", "202611", "DAN_SO", "Nam", "", 30001.0,
             "điều tra tháng 11", False, "can_bo_thong_ke", False),
            ("10237", "202611", "DAN_SO", "Nu", "", 29972.0,
             None, True, "can_bo_thong_ke", False),
            ("10237", "202611", "SO_HO", "", "", 16210.0, None, False, None, False),
        ]  # fmt: skip
        again = post(f"{url}/api/dataValueSets", dhis2_set()).json()
        assert again["response"]["importCount"] == {
            "imported": 0,
            "updated": 0,
            "ignored": 3,
            "deleted": 0,
        }
        # another attribute combo (a funding source) is another value, not an overwrite
        funded = dhis2_set(
            attributeOptionCombo="nguonTW", dataValues=[{"dataElement": "SO_HO", "value": "7"}]
        )
        assert (
            post(f"{url}/api/dataValueSets", funded).json()["response"]["importCount"]["imported"]
            == 1
        )
        feed = requests.get(
            f"{url}/api/dataValueSets",
            headers={"Authorization": f"ApiToken {FEED_TOKEN}"},
            params={"orgUnit": "10237"},
            timeout=10,
        ).json()["dataValues"]
        served = {
            (v["dataElement"], v.get("categoryOptionCombo"), v.get("attributeOptionCombo")): (
                v["value"],
                v.get("comment"),
                v.get("followup"),
                v.get("storedBy"),
            )
            for v in feed
        }
        assert served == {
            ("DAN_SO", "Nam", None): ("30001", "điều tra tháng 11", None, "can_bo_thong_ke"),
            ("DAN_SO", "Nu", None): ("29972", None, True, "can_bo_thong_ke"),
            ("SO_HO", None, None): ("16210", None, None, None),
            ("SO_HO", None, "nguonTW"): ("7", None, None, None),
        }


def test_deleted_is_honoured_for_one_combo_only(any_store: Store) -> None:
    with serve_coc(any_store, province_settings()) as (url, _):
        post(f"{url}/api/v1/dataValueSets", dhis2_set(), scheme="Bearer")
        gone = dhis2_set(
            dataValues=[{"dataElement": "DAN_SO", "categoryOptionCombo": "Nu", "deleted": True}]
        )
        answer = post(f"{url}/api/v1/dataValueSets", gone, scheme="Bearer")
        assert answer.status_code == 200
        assert answer.json() == {
            "status": "OK",
            "importCount": {"imported": 0, "updated": 0, "ignored": 0, "deleted": 1},
            "conflicts": [],
        }
        deleted = {(r[2], r[3]): r[9] for r in rows(any_store)}
        assert deleted == {("DAN_SO", "Nam"): False, ("DAN_SO", "Nu"): True, ("SO_HO", ""): False}


def test_value_for_another_commune_is_a_conflict_never_stored_under_the_sender(
    any_store: Store,
) -> None:
    """Seen in the field: a set-level orgUnit "00001" pushed with 10237's token overwrote
    10237's value and answered OK. Now it is E7617 and 409, and nothing is written."""
    with serve_coc(any_store, province_settings()) as (url, _):
        post(f"{url}/api/dataValueSets", dhis2_set())
        before = rows(any_store)
        other = dhis2_set(orgUnit="00001", dataValues=[{"dataElement": "SO_HO", "value": "1"}])
        answer = post(f"{url}/api/dataValueSets", other)
        assert answer.status_code == 409
        body = answer.json()
        assert (body["httpStatus"], body["httpStatusCode"], body["status"]) == (
            "Conflict",
            409,
            "ERROR",
        )
        assert body["response"]["conflicts"] == [
            {
                "object": "SO_HO/00001/202611",
                "value": "mã thẩm quyền này không được gửi số liệu của đơn vị '00001'",
                "errorCode": "E7617",
                "indexes": [0],
            }
        ]
        assert body["response"]["rejectedIndexes"] == [0]
        assert rows(any_store) == before
        # the same in COC's short form, and a neighbour named per value
        mixed = dhis2_set(
            dataValues=[
                {"dataElement": "SO_HO", "value": "16211"},
                {"dataElement": "SO_HO", "orgUnit": "10238", "value": "999"},
            ]
        )
        short = post(f"{url}/api/v1/dataValueSets", mixed, scheme="Bearer")
        assert short.status_code == 200
        assert short.json()["status"] == "WARNING"
        assert short.json()["conflicts"][0]["errorCode"] == "E7617"
        assert short.json()["conflicts"][0]["indexes"] == [1]
        assert {r[0] for r in rows(any_store)} == {"10237"}


def test_district_token_writes_its_subtree_only(sqlite_store: Store) -> None:
    communes = [
        {"code": "10237", "name": "Xã A", "parent": "271"},
        {"code": "10238", "name": "Xã B", "parent": "271"},
        {"code": "10300", "name": "Xã C", "parent": "272"},
    ]
    settings = province_settings(
        communes,
        province={
            "districts": [{"code": "271", "name": "Huyện X"}, {"code": "272", "name": "Huyện Y"}],
            "push_tokens": {"271": "push-district-271-abcdef"},
        },
    )
    with serve_coc(sqlite_store, settings) as (url, _):
        body = dhis2_set(
            orgUnit=None,
            dataValues=[
                {"dataElement": "SO_HO", "orgUnit": "10237", "value": "1"},
                {"dataElement": "SO_HO", "orgUnit": "10238", "value": "2"},
                {"dataElement": "SO_HO", "orgUnit": "10300", "value": "3"},
            ],
        )
        answer = post(f"{url}/api/dataValueSets", body, token="push-district-271-abcdef")
        assert answer.status_code == 409  # DHIS2 answers 409 whenever there are conflicts
        summary = answer.json()["response"]
        assert summary["status"] == "WARNING"
        assert summary["importCount"]["imported"] == 2
        assert [(c["errorCode"], c["indexes"]) for c in summary["conflicts"]] == [("E7617", [2])]
        assert sorted(r[0] for r in rows(sqlite_store)) == ["10237", "10238"]


def test_an_import_that_stores_nothing_answers_409_in_both_forms(sqlite_store: Store) -> None:
    bad = dhis2_set(dataValues=[{"dataElement": "KHONG_CO", "value": "1"}])
    with serve_coc(sqlite_store, province_settings()) as (url, _):
        short = post(f"{url}/api/v1/dataValueSets", bad, scheme="Bearer")
        assert short.status_code == 409
        assert short.json() == {
            "status": "ERROR",
            "importCount": {"imported": 0, "updated": 0, "ignored": 1, "deleted": 0},
            "conflicts": [
                {
                    "object": "KHONG_CO/10237/202611",
                    "value": "mã chỉ tiêu không tồn tại: 'KHONG_CO'",
                    "errorCode": "E7610",
                    "indexes": [0],
                }
            ],
        }
        full = post(f"{url}/api/dataValueSets", bad)
        assert full.status_code == 409
        assert full.json()["message"] == "An error occurred, please check import summary."


def test_apitoken_and_bearer_both_read_the_feed_and_bad_schemes_are_refused(
    sqlite_store: Store,
) -> None:
    with serve_coc(sqlite_store, province_settings()) as (url, _):
        for path in ("/api/dataValueSets", "/api/v1/dataValueSets"):
            for scheme in ("ApiToken", "Bearer"):
                ok = requests.get(
                    f"{url}{path}", headers={"Authorization": f"{scheme} {FEED_TOKEN}"}, timeout=5
                )
                assert ok.status_code == 200, (path, scheme)
            basic = requests.get(
                f"{url}{path}", headers={"Authorization": f"Basic {FEED_TOKEN}"}, timeout=5
            )
            assert basic.status_code == 401
            assert "ApiToken" in basic.headers["WWW-Authenticate"]
        unknown = requests.get(f"{url}/api/dataValueSets/x", timeout=5)
        assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"


def test_roll_ups_and_pages_read_the_default_combo_total(sqlite_store: Store) -> None:
    from coc.province.hierarchy import Hierarchy
    from coc.province.queries import compare_indicator

    settings = province_settings()
    with serve_coc(sqlite_store, settings) as (url, _):
        post(f"{url}/api/dataValueSets", dhis2_set())
        funded = dhis2_set(
            attributeOptionCombo="nguonTW", dataValues=[{"dataElement": "SO_HO", "value": "7"}]
        )
        post(f"{url}/api/dataValueSets", funded)
    with sqlite_store.session() as session:
        compared = compare_indicator(
            session, small_catalog(), Hierarchy.from_settings(settings), "SO_HO", "202611"
        )
        province = session.scalars(
            select(DataValue.value).where(
                DataValue.org_unit == "01",
                DataValue.indicator_code == "SO_HO",
                DataValue.period == "202611",
            )
        ).all()
    assert province == [16210.0]  # the total, not the funding source's 7 added in
    assert {c.code: c.value for c in compared} == {"10237": 16210.0, "10238": None}
