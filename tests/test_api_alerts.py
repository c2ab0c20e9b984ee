"""`/api/v1/alerts` over loopback: filters, and acknowledge/assign/clear as a token's user."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from fixtures_base import new_store
from fixtures_http import FEED_TOKEN, auth, commune_settings, serve_coc

from coc.alerts import lifecycle as lc
from coc.alerts.lifecycle import AlertSpec
from coc.auth.users import add_user
from coc.store.db import Store

T0 = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 23:30 local on new year's eve
CLERK_TOKEN = "alert-clerk-3b7e9a"
VIEWER_TOKEN = "alert-viewer-8c1d2f"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    store = new_store(tmp_path / "coc.sqlite3")
    add_user(store, "lan", "mật-khẩu-dài-123", role="clerk")
    add_user(store, "hoa", "mật-khẩu-dài-456", role="viewer")
    settings = commune_settings(alerts={"user_tokens": {"lan": CLERK_TOKEN, "hoa": VIEWER_TOKEN}})
    with store.write() as session:
        for subject, severity, hamlet, minutes in [
            ("a", "warning", "Thôn Kỳ Dương", 0),
            ("b", "critical", "Thôn Chương Lộc", 10),
            ("c", "info", None, 20),
        ]:
            spec = AlertSpec("source_stale", subject, severity, f"nguồn {subject}", hamlet=hamlet)
            lc.raise_alert(session, spec, T0 + timedelta(minutes=minutes))
    with serve_coc(store, settings) as (url, _app):
        yield store, url
    store.dispose()


def ids_of(url: str, **params: str) -> list[str]:
    r = requests.get(f"{url}/api/v1/alerts", params=params, headers=auth(), timeout=5)
    assert r.status_code == 200, r.text
    return [a["subject"] for a in r.json()["alerts"]]


def test_filters(served: tuple[Store, str]) -> None:
    _store, url = served
    assert ids_of(url) == ["b", "a", "c"]
    assert ids_of(url, severity="warning,info") == ["a", "c"]
    assert ids_of(url, hamlet="Thôn Chương Lộc") == ["b"]
    assert ids_of(url, since="2026-12-31T16:35:00Z") == ["b", "c"]
    assert ids_of(url, until="2026-12-31T23:45:00+07:00") == ["b", "a"]  # local time
    assert ids_of(url, kind="sensor") == []
    assert ids_of(url, state="CLEARED_ACK") == []
    for bad in ({"state": "OPEN"}, {"kind": "weather"}, {"since": "hôm qua"}, {"limit": "0"}):
        r = requests.get(f"{url}/api/v1/alerts", params=bad, headers=auth(), timeout=5)
        assert r.status_code == 400 and r.json()["reason"], bad


def test_actions_as_the_tokens_user(served: tuple[Store, str]) -> None:
    store, url = served
    alerts = requests.get(f"{url}/api/v1/alerts", headers=auth(CLERK_TOKEN), timeout=5).json()
    by = {a["subject"]: a["id"] for a in alerts["alerts"]}
    post = lambda path, body, token=CLERK_TOKEN: requests.post(  # noqa: E731
        f"{url}/api/v1/alerts/{path}", json=body, headers=auth(token), timeout=5
    )
    r = post("acknowledge", {"ids": [by["a"], by["b"]], "comment": "đã biết"})
    assert (r.status_code, r.json()) == (200, {"changed": 2, "by": "lan"})
    assert post("assign", {"id": by["b"], "assignee": "lan"}).status_code == 200
    assert post("clear", {"id": by["a"], "reason": "đã khắc phục"}).status_code == 200
    # refusals: feed token, viewer, no reason, unknown id, unknown user, extra field, no token
    assert post("acknowledge", {"ids": [by["c"]]}, FEED_TOKEN).status_code == 403
    assert post("acknowledge", {"ids": [by["c"]]}, VIEWER_TOKEN).status_code == 403
    assert post("clear", {"id": by["c"], "reason": ""}).status_code == 400
    assert (
        post("clear", {"id": 9999, "reason": "x"}).json()["reason"] == "không có cảnh báo số 9999"
    )
    assert post("assign", {"id": by["c"], "assignee": "ai-do"}).status_code == 400
    assert post("acknowledge", {"ids": [by["c"]], "x": 1}).status_code == 400
    assert requests.post(f"{url}/api/v1/alerts/clear", json={}, timeout=5).status_code == 401
    body = requests.get(
        f"{url}/api/v1/alerts",
        params={"state": "ACTIVE_ACK,CLEARED_ACK"},
        headers=auth(),
        timeout=5,
    ).json()["alerts"]
    got = {a["subject"]: a for a in body}
    assert set(got) == {"a", "b"}
    assert (got["b"]["state"], got["b"]["assignee"], got["b"]["acknowledged_by"]) == (
        "ACTIVE_ACK",
        "lan",
        "lan",
    )
    assert (got["a"]["state"], got["a"]["cleared_by"], got["a"]["clear_reason"]) == (
        "CLEARED_ACK",
        "lan",
        "đã khắc phục",
    )
    with store.session() as session:
        assert [r["state"] for r in lc.find_alerts(session)] == ["ACTIVE_UNACK", "ACTIVE_ACK"]


def test_explanation_requests_over_rest(served: tuple[Store, str]) -> None:
    """Ask, list and answer an explanation request with alert tokens; refusals carry the
    reason."""
    from fixtures_base import small_catalog

    from coc import explain

    store, url = served
    explain.set_responsible(store, small_catalog(), "TTHC_DUNG_HAN", "lan", "admin", T0)
    post = lambda path, body, token=CLERK_TOKEN: requests.post(  # noqa: E731
        f"{url}/api/v1/explanations{path}", json=body, headers=auth(token), timeout=5
    )
    due = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    ask = {"indicator": "TTHC_DUNG_HAN", "period": "202611", "question": "Vì sao trễ hạn?",
           "due": due}  # fmt: skip
    made = post("", ask)
    assert made.status_code == 200, made.text
    rid = made.json()["id"]
    assert made.json()["by"] == "lan"
    listed = requests.get(f"{url}/api/v1/explanations", headers=auth(), timeout=5).json()
    [item] = listed["explanations"]
    assert (item["id"], item["assignee"], item["status"]) == (rid, "lan", "open")

    unknown = post("", {**ask, "indicator": "KHONG_CO"})
    assert unknown.status_code == 400 and "KHONG_CO" in unknown.json()["reason"]
    assert post("", {**ask, "period": "2026-11"}).status_code == 400
    assert post("", ask, FEED_TOKEN).status_code == 403  # a feed token only reads
    assert post("/answer", {"id": rid, "answer": "Thiếu cán bộ"}, VIEWER_TOKEN).status_code == 403

    answered = post("/answer", {"id": rid, "answer": "Thiếu cán bộ một cửa trong tháng 11."})
    assert answered.status_code == 200 and answered.json()["changed"] == 1
    left = requests.get(f"{url}/api/v1/explanations", headers=auth(), timeout=5).json()
    assert left["explanations"] == []
    assert (
        explain.requests_for(store, "TTHC_DUNG_HAN", "10237", datetime.now(UTC))[0]["answer"]
        == "Thiếu cán bộ một cửa trong tháng 11."
    )
