"""The published answer back to the citizen, through the channel they used: a Zalo OA
message to the Zalo user who sent the report, an SMS to the phone they left (web form or
hotline).

`queue` runs in the transaction that publishes the answer and writes one row to the
notification outbox (coc.notify.outbox), which sends it at least once and retries with
backoff through an outage or a restart; nothing is sent from the web request. The row
holds no address: its recipient is `ref:fieldreport:<code>`, and `ReportAddressee` looks
the address up when the row is sent — the only place the sealed Zalo user id is opened
(coc.fieldreports.contact) — so the id is never in the outbox, its settings page or a
log line. The text is the commune, the short code, the published answer and the public
status link: nothing the citizen did not write or could not look up.

The outcome is kept on the report and audited: queued → sent | retrying | failed (with
the channel's reason), or not_sendable with why (no channel configured, no phone left, a
report received before Zalo ids were kept); the clerk sees it on the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from coc.config import Settings
from coc.errors import CocError, ConfigError
from coc.fieldreports.contact import ContactBox
from coc.fieldreports.service import ENTITY, by_code, shown_code
from coc.notify.channels import SendFailed
from coc.notify.config import NotifyConfig, load_notify
from coc.notify.outbox import Addressee, enqueue, reference
from coc.store import audit
from coc.store.models import FieldReport

KIND = "fieldreport"
ACTOR = "coc"
ZALO_ANSWER_CHARS = 1500  # a Zalo OA text message holds 2,000 characters
SMS_ANSWER_CHARS = 300  # a few SMS parts; the link has the rest
OUTBOX_STATES = {"sent": "sent", "failed": "retrying", "dead": "failed"}
WAYS = {"zalo": ("Zalo OA", "zalo", "zalo_channel"), "sms": ("SMS", "sms", "answer_channel")}


@dataclass(frozen=True)
class Routes:
    """Where answers can go: the notification channel for each way ("zalo", "sms"), or
    why that way is not available; and what the text needs."""

    channels: Mapping[str, str] = field(default_factory=dict)
    missing: Mapping[str, str] = field(default_factory=dict)
    commune: str = ""
    link_base: str | None = None

    @classmethod
    def of(cls, settings: Settings, cfg: NotifyConfig | None, broken: str = "") -> Routes:
        fr = settings.fieldreports
        channels: dict[str, str] = {}
        missing: dict[str, str] = {}
        for way, (label, kind, setting) in WAYS.items():
            name = getattr(fr, setting)
            channel = cfg.channels.get(name) if cfg is not None and name else None
            setting_name = f"fieldreports.{setting}"
            named = f"kênh '{name}' ({setting_name})"
            if not name:
                missing[way] = f"chưa cấu hình kênh {label} để gửi phản hồi ({setting_name})"
            elif cfg is None:
                missing[way] = f"tệp cấu hình thông báo có lỗi: {broken}"
            elif channel is None:
                missing[way] = f"{named} không có trong cấu hình thông báo"
            elif channel.type != kind:
                missing[way] = f"{named} không phải kênh {label}"
            else:
                channels[way] = name
        base = fr.public_url or settings.report.link_base
        return cls(channels, missing, settings.commune.name, base.rstrip("/") if base else None)

    @classmethod
    def load(cls, settings: Settings, environ: Mapping[str, str]) -> Routes:
        """From the settings and the notification settings; a broken notifications file
        makes every way unavailable, with its error as the reason."""
        try:
            return cls.of(settings, load_notify(settings, environ))
        except ConfigError as exc:
            return cls.of(settings, None, str(exc))


def link(routes: Routes, code: str) -> str | None:
    return f"{routes.link_base}/phan-anh/ma/{shown_code(code)}" if routes.link_base else None


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def message(report: FieldReport, routes: Routes, limit: int) -> tuple[str, str]:
    """Title and body: who answers, the code, the answer (cut to `limit`), the link."""
    shown = shown_code(report.code)
    title = f"{routes.commune} trả lời phản ánh {shown}".strip()
    url = link(routes, report.code)
    see = f"Xem chi tiết: {url}" if url else f"Tra cứu bằng mã {shown} trên trang phản ánh của xã."
    return title, f"{_cut(report.answer or '', limit)}\n{see}"


def way_of(report: FieldReport) -> str | None:
    """How this report's answer goes back: "zalo", "sms", or None (no way)."""
    if report.channel == "zalo":
        return "zalo"
    return "sms" if report.reporter_phone else None


