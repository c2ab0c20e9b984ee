"""Push to a strict DHIS2-like endpoint over real HTTP: one bad value cannot block.

`StrictDhis2` answers as DHIS2 does, in one of two documented shapes:
- "2.38": the WebMessage envelope (`httpStatus` "Conflict", `httpStatusCode` 409, `status`,
  `message`, `response` = ImportSummary with `importCount`, `conflicts` each with
  `object`, `value`, `errorCode`, `property`, `indexes`, and `rejectedIndexes`);
- "2.36": the bare ImportSummary (`responseType`, `status`, `importCount`, `conflicts`
  with only `object` and `value`, no indexes), answered with HTTP 200.
It knows which data elements it has and the period type of each one's data set, and
refuses a value above `limit` (E7619, as a value outside a data element's type).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from fixtures_base import serve
from fixtures_http import pushing_commune, put_values

from coc.periods import parse_period
from coc.store import quarantine
from coc.sync import runs
from coc.sync.push import push_once

pytestmark = pytest.mark.timeout(60)
KIND = {"day": "Daily", "month": "Monthly", "quarter": "Quarterly", "year": "Yearly"}


class StrictDhis2:
    def __init__(self, version: str, elements: dict[str, str], limit: float = 1e6) -> None:
        self.version, self.elements, self.limit = version, elements, limit
        self.stored: dict[tuple[str, str, str], str] = {}
        self.requests: list[list[dict[str, Any]]] = []
        self.all_or_nothing = False
        self.lock = threading.Lock()

    def problem(self, v: dict[str, Any]) -> tuple[str, str, str, str] | None:
        """(object, reason, errorCode, property) of a refused value, or None."""
        de, period = v["dataElement"], v["period"]
        if de not in self.elements:
            return de, f"Data element not found or not accessible: `{de}`", "E7610", "dataElement"
        if KIND[parse_period(period).kind] != self.elements[de]:
            return (
                period,
                f"Period type of period: `{period}` not valid for data element: `{de}`",
                "E7632",
                "period",
            )
        if float(v["value"]) > self.limit:
            return de, f"Value must match data element's `{de}` type constraints", "E7619", "value"
        return None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        values = json.loads(environ["wsgi.input"].read(size))["dataValues"]
        with self.lock:
            self.requests.append(values)
            problems = {i: p for i, v in enumerate(values) if (p := self.problem(v))}
            keep = not (self.all_or_nothing and problems)
            imported = 0
            for i, v in enumerate(values):
                if i not in problems and keep:
                    self.stored[(v["dataElement"], v["orgUnit"], v["period"])] = v["value"]
                    imported += 1
        status = "OK" if not problems else ("WARNING" if imported else "ERROR")
        counts = {"imported": imported, "updated": 0, "ignored": len(values) - imported,
                  "deleted": 0}  # fmt: skip
        if self.version == "2.36":
            summary = {
                "responseType": "ImportSummary",
                "status": "SUCCESS" if status == "OK" else status,
                "importCount": counts,
                "conflicts": [{"object": p[0], "value": p[1]} for p in problems.values()],
            }
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(summary).encode()]
        body = {
            "httpStatus": "Conflict" if problems else "OK",
            "httpStatusCode": 409 if problems else 200,
            "status": status,
            "message": "One more conflicts encountered, please check import summary."
            if problems
            else "Import was successful.",
            "response": {
                "responseType": "ImportSummary",
                "status": status,
                "importCount": counts,
                "conflicts": [
                    {
                        "object": p[0],
                        "objects": {},
                        "value": p[1],
                        "errorCode": p[2],
                        "property": p[3],
                        "indexes": [i],
                    }
                    for i, p in problems.items()
                ],
                "rejectedIndexes": sorted(problems),
            },
        }
        start_response(
            "409 Conflict" if problems else "200 OK", [("Content-Type", "application/json")]
        )
        return [json.dumps(body).encode()]


def months(code: str, org_unit: str = "10237", value: float = 10.0) -> list[dict[str, Any]]:
    return [
        {"indicator_code": code, "org_unit": org_unit, "period": f"2026{m:02d}", "value": value + m}
        for m in range(1, 13)
    ]


MONTHLY = {"DAN_SO": "Monthly", "SO_HO": "Monthly"}


@pytest.mark.parametrize("version", ["2.38", "2.36"])
def test_one_bad_value_is_quarantined_and_the_rest_is_delivered(tmp_path, version) -> None:
    fake = StrictDhis2(version, MONTHLY, limit=1000)
    with serve(fake) as url:
        store, settings = pushing_commune(
            tmp_path, f"{url}/api/dataValueSets", token="d2pat_x", auth_scheme="ApiToken"
        )
        bad = {"indicator_code": "SO_HO", "org_unit": "10237", "period": "202605", "value": 5e6}
        put_values(
            store, months("DAN_SO") + [r for r in months("SO_HO") if r["period"] != "202605"]
        )
        put_values(store, [bad])
        result = push_once(store, settings)
        assert result.status == "ok", result.line()
        assert result.sent == 24
        if version == "2.38":  # the value is named by its index
            assert (result.rejected, result.imported) == (1, 23)
            assert len(fake.stored) == 23 and ("SO_HO", "10237", "202605") not in fake.stored
            kept = quarantine.listing(store, "push")
            assert len(kept) == 1
            assert kept[0].reason.startswith("upstream từ chối [E7619]: Value must match")
            assert json.loads(kept[0].raw) == {
                "dataElement": "SO_HO",
                "period": "202605",
                "orgUnit": "10237",
                "value": "5000000",
            }
        else:  # 2.36 names the data element only: its values are all kept back
            assert result.rejected == 12
            assert len(fake.stored) == 23
            assert len(quarantine.listing(store, "push")) == 12
        assert runs.get_watermark(store, runs.PUSH) is not None
        assert runs.last_run(store, runs.PUSH).status == "partial"


def test_refused_value_is_sent_again_only_when_it_changes(tmp_path) -> None:
    fake = StrictDhis2("2.38", MONTHLY, limit=1000)
    with serve(fake) as url:
        # an hour of watermark lag: every run re-reads the whole page, so only the
        # quarantine's memory keeps the refused value back
        store, settings = pushing_commune(
            tmp_path, f"{url}/api/dataValueSets", token="t", watermark_lag_s=3600
        )
        put_values(store, months("DAN_SO"))
        put_values(store, [{"indicator_code": "SO_HO", "org_unit": "10237", "period": "202605",
                            "value": 5e6}])  # fmt: skip
        first = push_once(store, settings)
        assert (first.sent, first.rejected) == (13, 1)
        second = push_once(store, settings)
        assert (second.status, second.sent, second.held, second.rejected) == ("ok", 12, 1, 0)
        assert all(v["dataElement"] == "DAN_SO" for v in fake.requests[-1])
        put_values(store, [{"indicator_code": "SO_HO", "org_unit": "10237", "period": "202605",
                            "value": 500}])  # fmt: skip
        third = push_once(store, settings)
        assert (third.sent, third.held, third.rejected) == (13, 0, 0)
        assert fake.stored[("SO_HO", "10237", "202605")] == "500"


def test_only_the_period_types_each_data_set_accepts_are_pushed(tmp_path) -> None:
    fake = StrictDhis2("2.38", {"DAN_SO": "Yearly", "SO_HO": "Monthly"})
    with serve(fake) as url:
        store, settings = pushing_commune(
            tmp_path,
            f"{url}/api/dataValueSets",
            token="t",
            elements={"DAN_SO": {"data_set": "dsPop", "period_type": "Yearly"}},
        )
        put_values(store, months("DAN_SO") + months("SO_HO"))
        put_values(store, [
            {"indicator_code": "DAN_SO", "org_unit": "10237", "period": "2026", "value": 60000},
            {"indicator_code": "SO_HO", "org_unit": "10237", "period": "2026Q2", "value": 3},
            {"indicator_code": "SO_HO", "org_unit": "10237", "period": "2026", "value": 12},
        ])  # fmt: skip
        result = push_once(store, settings)
        assert result.status == "ok" and result.rejected == 0
        sent = {(v["dataElement"], v["period"]) for r in fake.requests for v in r}
        assert sent == {("DAN_SO", "2026")} | {("SO_HO", f"2026{m:02d}") for m in range(1, 13)}
        assert result.skipped == 12 + 2  # DAN_SO's months; SO_HO's quarter and year
        # told to, the upstream's own aggregates are pushed too
        store2, settings2 = pushing_commune(
            tmp_path / "two", f"{url}/api/dataValueSets", token="t",
            period_types=["Monthly", "Quarterly"],
        )  # fmt: skip
        put_values(store2, [
            {"indicator_code": "SO_HO", "org_unit": "10237", "period": "2026Q2", "value": 3},
        ])  # fmt: skip
        assert push_once(store2, settings2).sent == 1


def test_all_or_nothing_error_is_sent_again_without_the_refused_value(tmp_path) -> None:
    fake = StrictDhis2("2.38", MONTHLY, limit=1000)
    fake.all_or_nothing = True  # one bad value and the upstream stores none of the page
    with serve(fake) as url:
        store, settings = pushing_commune(tmp_path, f"{url}/api/dataValueSets", token="t")
        put_values(store, months("DAN_SO"))
        put_values(store, [{"indicator_code": "SO_HO", "org_unit": "10237", "period": "202605",
                            "value": 5e6}])  # fmt: skip
        result = push_once(store, settings)
        assert (result.status, result.rejected) == ("ok", 1), result.line()
        assert [len(r) for r in fake.requests] == [13, 12]
        assert len(fake.stored) == 12


def test_a_page_refused_as_a_whole_still_holds_the_watermark(tmp_path) -> None:
    fake = StrictDhis2("2.38", {})  # knows no data element: every value refused, by name
    with serve(fake) as url:
        store, settings = pushing_commune(tmp_path, f"{url}/api/dataValueSets", token="t")
        put_values(store, months("DAN_SO"))
        result = push_once(store, settings)
        # refused by name (E7610), so quarantined rather than blocking for ever
        assert (result.status, result.rejected) == ("ok", 12)
    province_like = StrictDhis2("2.38", MONTHLY)

    def access_refused(environ: dict[str, Any], start_response: Any) -> Any:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        values = json.loads(environ["wsgi.input"].read(size))["dataValues"]
        province_like.requests.append(values)
        conflicts = [
            {"object": v["orgUnit"], "value": "not in hierarchy", "errorCode": "E7617",
             "indexes": [i]}
            for i, v in enumerate(values)
        ]  # fmt: skip
        body = {"status": "ERROR", "response": {"status": "ERROR", "conflicts": conflicts,
                "importCount": {"ignored": len(values)}}}  # fmt: skip
        start_response("409 Conflict", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    with serve(access_refused) as url:
        store, settings = pushing_commune(tmp_path / "b", f"{url}/api/dataValueSets", token="t")
        put_values(store, months("DAN_SO"))
        result = push_once(store, settings)
        assert result.status == "failed" and "ERROR" in (result.message or "")
        assert runs.get_watermark(store, runs.PUSH) is None
        assert quarantine.listing(store, "push") == []
