"""Loopback servers that speak each notification channel's API: Telegram's Bot API, Zalo
OA's message API, a signed webhook receiver, an SMS gateway (http.server), and a
real SMTP server (aiosmtpd). Each records what it accepted and can be taken down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fixtures_base import free_port, missing

TELEGRAM_TOKEN = "123456:AAH-telegram-secret-token"
ZALO_TOKEN = "zalo-oa-access-token-secret"
WEBHOOK_SECRET = "webhook-hmac-secret"
SMS_KEY = "sms-gateway-api-key"


@dataclass
class FakeApi:
    """One channel's API. `down` answers 503 (an outage); `got` holds the
    accepted requests (path, headers, body). Zalo: `refuse` maps a user id to the error
    answer Zalo gives for it (HTTP 200 with a non-zero `error`)."""

    kind: str
    down: bool = False
    refuse: dict[str, dict[str, Any]] = field(default_factory=dict)
    got: list[dict[str, Any]] = field(default_factory=list)
    seen: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[str, Any]:
        with self.lock:
            self.seen += 1
        if self.down:
            return "503 Service Unavailable", {"error": "down"}
        return self.answer(path, headers, raw)

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[str, Any]:
        body = (
            json.loads(raw)
            if raw and headers.get("Content-Type", "").startswith("application/json")
            else raw.decode()
        )
        entry = {"path": path, "headers": headers, "body": body, "raw": raw}
        if self.kind == "telegram":
            if path != f"/bot{TELEGRAM_TOKEN}/sendMessage":
                return "401 Unauthorized", {
                    "ok": False,
                    "error_code": 401,
                    "description": "Unauthorized",
                }
            if body.get("chat_id") == "bad-chat":
                return "400 Bad Request", {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: chat not found",
                }
            with self.lock:
                self.got.append(entry)
                n = len(self.got)
            return "200 OK", {
                "ok": True,
                "result": {"message_id": n, "chat": {"id": body["chat_id"]}},
            }
        if self.kind == "zalo":
            if path != "/v3.0/oa/message/cs" or headers.get("Access_Token") != ZALO_TOKEN:
                return "200 OK", {"error": -216, "message": "Access token is invalid"}
            refused = self.refuse.get(body["recipient"]["user_id"])
            if refused is not None:
                return "200 OK", refused
            with self.lock:
                self.got.append(entry)
                n = len(self.got)
            return "200 OK", {
                "error": 0,
                "message": "Success",
                "data": {"message_id": f"zmsg{n}", "user_id": body["recipient"]["user_id"]},
            }
        if self.kind == "sms":
            if headers.get("X-Api-Key") != SMS_KEY:
                return "401 Unauthorized", {"status": "error"}
            with self.lock:
                self.got.append(entry)
                n = len(self.got)
            return "200 OK", {"status": "queued", "messageId": f"sms{n}"}
        with self.lock:  # webhook
            self.got.append(entry)
        return "200 OK", {"received": True}


@contextmanager
def fake_api(kind: str) -> Iterator[tuple[str, FakeApi]]:
    """Served by http.server, not WSGI: WSGI servers drop header names with "_", and Zalo's
    API authenticates with an `access_token` header."""
    app = FakeApi(kind)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.title(): v for k, v in self.headers.items()}
            status, answer = app.handle(self.path, headers, raw)
            body = json.dumps(answer).encode()
            self.send_response(int(status.split()[0]))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:  # the path holds Telegram's token
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free loopback port; `stop()` and `start()` make
    an outage (connection refused) and bring it back on the same port."""

    def __init__(self) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            missing("aiosmtpd is not installed (pip install -e '.[test]')")
        self.messages: list[Any] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                from email import message_from_bytes
                from email.policy import default

                sink.messages.append(
                    (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default))
                )
                return "250 OK"

        self._controller_cls = Controller
        self._handler = Handler()
        self.port = free_port()
        self.start()

    def stop(self) -> None:
        self.controller.stop()

    def start(self) -> None:
        self.controller = self._controller_cls(self._handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
