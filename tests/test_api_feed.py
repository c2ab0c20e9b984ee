"""The feed (`GET /api/v1/dataValueSets`) over real HTTP: auth, shape, paging, filters,
gzip, ETag, and the public endpoints."""

from __future__ import annotations

import gzip
import logging
from datetime import timedelta

import pytest
import requests
from fixtures_base import new_store, small_catalog
from fixtures_http import FEED_TOKEN, auth, commune_settings, put_values, serve_coc

from coc.api.auth import TokenBook, digest
from coc.store.models import Alert, Device
from coc.timeutil import utcnow

pytestmark = pytest.mark.timeout(60)

ROWS = [
    {
        "indicator_code": "TTHC_DUNG_HAN",
        "org_unit": "10237",
        "period": "202610",
        "value": 80.0,
        "numerator": 12.0,
        "denominator": 15.0,
    },
    {"indicator_code": "DAN_SO", "org_unit": "10237", "period": "202610", "value": 60123.0},
    {"indicator_code": "TY_LE_BHYT", "org_unit": "10237", "period": "202610", "value": 97.5},
]


@pytest.fixture
def commune(tmp_path):
    store = new_store(tmp_path / "c.sqlite3")
    put_values(store, ROWS)
    with serve_coc(store, commune_settings()) as (url, _app):
        yield store, url


def test_feed_refuses_without_or_with_wrong_token(commune):
    _store, url = commune
    missing = requests.get(f"{url}/api/v1/dataValueSets", timeout=5)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.json()["error"] == "unauthorized"
    wrong = requests.get(f"{url}/api/v1/dataValueSets", headers=auth("nope"), timeout=5)
    assert wrong.status_code == 401
    assert wrong.json()["reason"] == "mã truy cập không hợp lệ"
    basic = requests.get(
        f"{url}/api/v1/dataValueSets", headers={"Authorization": "Basic eDp5"}, timeout=5
    )
    assert basic.status_code == 401


def test_feed_shape_with_numerator_denominator_and_strings(commune):
    _store, url = commune
    body = requests.get(f"{url}/api/v1/dataValueSets", headers=auth(), timeout=5).json()
    assert body["orgUnit"] == "10237"
    assert body["next"] is None
    by_code = {v["dataElement"]: v for v in body["dataValues"]}
    tthc = by_code["TTHC_DUNG_HAN"]
    assert {k: tthc[k] for k in ("period", "orgUnit", "value", "numerator", "denominator")} == {
        "period": "202610",
        "orgUnit": "10237",
        "value": "80",
        "numerator": "12",
        "denominator": "15",
    }
    assert tthc["deleted"] is False
    assert tthc["lastUpdated"].endswith("Z")
    assert by_code["TY_LE_BHYT"]["value"] == "97.5"
    assert by_code["DAN_SO"]["value"] == "60123"
    assert "numerator" not in by_code["DAN_SO"]


def test_soft_delete_is_in_the_feed(commune):
    store, url = commune
    put_values(store, [{**ROWS[1], "deleted": True}])
    body = requests.get(f"{url}/api/v1/dataValueSets", headers=auth(), timeout=5).json()
    last = body["dataValues"][-1]
    assert (last["dataElement"], last["deleted"]) == ("DAN_SO", True)


def test_paging_is_stable_while_values_change(commune):
    store, url = commune
    first = requests.get(
        f"{url}/api/v1/dataValueSets", params={"limit": 2}, headers=auth(), timeout=5
    ).json()
    assert len(first["dataValues"]) == 2 and first["next"]
    seen = [v["dataElement"] for v in first["dataValues"]]
    # a value already read changes between pages: it must come again at the end
    changed = next(r for r in ROWS if r["indicator_code"] == seen[0])
    put_values(store, [{**changed, "value": 81.0}])
    rest, token = [], first["next"]
    for _ in range(10):
        if not token:
            break
        page = requests.get(
            f"{url}/api/v1/dataValueSets",
            params={"next": token, "limit": 2},
            headers=auth(),
            timeout=5,
        ).json()
        rest += page["dataValues"]
        token = page["next"]
    assert sorted(seen + [v["dataElement"] for v in rest]) == sorted(
        [r["indicator_code"] for r in ROWS] + [seen[0]]
    )
    assert rest[-1]["dataElement"] == seen[0] and rest[-1]["value"] == "81"


