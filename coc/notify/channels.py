"""Senders, one per channel type: SMTP email, a signed JSON webhook, Telegram's Bot API,
Zalo Official Account's message API and SMS gateways through an HTTP template.

Every HTTP channel goes through `coc.net` (its retry policy for quick retries within one
delivery; the outbox backs off between deliveries). A sender returns the channel's
message id (or None) or raises `SendFailed`, whose reason never holds a secret; `retry`
says whether trying later can help.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol

from coc.net import HttpClient, Refused, RetryPolicy, Target, Unreachable, hide_in_logs
from coc.notify.config import Channel
from coc.timeutil import utcnow

QUICK = RetryPolicy(max_retries=1, backoff_s=0.5, backoff_max_s=2.0, timeout_s=15.0)
SIGNATURE_HEADER = "X-COC-Signature"


class SendFailed(Exception):
    def __init__(self, reason: str, retry: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


@dataclass(frozen=True)
class Message:
    delivery_id: str  # the same on every attempt: receivers can drop a repeat
    recipient: str
    title: str
    body: str
    severity: str
    event: str
    alert_id: int | None = None
    attachment: str | None = None  # a file to attach where the channel can (email)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.body}" if self.body else self.title


class Sender(Protocol):
    def send(self, message: Message) -> str | None: ...


Sleep = Callable[[float], None]


def _http(target: Target, sleep: Sleep) -> HttpClient:
    return HttpClient(target, sleep=sleep)


def _reply_failed(exc: Unreachable | Refused) -> SendFailed:
    if isinstance(exc, Refused):
        return SendFailed(f"bị từ chối (HTTP {exc.status})", retry=exc.status in (401, 403, 404))
    return SendFailed(f"không kết nối được: {exc.reason}")


class SmtpSender:
    def __init__(self, channel: Channel, **_: Any) -> None:
        self.o, self.password = channel.options, channel.secret

    def send(self, message: Message) -> str | None:
        mail = EmailMessage()
        mail["From"] = str(self.o["sender"])
        mail["To"] = message.recipient
        mail["Subject"] = message.title
        msg_id = make_msgid(idstring=message.delivery_id.replace(":", "."), domain="coc.local")
        mail["Message-ID"] = msg_id
        mail.set_content(message.body or message.title)
        if message.attachment:
            _attach(mail, message.attachment)
        try:
            with smtplib.SMTP(str(self.o["host"]), int(self.o.get("port", 25)), timeout=15) as smtp:
                if self.o.get("starttls"):
                    smtp.starttls()
                if self.o.get("username"):
                    smtp.login(str(self.o["username"]), self.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            raise SendFailed(f"máy chủ thư trả lời {exc.smtp_code}", exc.smtp_code < 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"không gửi được thư ({type(exc).__name__})") from None
        return msg_id


def _attach(mail: EmailMessage, path: str) -> None:
    """Attach a file (the monthly report's PDF); a file gone is a final failure."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        raise SendFailed(f"không đọc được tệp đính kèm {Path(path).name}", retry=False) from None
    kind = "pdf" if path.endswith(".pdf") else "octet-stream"
    mail.add_attachment(data, maintype="application", subtype=kind, filename=Path(path).name)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over "<timestamp>." + body (the receiver checks it)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookSender:
    def __init__(self, channel: Channel, sleep: Sleep = _time.sleep, **_: Any) -> None:
        self.client = _http(Target(str(channel.options["url"]), policy=QUICK), sleep)
        self.secret = channel.secret

    def send(self, message: Message) -> str | None:
        body = json.dumps(
            {
                "id": message.delivery_id,
                "event": message.event,
                "severity": message.severity,
                "title": message.title,
                "text": message.body,
                "alertId": message.alert_id,
                "recipient": message.recipient,
            },
            ensure_ascii=False,
        ).encode()
        stamp = str(int(utcnow().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "X-COC-Delivery": message.delivery_id,
            "X-COC-Timestamp": stamp,
        }
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, stamp, body)
        try:
            reply = self.client.request("POST", "", data=body, headers=headers)
        except Unreachable as exc:
            raise _reply_failed(exc) from None
        if not 200 <= reply.status < 300:
            raise _reply_failed(Refused(self.client.target.shown(), reply.status))
        return None


class TelegramSender:
    """`POST /bot<token>/sendMessage {chat_id, text}`; the answer is `{"ok": …}`."""

    def __init__(self, channel: Channel, sleep: Sleep = _time.sleep, **_: Any) -> None:
        base = str(channel.options.get("api_url", "https://api.telegram.org")).rstrip("/")
        if not channel.secret:
            raise SendFailed("chưa đặt mã bot Telegram (biến môi trường)", retry=True)
        hide_in_logs(channel.secret)
        target = Target(f"{base}/bot{channel.secret}", policy=QUICK, shown_as=f"{base}/bot…")
        self.client = _http(target, sleep)

    def send(self, message: Message) -> str | None:
        try:
            reply = self.client.post_json(
                "/sendMessage", {"chat_id": message.recipient, "text": message.text}
            )
        except Unreachable as exc:
            raise _reply_failed(exc) from None
        data = reply.data if isinstance(reply.data, dict) else {}
        if reply.status == 200 and data.get("ok") is True:
            result = data.get("result") or {}
            return str(result.get("message_id")) if isinstance(result, dict) else None
        reason = str(data.get("description") or f"HTTP {reply.status}")[:200]
        raise SendFailed(f"Telegram từ chối: {reason}", retry=reply.status in (401, 403, 404))


# Zalo OA errors about the recipient: trying again later does not help (the citizen can
# still look the answer up by code). Any other error (token, quota, rate) is retried.
ZALO_RECIPIENT_ERRORS = {
    -213: "người nhận chưa quan tâm OA",
    -217: "người nhận đã chặn OA",
    -222: "tài khoản Zalo của người nhận bị khóa hoặc không hoạt động",
    -227: "tài khoản Zalo của người nhận bị khóa hoặc không hoạt động",
    -230: "người nhận không tương tác với OA trong 7 ngày qua (Zalo chỉ cho OA nhắn lại "
    "trong 7 ngày)",
    -232: "người nhận chưa tương tác với OA hoặc lần tương tác cuối đã hết hạn",
}
ZALO_OA_ERRORS = {
    -216: "access token Zalo OA không hợp lệ",
    -211: "OA hết hạn mức gửi tin",
    -32: "OA vượt giới hạn số lần gọi API",
}


def zalo_failure(data: Mapping[str, Any], status: int) -> SendFailed:
    """Zalo's error answer as a reason in Vietnamese; final for the recipient's errors."""
    raw = data.get("error")
    code = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    known = ZALO_RECIPIENT_ERRORS.get(code or 0) or ZALO_OA_ERRORS.get(code or 0)
    said = known or str(data.get("message") or f"HTTP {status}")[:200]
    shown = f"mã {code}" if code is not None else f"HTTP {status}"
    return SendFailed(f"Zalo từ chối ({shown}): {said}", retry=code not in ZALO_RECIPIENT_ERRORS)


class ZaloSender:
    """Zalo OA `POST /v3.0/oa/message/cs` with header `access_token`; the answer is
    `{"error": 0, "message": "Success", "data": {"message_id": …}}` (errors are HTTP 200
    with a non-zero `error`, e.g. `{"error": -230, "message": "User has not interacted
    with the OA in the past 7 days"}`)."""

    def __init__(self, channel: Channel, sleep: Sleep = _time.sleep, **_: Any) -> None:
        base = str(channel.options.get("api_url", "https://openapi.zalo.me")).rstrip("/")
        if not channel.secret:
            raise SendFailed("chưa đặt access token Zalo OA (biến môi trường)", retry=True)
        target = Target(base, policy=QUICK, headers={"access_token": channel.secret})
        self.client = _http(target, sleep)

    def send(self, message: Message) -> str | None:
        body = {"recipient": {"user_id": message.recipient}, "message": {"text": message.text}}
        try:
            reply = self.client.post_json("/v3.0/oa/message/cs", body)
        except Unreachable as exc:
            raise _reply_failed(exc) from None
        data = reply.data if isinstance(reply.data, dict) else {}
        if reply.status == 200 and data.get("error") == 0:
            inner = data.get("data") or {}
            return str(inner.get("message_id")) if isinstance(inner, dict) else None
        raise zalo_failure(data, reply.status)


def fill(template: Any, values: Mapping[str, str]) -> Any:
    """Put values into `{to}`, `{text}`, `{title}`, `{secret}` of a JSON-like template
    (plain replacement, so braces in a message stay as they are)."""
    if isinstance(template, str):
        out = template
        for key, value in values.items():
            out = out.replace("{" + key + "}", value)
        return out
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    return template


class SmsSender:
    """Any HTTP SMS gateway: `url`, `method`, `headers`, `body` (JSON object, or a form
    with `content: form`) with placeholders, and `success: {field, equals}` to read the
    answer; `id_field` names the message id in it."""

    def __init__(self, channel: Channel, sleep: Sleep = _time.sleep, **_: Any) -> None:
        o = channel.options
        self.o, self.secret = o, channel.secret or ""
        self.client = _http(Target(str(o["url"]), policy=QUICK), sleep)

    def send(self, message: Message) -> str | None:
        values = {
            "to": message.recipient,
            "text": message.text,
            "title": message.title,
            "secret": self.secret,
        }
        headers = {str(k): str(v) for k, v in fill(self.o.get("headers") or {}, values).items()}
        body = fill(self.o["body"], values)
        method = str(self.o.get("method", "POST")).upper()
        try:
            if self.o.get("content") == "form":
                reply = self.client.request(method, "", data=body, headers=headers)
            else:
                reply = self.client.request(
                    method, "", json=body, headers=headers, expect_json=True
                )
        except Unreachable as exc:
            raise _reply_failed(exc) from None
        if not 200 <= reply.status < 300:
            raise _reply_failed(Refused(self.client.target.shown(), reply.status))
        data = reply.data if isinstance(reply.data, dict) else {}
        check = self.o.get("success") or {}
        if check and str(data.get(check.get("field"))) != str(check.get("equals")):
            raise SendFailed(f"cổng SMS báo lỗi: {str(data.get(check.get('field')))[:100]}")
        id_field = self.o.get("id_field")
        return str(data[id_field]) if id_field and id_field in data else None


SENDERS: dict[str, Callable[..., Sender]] = {
    "smtp": SmtpSender,
    "webhook": WebhookSender,
    "telegram": TelegramSender,
    "zalo": ZaloSender,
    "sms": SmsSender,
}


def sender_for(channel: Channel, sleep: Sleep = _time.sleep) -> Sender:
    return SENDERS[channel.type](channel, sleep=sleep)
