"""The one HTTP client layer (coc.net) over real loopback HTTP: retries on network errors,
5xx, 429 and unreadable JSON; Retry-After in seconds and as a date; auth schemes; no
secret in any log line."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
from fixtures_base import free_port, serve
from hypothesis import given
from hypothesis import strategies as st

from coc.net import (
    Auth,
    HttpClient,
    Refused,
    RetryPolicy,
    Target,
    Unreachable,
    parse_retry_after,
    public_url,
)

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
FAST = RetryPolicy(max_retries=3, backoff_s=0.01, backoff_max_s=5.0, timeout_s=5.0)


class Script:
    """A WSGI app answering planned (status, headers, body) in turn, then 200 {"ok": 1};
    it records each request's path, query and Authorization header."""

    def __init__(self, *plan: tuple[int, dict[str, str], bytes]) -> None:
        self.plan = list(plan)
        self.seen: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        with self.lock:
            self.seen.append(
                {
                    "method": environ["REQUEST_METHOD"],
                    "path": environ["PATH_INFO"],
                    "query": environ.get("QUERY_STRING", ""),
                    "auth": environ.get("HTTP_AUTHORIZATION"),
                    "body": body,
                }
            )
            status, headers, out = self.plan.pop(0) if self.plan else (200, {}, b'{"ok": 1}')
        start_response(f"{status} X", [("Content-Type", "application/json"), *headers.items()])
        return [out]


def _client(url: str, waits: list[float], policy: RetryPolicy = FAST, **target: Any) -> HttpClient:
    return HttpClient(Target(url, policy=policy, **target), sleep=waits.append, clock=lambda: NOW)


def test_5xx_are_retried_with_growing_jittered_waits_then_succeed():
    app = Script((503, {}, b"{}"), (500, {}, b"{}"), (502, {}, b"{}"))
    waits: list[float] = []
    with serve(app) as url:
        reply = _client(url, waits).get_json("/feed", {"limit": 5})
    assert reply.data == {"ok": 1} and reply.status == 200
    assert len(app.seen) == 4 and app.seen[-1]["query"] == "limit=5"
    # equal jitter: half of each step is fixed, half random (0.01, 0.02, 0.04 s steps)
    steps = [0.01, 0.02, 0.04]
    assert len(waits) == 3 and all(s / 2 <= w <= s for w, s in zip(waits, steps, strict=True))


def test_429_waits_at_least_retry_after_in_seconds_and_as_a_date():
    later = format_datetime(NOW + timedelta(seconds=4), usegmt=True)
    app = Script((429, {"Retry-After": "3"}, b"{}"), (503, {"Retry-After": later}, b"{}"))
    waits: list[float] = []
    with serve(app) as url:
        client = _client(url, waits)
        assert client.get_json().data == {"ok": 1}
    assert waits == [3.0, 4.0]
    assert (client.attempts.requests, client.attempts.errors) == (3, 2)


def test_retry_after_is_capped_by_the_longest_wait():
    app = Script((429, {"Retry-After": "3600"}, b"{}"))
    waits: list[float] = []
    with serve(app) as url:
        _client(url, waits).get_json()
    assert waits == [5.0]


def test_giving_up_names_the_last_failure_and_the_attempts():
    app = Script(*[(500, {}, b"{}")] * 4)
    waits: list[float] = []
    with serve(app) as url, pytest.raises(Unreachable) as err:
        _client(url, waits).get_json("/x")
    assert (err.value.reason, err.value.attempts) == ("HTTP 500", 4)
    assert str(err.value) == f"{url}/x: HTTP 500 sau 4 lần thử"
    assert len(waits) == 3  # no wait after the last try


def test_network_errors_are_retried():
    waits: list[float] = []
    client = _client(f"http://127.0.0.1:{free_port()}", waits, RetryPolicy(2, 0.01, 0.02, 2))
    with pytest.raises(Unreachable) as err:
        client.get_json()
    assert err.value.reason == "lỗi mạng (ConnectionError)" and len(waits) == 2
    assert client.attempts.errors == 3