def test_last_updated_and_period_filters(commune):
    store, url = commune
    later = utcnow() + timedelta(seconds=1)
    empty = requests.get(
        f"{url}/api/v1/dataValueSets",
        params={"lastUpdated": later.isoformat()},
        headers=auth(),
        timeout=5,
    ).json()
    assert empty["dataValues"] == []
    put_values(
        store,
        [{"indicator_code": "DAN_SO", "org_unit": "10237", "period": "202611", "value": 60200.0}],
    )
    month = requests.get(
        f"{url}/api/v1/dataValueSets", params={"period": "202611"}, headers=auth(), timeout=5
    ).json()
    assert [(v["dataElement"], v["value"]) for v in month["dataValues"]] == [("DAN_SO", "60200")]


@pytest.mark.parametrize(
    ("params", "reason_part"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"period": "2026M13"}, "kỳ"),
        ({"lastUpdated": "hôm qua"}, "lastUpdated"),
        ({"next": "forged.token"}, "next"),
    ],
)
def test_bad_queries_are_400_with_reason(commune, params, reason_part):
    _store, url = commune
    r = requests.get(f"{url}/api/v1/dataValueSets", params=params, headers=auth(), timeout=5)
    assert r.status_code == 400
    assert reason_part in r.json()["reason"].lower() or reason_part in r.json()["reason"]


