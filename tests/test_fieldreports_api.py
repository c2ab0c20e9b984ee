"""The field-report intake API over real HTTP on loopback: hotline tickets, Zalo webhook
events, status by code, tokens, limits and quarantine; and the OpenAPI document."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fieldreports_helpers import PHONE
from fixtures_base import new_store
from fixtures_http import commune_settings, serve_coc

from coc.api.openapi import openapi_document
from coc.fieldreports import queries
from coc.store import quarantine
from coc.store.db import Store

TOKEN = "hotline-token-5e6f7a8b9c"
ZALO_SECRET = "zalo-oa-secret-123"
TICKET = {
    "callId": "HL-1",
    "callerNumber": PHONE,
    "callerName": "Lê Văn Cường",
    "category": "giao_thong",
    "content": "Cầu tạm qua mương bị gãy một nhịp",
    "hamlet": "Thôn Chương Lộc",
}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    store = new_store(tmp_path / "api.sqlite3")
    settings = commune_settings(
        http={"secret_key": "k" * 32},
        fieldreports={"tokens": [TOKEN], "zalo_app_id": "app9", "zalo_secret": ZALO_SECRET,
                      "per_address_hour": 3, "hard_factor": 2},
    )  # fmt: skip
    with serve_coc(store, settings) as (url, _app):
        yield url + "/api/v1", store


def post(url: str, body: object, token: str | None = TOKEN) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{url}/fieldReports", json=body, headers=headers, timeout=10)


def test_hotline_ticket_status_and_resend(api: tuple[str, Store]) -> None:
    url, store = api
    first = post(url, TICKET)
    assert first.status_code == 201
    code = first.json()["code"]
    assert first.json() == {"code": code, "status": "received"} and code.startswith("PA-")
    again = post(url, TICKET)
    assert (again.status_code, again.json()) == (200, {"code": code, "status": "duplicate"})
    status = requests.get(f"{url}/fieldReports/{code.lower()}", timeout=10,
                          headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    body = status.json()
    assert status.status_code == 200 and body["state"] == "moi" and body["category"] == "giao_thong"
    assert PHONE not in status.text and "Cường" not in status.text
    assert queries.clerk_rows(store)[0]["reporter_phone"] == PHONE


def test_tokens(api: tuple[str, Store]) -> None:
    url, _ = api
    assert post(url, TICKET, token=None).status_code == 401
    wrong = post(url, TICKET, token="nope")
    assert (wrong.status_code, wrong.json()["reason"]) == (401, "mã truy cập không hợp lệ")
    assert requests.get(f"{url}/fieldReports/PA-2345AB", timeout=10).status_code == 401


def test_bad_ticket_is_400_with_reason_and_quarantined(api: tuple[str, Store]) -> None:
    url, store = api
    bad = post(url, {**TICKET, "callId": "HL-2", "content": "ngắn"})
    assert (bad.status_code, bad.json()["reason"]) == (400, "nội dung cần ít nhất 10 ký tự")
    not_json = requests.post(f"{url}/fieldReports", data="{", timeout=10,
                             headers={"Authorization": f"Bearer {TOKEN}",
                                      "Content-Type": "application/json"})  # fmt: skip
    assert not_json.status_code == 400
    held = quarantine.listing(store)
    assert [(q.source, q.reason) for q in held] == [
        ("fieldreports.hotline", "nội dung cần ít nhất 10 ký tự")
    ]


def test_hotline_is_not_limited_per_address_but_per_caller(api: tuple[str, Store]) -> None:
    """The switchboard sends every citizen's call from one address: 30 callers in an hour
    are all received (the form's per-address limit here is 3); one caller calling again
    and again is still held for moderation past 5 a day, then refused 429."""
    url, store = api
    tickets = [{**TICKET, "callId": f"HL-{i}", "callerNumber": f"09100000{i:02d}",
                "content": f"Sự cố số {i} trên đường liên thôn"} for i in range(30)]  # fmt: skip
    answers = [post(url, t) for t in tickets]
    assert [(a.status_code, a.json()["status"]) for a in answers] == [(201, "received")] * 30
    same = [{**TICKET, "callId": f"HL-R{i}", "callerNumber": "0912345678",
             "content": f"Gọi lại lần {i}: đèn đường Hà Vỹ tắt"} for i in range(11)]  # fmt: skip
    repeats = [post(url, t) for t in same]
    got = [(a.status_code, a.json().get("status")) for a in repeats]
    assert got == [(201, "received")] * 5 + [(201, "moderation")] * 5 + [(429, None)]
    assert repeats[-1].headers["Retry-After"] == "86400"
    assert len(queries.clerk_rows(store, states=("cho_kiem_duyet",))) == 5
    assert len(queries.clerk_rows(store, states=("moi",))) == 35


def zalo(url: str, event: dict, secret: str = ZALO_SECRET) -> requests.Response:
    raw = json.dumps(event, ensure_ascii=False).encode()
    mac = hashlib.sha256(b"app9" + raw + str(event.get("timestamp", "")).encode()
                         + secret.encode()).hexdigest()  # fmt: skip
    return requests.post(f"{url}/fieldReports/zalo", data=raw, timeout=10,
                         headers={"Content-Type": "application/json",
                                  "X-ZEvent-Signature": f"mac={mac}"})  # fmt: skip


def event(name: str, msg_id: str, **message: object) -> dict:
    return {"app_id": "app9", "user_id_by_app": "8812", "event_name": name,
            "timestamp": str(int(time.time() * 1000)), "sender": {"id": "3368637342326461234"},
            "recipient": {"id": "579745863508352884"},
            "message": {"msg_id": msg_id, **message}}  # fmt: skip


def test_zalo_webhook(api: tuple[str, Store]) -> None:
    url, store = api
    text = zalo(
        url, event("user_send_text", "m1", text="#thien_tai Bờ đê đoạn Từ Vân có vết nứt dài")
    )
    assert text.status_code == 201
    code = text.json()["code"]
    image = zalo(url, event("user_send_image", "m2", attachments=[
        {"type": "image", "payload": {"url": "https://photo.zalo.example/1.jpg"}}]))  # fmt: skip
    assert (image.status_code, image.json()["code"]) == (201, code)
    assert zalo(url, event("user_send_text", "m1", text="x" * 20)).json()["status"] == "duplicate"
    follow = zalo(url, {"event_name": "follow", "timestamp": "1"})
    assert (follow.status_code, follow.json()) == (200, {"status": "ignored", "event": "follow"})
    forged = zalo(url, event("user_send_text", "m3", text="Tin giả mạo chữ ký Zalo"), secret="x")
    assert forged.status_code == 401
    row = queries.clerk_detail(store, code.replace("-", ""))
    assert row is not None and row["category"] == "thien_tai" and row["channel"] == "zalo"
    assert [(p["state"], p["link"]) for p in row["photos"]] == [
        ("pending", "https://photo.zalo.example/1.jpg")
    ]


def test_openapi_lists_the_intake() -> None:
    paths = openapi_document(commune_settings())["paths"]
    assert set(paths["/fieldReports"]) == {"post"}
    assert "429" in paths["/fieldReports"]["post"]["responses"]
    schema = paths["/fieldReports/{code}"]["get"]["responses"]["200"]
    assert schema["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FieldReportStatus"
    }


def test_schemathesis_finds_no_server_error_in_the_intake(
    api: tuple[str, Store], tmp_path: Path
) -> None:
    """Schemathesis fuzzes the hotline POST and the status GET of a commune with an intake
    token: no 5xx. (The Zalo webhook answers 401 to anything unsigned; its parser has its
    hypothesis tests.)"""
    from test_api_schemathesis import _schemathesis

    url, _ = api
    result = subprocess.run(
        [*_schemathesis(), "run", f"{url}/openapi.json", "--url", url,
         "--checks", "not_a_server_error", "--max-examples", "40", "--seed", "20261202",
         "--phases", "examples,coverage,fuzzing", "--workers", "1", "--request-timeout", "10",
         "-H", f"Authorization: Bearer {TOKEN}",
         "--include-path-regex", r"^/fieldReports(/\{code\})?$"],
        capture_output=True, text=True, timeout=100, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout, result.stdout[-3000:]