def test_unreadable_json_is_retried_but_a_4xx_is_final():
    app = Script((200, {}, b'{"cut": '), (404, {}, b"not json"))
    waits: list[float] = []
    with serve(app) as url:
        client = _client(url, waits)
        with pytest.raises(Refused) as err:
            client.get_json("/p")
        assert err.value.status == 404 and not err.value.auth_failed
        assert len(app.seen) == 2 and len(waits) == 1
        posted = client.post_json("/in", {"dataValues": []})  # a 2xx after the plan
    assert posted.data == {"ok": 1} and json.loads(app.seen[-1]["body"]) == {"dataValues": []}


def test_a_4xx_answer_keeps_its_json_body_for_the_caller():
    app = Script((409, {}, b'{"status": "ERROR"}'))
    with serve(app) as url:
        reply = _client(url, []).post_json("", {"dataValues": []})
    assert (reply.status, reply.data) == (409, {"status": "ERROR"})


@pytest.mark.parametrize(
    ("auth", "header"),
    [
        (Auth(), None),
        (Auth.bearer("bí-mật"), "Bearer bí-mật"),
        (Auth.api_token("d2pat_abc"), "ApiToken d2pat_abc"),
        (Auth.bearer(None), None),
        (Auth.basic("vanthu", "mk"), "Basic dmFudGh1Om1r"),
    ],
)
def test_auth_schemes(auth: Auth, header: str | None):
    app = Script()
    with serve(app) as url:
        _client(url, [], auth=auth).get_json()
    seen = app.seen[0]["auth"]
    # WSGI hands header values over as Latin-1 text: decode back to see the UTF-8 token
    assert (seen.encode("latin-1").decode() if seen else None) == header
    assert "bí-mật" not in repr(auth) and "mk'" not in repr(auth)


def test_no_secret_reaches_the_logs(caplog):
    app = Script((503, {}, b"{}"))
    with serve(app) as url:
        secret_url = url.replace("http://", "http://user:s3cret-pass@") + "/x?token=q-secret"
        caplog.set_level(logging.DEBUG)
        client = _client(secret_url, [], auth=Auth.bearer("tok-secret"))
        client.get_json("", {"api_key": "k-secret"})
        dead = f"http://u:p-secret@127.0.0.1:{free_port()}/?t=z-secret"
        with pytest.raises(Unreachable) as err:
            _client(dead, [], RetryPolicy(1, 0.01, 0.01, 1)).get_json()
    ours = [r for r in caplog.records if not r.name.startswith("werkzeug")]  # not the server's
    text = "\n".join(r.getMessage() for r in ours) + str(err.value)
    assert "thử lại sau" in text  # the retry was logged …
    assert '"GET /x HTTP/1.1" 503' in text  # … and so was urllib3's request line
    for secret in ("s3cret-pass", "q-secret", "tok-secret", "k-secret", "p-secret", "z-secret"):
        assert secret not in text


def test_public_url():
    assert public_url("https://u:p@ioc.example:8443/api/v1?token=x#f") == (
        "https://ioc.example:8443/api/v1"
    )
    assert public_url("http://[::1]:bad/") == "<URL không hợp lệ>"


def test_backoff_grows_with_jitter_and_is_capped():
    policy = RetryPolicy(max_retries=5, backoff_s=1.0, backoff_max_s=8.0)
    for attempt, (low, high) in enumerate([(0.5, 1), (1, 2), (2, 4), (4, 8), (4, 8)]):
        waits = {policy.delay(attempt) for _ in range(50)}
        assert all(low <= w <= high for w in waits) and len(waits) > 1
    assert policy.delay(0, retry_after=6.0) == 6.0
    assert policy.delay(0, retry_after=60.0) == 8.0


# ── Retry-After parser: any text → seconds ≥ 0 or None, never an exception ──