def test_gzip_and_etag(commune):
    store, url = commune
    put_values(
        store,
        [
            {
                "indicator_code": "DAN_SO",
                "org_unit": "10237",
                "period": f"2025{m:02d}",
                "value": 1.0,
            }
            for m in range(1, 13)
        ],
    )
    raw = requests.get(
        f"{url}/api/v1/dataValueSets",
        headers={**auth(), "Accept-Encoding": "gzip"},
        timeout=5,
        stream=True,
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(raw.raw.read())
    assert b'"dataValues"' in body
    tag = raw.headers["ETag"]
    again = requests.get(
        f"{url}/api/v1/dataValueSets", headers={**auth(), "If-None-Match": tag}, timeout=5
    )
    assert again.status_code == 304 and again.content == b""
    put_values(
        store, [{"indicator_code": "DAN_SO", "org_unit": "10237", "period": "202501", "value": 2.0}]
    )
    changed = requests.get(
        f"{url}/api/v1/dataValueSets", headers={**auth(), "If-None-Match": tag}, timeout=5
    )
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_tokens_are_hashed_and_never_logged(tmp_path, caplog):
    book = TokenBook([f"sha256:{digest('from-config')}", "plain"], {"10237": "p"})
    assert book.is_feed("from-config") and book.is_feed("plain")
    assert not book.is_feed("sha256:" + digest("from-config"))
    assert "from-config" not in repr(vars(book)) and "plain" not in str(vars(book)["_feed"])
    assert book.pusher("p") == "10237" and book.pusher("x") is None
    store = new_store(tmp_path / "t.sqlite3")
    with caplog.at_level(logging.DEBUG), serve_coc(store, commune_settings()) as (url, _):
        requests.get(f"{url}/api/v1/dataValueSets", headers=auth(), timeout=5)
        requests.get(f"{url}/api/v1/dataValueSets", headers=auth("guess-123"), timeout=5)
    assert FEED_TOKEN not in caplog.text and "guess-123" not in caplog.text


def test_public_health_indicators_and_openapi(commune):
    _store, url = commune
    health = requests.get(f"{url}/api/v1/health", timeout=5)
    assert health.status_code == 200
    body = health.json()
    assert body["database"]["status"] == "ok"
    assert body["broker"] == {"status": "not_configured"}
    assert body["connectors"] == [] and body["sync"]["push"] is None
    cat = requests.get(f"{url}/api/v1/indicators", params={"year": 2026}, timeout=5).json()
    tthc = next(i for i in cat["indicators"] if i["code"] == "TTHC_DUNG_HAN")
    assert (tthc["target"], tthc["unit"], tthc["aggregation"]) == (95.0, "%", "ratio")
    assert len(cat["indicators"]) == len(small_catalog().indicators)
    doc = requests.get(f"{url}/api/v1/openapi.json", timeout=5).json()
    # the feed's own paths (each feature adds its own; tests/test_api_docs.py checks that
    # every route is documented)
    assert set(doc["paths"]) >= {
        "/health",
        "/indicators",
        "/dataValueSets",
        "/api/dataValueSets",  # DHIS2's own path, beside /api/v1
        "/devices",
        "/alerts",
        "/completeDataSetRegistrations",
        "/dataApprovals",
        "/dataApprovals/approvals",
        "/dataApprovals/unapprovals",
        "/alerts/acknowledge",
        "/alerts/assign",
        "/alerts/clear",
        "/bulletins",
        "/bulletins/{bulletin}/deliveries",
        "/bulletins/audio/{file}",
        "/openapi.json",
        "/fieldReports",
        "/fieldReports/zalo",
        "/fieldReports/{code}",
    }
    assert set(doc["paths"]["/dataValueSets"]) == {"get", "post"}
    assert doc["paths"]["/api/dataValueSets"]["post"]["servers"] == [{"url": "/"}]
    missing = requests.get(f"{url}/api/v1/nothing-here", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_devices_summary_and_alerts(commune):
    store, url = commune
    devices = [  # (id, kind, name, online, state)
        ("cam-01", "camera", "Camera cổng UBND", True, "online"),
        ("cam-02", "camera", "Camera chợ", False, "offline"),
        ("loa-01", "speaker", "Loa thôn 1", True, "idle"),
    ]
    with store.write() as s:
        for device_id, kind, name, online, state in devices:
            s.add(
                Device(
                    device_id=device_id,
                    org_unit="10237",
                    kind=kind,
                    name=name,
                    online=online,
                    state=state,
                )
            )
    assert requests.get(f"{url}/api/v1/devices", timeout=5).status_code == 401
    body = requests.get(f"{url}/api/v1/devices", headers=auth(), timeout=5).json()
    assert body["total"] == 3
    assert body["kinds"] == {
        "camera": {"online": 1, "offline": 1, "total": 2},
        "speaker": {"online": 1, "offline": 0, "total": 1},
    }
    with store.write() as s:
        s.add(
            Alert(
                rule_id="mn-high",
                device_id="mn-01",
                key="water_level",
                severity="critical",
                message="Mực nước sông Hồng vượt báo động 2",
                value=9.6,
                threshold=9.5,
            )
        )
        s.add(
            Alert(
                rule_id="cam-off",
                device_id="cam-02",
                severity="warning",
                status="cleared",
                message="Camera chợ mất kết nối",
            )
        )
    alerts = requests.get(f"{url}/api/v1/alerts", headers=auth(), timeout=5).json()
    assert alerts["available"] is True
    assert [(a["device_id"], a["severity"], a["value"]) for a in alerts["alerts"]] == [
        ("mn-01", "critical", 9.6)
    ]


def test_unicode_digits_are_a_bad_query_not_a_crash(commune):
    _store, url = commune
    r = requests.get(
        f"{url}/api/v1/dataValueSets", params={"limit": "²"}, headers=auth(), timeout=5
    )
    assert r.status_code == 400
    y = requests.get(f"{url}/api/v1/indicators", params={"year": "２０２６"}, timeout=5)
    assert y.status_code == 400 and "year" in y.json()["reason"]