def _way(report: FieldReport) -> tuple[str | None, str | None]:
    """(way, None) the report's answer can take, or (None, why it cannot)."""
    way = way_of(report)
    if way == "zalo" and not report.sender_sealed:
        return None, "phản ánh nhận qua Zalo trước khi hệ thống lưu mã người gửi"
    if way is None:
        return None, "người phản ánh không để lại số điện thoại; họ tra cứu bằng mã"
    return way, None


def _set(session: Session, report: FieldReport, state: str, note: str | None,
         now: datetime) -> None:  # fmt: skip
    """Record the outcome; audited when it changes (a retry failing the same way again
    only moves the time)."""
    old = report.answer_delivery
    changed = (old, report.answer_delivery_note) != (state, note)
    report.answer_delivery, report.answer_delivery_note = state, note
    report.answer_delivery_at = now
    if changed:
        audit.record(session, ACTOR, "deliver", ENTITY, report.code, old=old, new=state,
                     detail=note)  # fmt: skip


def queue(session: Session, report: FieldReport, routes: Routes, now: datetime) -> str:
    """Queue the published answer to the citizen (once per report); the sentence the
    clerk and the audit log read about it."""
    way, why = _way(report)
    if way is not None and way not in routes.channels:
        why = routes.missing.get(way, "chưa cấu hình kênh gửi phản hồi")
    if way is None or why:
        _set(session, report, "not_sendable", why, now)
        return f"không gửi được tới người phản ánh: {why}"
    limit = ZALO_ANSWER_CHARS if way == "zalo" else SMS_ANSWER_CHARS
    title, body = message(report, routes, limit)
    enqueue(
        session,
        key=f"fieldreport-answer:{report.code}",
        channel=routes.channels[way],
        recipient=reference(KIND, report.code),
        title=title,
        body=body,
        severity="info",
        event="answer",
        now=now,
        topic=f"fieldreport:{report.code}",
    )
    _set(session, report, "queued", None, now)
    return f"chờ gửi phản hồi qua {WAYS[way][0]}"


class ReportAddressee:
    """The outbox's `Addressee` for `ref:fieldreport:<code>`: the Zalo user id (opened
    here, and only here) or the phone; each result recorded on the report."""

    def __init__(self, settings: Settings | None = None, box: ContactBox | None = None) -> None:
        self._settings, self._box = settings, box

    def _opener(self) -> ContactBox:
        if self._box is None:
            if self._settings is None:
                raise SendFailed("chưa có khóa mã hóa liên hệ", retry=True)
            self._box = ContactBox.from_settings(self._settings)
        return self._box

    def address(self, session: Session, key: str, channel_type: str) -> str:
        report = by_code(session, key)
        if report is None:
            raise SendFailed("không còn phản ánh này", retry=False)
        if channel_type == "zalo":
            if not report.sender_sealed:
                raise SendFailed("phản ánh không có mã người dùng Zalo", retry=False)
            try:
                return self._opener().open(report.sender_sealed)
            except CocError as exc:  # wrong or broken key: kept sealed, tried again later
                raise SendFailed(str(exc), retry=True) from None
        if not report.reporter_phone:
            raise SendFailed("phản ánh không có số điện thoại", retry=False)
        return report.reporter_phone

    def outcome(
        self, session: Session, key: str, status: str, reason: str | None, now: datetime
    ) -> None:
        report = by_code(session, key)
        if report is not None and status in OUTBOX_STATES:
            state = OUTBOX_STATES[status]
            _set(session, report, state, None if state == "sent" else reason, now)


def addressees(settings: Settings) -> dict[str, Addressee]:
    """What `coc.notify.outbox.dispatch` needs to send the answers queued here."""
    return {KIND: ReportAddressee(settings)}