@given(st.text())
def test_retry_after_never_raises(value: str):
    seconds = parse_retry_after(value, NOW)
    assert seconds is None or (seconds >= 0 and seconds != float("inf"))


@given(st.binary().map(lambda b: b.decode("latin-1")))
def test_retry_after_never_raises_on_header_bytes(value: str):
    seconds = parse_retry_after(value, NOW)
    assert seconds is None or seconds >= 0


@given(st.integers(min_value=0, max_value=10**9))
def test_retry_after_seconds(n: int):
    assert parse_retry_after(str(n), NOW) == float(n)
    assert parse_retry_after(f" {n} ", NOW) == float(n)


@given(st.integers(min_value=-(10**8), max_value=10**8))
def test_retry_after_http_date(offset: int):
    when = format_datetime(NOW + timedelta(seconds=offset), usegmt=True)
    assert parse_retry_after(when, NOW) == float(max(0, offset))


def test_retry_after_unreadable_or_absent():
    for value in (None, "", "soon", "-5", "1e3", "٣", "Mon, 99 Foo 2026 25:61:61 GMT"):
        assert parse_retry_after(value, NOW) is None


def test_a_sender_with_a_secret_in_its_path_shows_its_name_instead(caplog):
    """A Telegram-style bot URL holds the token in its path; logs and errors name it."""
    app = Script((502, {}, b"{}"), (502, {}, b"{}"))
    with serve(app) as url:
        target = Target(
            f"{url}/bot123:AAsecret",
            policy=RetryPolicy(1, 0.01, 0.01, 5),
            shown_as="telegram",
        )
        with caplog.at_level(logging.DEBUG), pytest.raises(Unreachable) as err:
            HttpClient(target, sleep=lambda _s: None).request(
                "POST", "/sendMessage", data={"chat_id": "1", "text": "Mực nước vượt báo động 2"}
            )
    assert str(err.value) == "telegram: HTTP 502 sau 2 lần thử"
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("coc")]
    assert ours and not any("AAsecret" in m for m in ours)
    assert "AAsecret" not in repr(target)
    sent = app.seen[0]
    assert sent["path"] == "/bot123:AAsecret/sendMessage"
    form = parse_qs(sent["body"].decode())
    assert form == {"chat_id": ["1"], "text": ["Mực nước vượt báo động 2"]}


def test_a_download_is_read_under_its_size_and_time_limits():
    """`max_bytes` streams the body into Reply.body; a longer one (declared or found while
    reading) is TooLarge at once, never retried; a body slower than `max_seconds` is a
    failed attempt like a network error, retried."""
    from coc.net import TooLarge

    def chunks(environ: dict[str, Any], start_response: Any) -> Any:  # no Content-Length
        start_response("200 OK", [("Content-Type", "image/jpeg")])
        return (b"x" * 1000 for _ in range(50))

    small = Script((200, {}, b"\xff\xd8" + b"y" * 98))
    with serve(small) as url:
        reply = _client(url, []).request("GET", "/a.jpg", max_bytes=100)
    assert reply.body == b"\xff\xd8" + b"y" * 98 and len(small.seen) == 1
    declared = Script((200, {"Content-Length": "5000"}, b"z" * 5000))
    with serve(declared) as url, pytest.raises(TooLarge) as err:
        _client(url, []).request("GET", "/big.jpg?sig=secret", max_bytes=4999)
    assert len(declared.seen) == 1 and str(err.value).endswith("/big.jpg: tệp lớn hơn 4999 byte")
    with serve(chunks) as url:
        with pytest.raises(TooLarge):
            _client(url, []).request("GET", "/stream.jpg", max_bytes=20_000)
        waits: list[float] = []
        with pytest.raises(Unreachable) as slow:
            _client(url, waits).request("GET", "/s.jpg", max_bytes=10**6, max_seconds=1e-9)
    assert slow.value.reason == "tải quá 1e-09 giây" and len(waits) == FAST.max_retries
