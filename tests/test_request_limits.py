"""Request bodies are limited on every route before they are read, Dash callbacks included,
and the feed's POST answers 400 with a reason for JSON it cannot take."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pytest
import requests
from fixtures_base import free_port, new_store, small_catalog
from fixtures_http import PUSH_TOKENS, auth, province_settings
from fixtures_web import ORIGIN, finish_job, login, make_settings, texts

from coc.api import create_app
from coc.api.limits import MB, BodyLimits
from coc.cli.context import Context
from coc.cli.runtime import Services, start_web

pytestmark = pytest.mark.timeout(90)
CALLBACK = "/_dash-update-component"


def _declared(client, path: str, length: int, **kwargs):
    """POST that declares `length` bytes but sends almost none: only a check that runs
    before the body is read can answer it at once."""
    return client.post(
        path,
        input_stream=io.BytesIO(b"{}"),
        environ_overrides={"CONTENT_LENGTH": str(length)},
        content_type="application/json",
        **kwargs,
    )


def test_limits_follow_the_route() -> None:
    limits = BodyLimits(default=2 * MB, upload=15 * MB, feed=32 * MB)
    assert limits.for_request("POST", "/api/v1/dataValueSets", lambda: False) == 32 * MB
    assert limits.for_request("POST", "/api/dataValueSets", lambda: False) == 32 * MB
    assert limits.for_request("POST", CALLBACK, lambda: False) == 2 * MB
    assert limits.for_request("POST", CALLBACK, lambda: True) == 15 * MB
    assert limits.for_request("POST", "/login", lambda: True) == 2 * MB
    assert limits.largest == 32 * MB


def test_anonymous_dash_callback_is_refused_before_reading(fresh_app) -> None:
    client = fresh_app.server.test_client()
    response = _declared(client, CALLBACK, 150 * MB, headers=ORIGIN)
    assert response.status_code == 413
    assert response.json == {
        "error": "too_large",
        "reason": "nội dung yêu cầu quá lớn (tối đa 2 MB)",
        "limit": 2 * MB,
    }


def test_clerk_gets_the_upload_limit(fresh_app) -> None:
    client = fresh_app.server.test_client()
    login(client, "thuky")
    assert _declared(client, CALLBACK, 16 * MB, headers=ORIGIN).status_code == 413
    big = {
        "output": "entry-upload-message.children",
        "outputs": {"id": "entry-upload-message", "property": "children"},
        "inputs": [
            {
                "id": "entry-upload",
                "property": "contents",
                "value": "data:application/octet-stream;base64," + "QUJD" * (MB),  # 4 MB
            }
        ],
        "state": [
            {"id": "entry-upload", "property": "filename", "value": "so-lieu.bin"},
            {"id": "entry-lang", "property": "data", "value": "vi"},
            {"id": "entry-ou", "property": "data", "value": "10237"},
        ],
        "changedPropIds": ["entry-upload.contents"],
    }
    answer = client.post(CALLBACK, json=big, headers=ORIGIN)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    pending = answer.json["response"]["entry-upload-message"]["children"]
    message = texts(finish_job(client, "entry-upload", pending))
    assert "không hỗ trợ định dạng tệp '.bin'" in " ".join(message)
    anonymous = fresh_app.server.test_client()
    assert anonymous.post(CALLBACK, json=big, headers=ORIGIN).status_code == 413


def test_chunked_body_is_cut_off_at_the_limit(fresh_app) -> None:
    client = fresh_app.server.test_client()
    response = client.post(
        "/login",
        input_stream=io.BytesIO(b"a" * (3 * MB)),
        environ_overrides={"wsgi.input_terminated": True},
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response.json["reason"] == "nội dung yêu cầu quá lớn (tối đa 2 MB)"


def _raw_post(port: int, path: str, length: int, body: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        )
        sock.sendall(head.encode() + body)
        return sock.recv(65536)


def test_waitress_stops_at_the_largest_limit_and_flask_at_the_route(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    ctx = Context(settings)
    port = free_port()
    with Services() as services:
        start_web(ctx, services, "127.0.0.1", port)
        url = f"http://127.0.0.1:{port}"
        # 150 MB declared, nothing sent: waitress refuses on the header alone
        assert _raw_post(port, CALLBACK, 150 * MB).startswith(b"HTTP/1.1 413")
        # 3 MB really sent to an anonymous Dash callback: the route's 2 MB limit
        sent = requests.post(f"{url}{CALLBACK}", data=b"[" * (3 * MB), timeout=30)
        assert sent.status_code == 413
        assert sent.json()["reason"] == "nội dung yêu cầu quá lớn (tối đa 2 MB)"

        def chunks():
            for _ in range(3):
                yield b" " * MB

        chunked = requests.post(
            f"{url}{CALLBACK}", data=chunks(), timeout=30, headers={"Content-Type": "text/plain"}
        )
        assert chunked.status_code == 413
        assert chunked.json()["error"] == "too_large"
    ctx.store.dispose()


@pytest.fixture
def province_client(tmp_path: Path):
    store = new_store(tmp_path / "p.sqlite3")
    settings = province_settings(feed={"max_post_mb": 1})
    app = create_app(store, settings, small_catalog())
    yield app.test_client()
    store.dispose()


def _push(client, body: bytes | str, content_type: str = "application/json"):
    return client.post(
        "/api/v1/dataValueSets",
        data=body,
        content_type=content_type,
        headers=auth(PUSH_TOKENS["10237"]),
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "JSON lồng quá sâu (tối đa 32 cấp)"),
        ('{"dataValues": [' + "{" * 50 + "}" * 50 + "]}", "JSON lồng quá sâu (tối đa 32 cấp)"),
        ('{"dataValues": [{"value": 1e999}]}', "số vượt quá giới hạn trong JSON: 1e999"),
        ('{"dataValues": [{"value": -1e999}]}', "số vượt quá giới hạn trong JSON: -1e999"),
        ('{"dataValues": [{"value": ' + "9" * 400 + "}]}", "số quá dài trong JSON (tối đa 40"),
        ('{"dataValues": [{"value": NaN}]}', "NaN không phải giá trị JSON hợp lệ"),
        ('{"dataValues": [{"value": -Infinity}]}', "-Infinity không phải giá trị JSON hợp lệ"),
        ('{"dataValues": [', "JSON không hợp lệ ở dòng 1, cột 17: thiếu giá trị"),
        (b'{"dataValues": ["\xff"]}', "nội dung không phải văn bản UTF-8"),
    ],
)
def test_poison_json_is_a_400_with_a_reason(province_client, body, reason) -> None:
    response = _push(province_client, body)
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.json["error"] == "bad_request"
    assert response.json["reason"].startswith(reason)


def test_push_needs_json_content_type_and_fits_the_feed_limit(province_client) -> None:
    wrong = _push(province_client, json.dumps({"dataValues": []}), "text/plain")
    assert wrong.status_code == 400
    assert wrong.json["reason"] == "Content-Type phải là application/json"
    big = _push(province_client, '{"dataValues": [' + " " * MB + "]}")
    assert big.status_code == 413
    assert big.json["reason"] == "nội dung yêu cầu quá lớn (tối đa 1 MB)"
    fine = _push(province_client, json.dumps({"dataValues": []}))
    assert fine.status_code == 200 and fine.json["status"] == "OK"


def test_query_string_that_is_not_utf8_is_a_400(fresh_app) -> None:
    client = fresh_app.server.test_client()
    for path in ("/api/v1/health", "/chi-tieu", "/login"):
        response = client.get(path, environ_overrides={"QUERY_STRING": "period=\x80\xff"})
        assert response.status_code == 400, path
        assert response.json["reason"] == "chuỗi truy vấn (query string) không phải UTF-8"


def test_chunked_push_is_cut_off_at_the_feed_limit(province_client) -> None:
    response = province_client.post(
        "/api/v1/dataValueSets",
        input_stream=io.BytesIO(b'{"dataValues": [' + b" " * (2 * MB) + b"]}"),
        environ_overrides={"wsgi.input_terminated": True},  # no Content-Length: chunked
        content_type="application/json",
        headers=auth(PUSH_TOKENS["10237"]),
    )
    assert response.status_code == 413
    assert response.json["reason"] == "nội dung yêu cầu quá lớn (tối đa 1 MB)"
