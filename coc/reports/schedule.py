"""Scheduled delivery of the monthly report: on `report.day` from `report.hour` (local
time) the last month's report is generated and handed to every recipient's channel.

Each delivery is a run named `report:<period>` (coc.store.runs), so the sync page and
health show it. `outbox_send` hands each recipient's copy to the notification outbox
(coc.notify.outbox), which sends it at least once and records it once per recipient
(`/thong-bao` shows its state), retrying a channel outage with backoff: the PDF attached
by email, the link (`report.link_base`) for channels that cannot carry a file. A failed
generation is retried at the next check until it succeeds or `report.max_attempts` runs
of that period have failed; a period delivered once is never sent again, whatever
restarts happen (each recipient's copy has the outbox key report:<period>:<recipient>).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from coc.config import Settings
from coc.errors import CocError
from coc.files import private_dir, replace_atomic
from coc.indicators.catalog import Catalog
from coc.notify.outbox import enqueue
from coc.periods import month_of
from coc.reports.generate import filename, render
from coc.store import runs
from coc.store.db import Store
from coc.store.models import ConnectorRun
from coc.timeutil import VN_TZ, as_utc, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One report handed to one recipient (`channel:address`)."""

    key: str  # report:<period>:<recipient>, so a channel's outbox sends it once
    recipient: str
    subject: str
    body: str
    attachment: tuple[str, bytes] | None  # (file name, PDF)
    link: str | None  # for channels that cannot carry a file


Send = Callable[[Delivery], None]


def outbox_send(store: Store, settings: Settings, now: datetime) -> Send:
    """A `Send` that records each delivery in the notification outbox: recipients are
    `<channel>:<address>` with a channel of the notification settings; the PDF is kept
    (0600) under the data folder's reports/ and attached where the channel can."""
    folder = private_dir(settings.data_path / "reports", "thư mục báo cáo")

    def send(delivery: Delivery) -> None:
        channel, sep, address = delivery.recipient.partition(":")
        if not sep or not channel or not address:
            raise CocError(f"người nhận không hợp lệ '{delivery.recipient}' (cần kênh:địa chỉ)")
        path = None
        if delivery.attachment:
            path = folder / delivery.attachment[0]
            replace_atomic(path, delivery.attachment[1])
        with store.write() as session:
            enqueue(
                session,
                key=delivery.key,
                channel=channel,
                recipient=address,
                title=delivery.subject,
                body=delivery.body,
                severity="info",
                event="report",
                now=now,
                topic=delivery.key.rsplit(":", 2)[0],
                attachment=str(path) if path else None,
            )

    return send


def report_job(store: Store, catalog: Catalog, settings: Settings) -> str | None:
    now = utcnow()
    return deliver_due(store, catalog, settings, now, outbox_send(store, settings, now))


def register_jobs(scheduler: Any, store: Store, settings: Settings, catalog: Catalog) -> None:
    """Check every 15 minutes whether last month's report is due (a no-op when it is not
    configured, or delivered already)."""
    scheduler.add_job(report_job, "interval", minutes=15, id="monthly-report",
                      args=(store, catalog, settings), max_instances=1, coalesce=True,
                      replace_existing=True)  # fmt: skip


def due_period(settings: Settings, now: datetime) -> str | None:
    """The period whose report is due at `now`, or None: from `report.day` at
    `report.hour` (local) onward in a month, the month before it. Pure."""
    cfg = settings.report
    if cfg.day == 0 or not cfg.recipients:
        return None
    local = as_utc(now).astimezone(VN_TZ)
    if (local.day, local.hour) < (cfg.day, cfg.hour):
        return None
    return month_of(now).previous().code


def _attempts(store: Store, name: str) -> tuple[int, bool]:
    """(failed runs, delivered already) of one period's delivery."""
    with store.session() as session:
        rows = dict(
            session.execute(
                select(ConnectorRun.status, func.count())
                .where(ConnectorRun.connector == name)
                .group_by(ConnectorRun.status)
            ).all()
        )
    return int(rows.get("failed", 0)), bool(rows.get("ok", 0))


def deliveries(settings: Settings, period: str, pdf: bytes) -> list[Delivery]:
    cfg = settings.report
    subject = f"Báo cáo tháng {period[4:]}/{period[:4]} – {settings.commune.name}"
    link = (
        f"{cfg.link_base.rstrip('/')}/bao-cao/thang.pdf?period={period}" if cfg.link_base else None
    )
    body = f"{subject}.\nBáo cáo được lập tự động bởi Trung tâm giám sát, điều hành thông minh."
    if link:
        body += f"\nTải báo cáo: {link}"
    return [
        Delivery(f"report:{period}:{r}", r, subject, body, (filename(settings, period), pdf), link)
        for r in cfg.recipients
    ]


def deliver_due(
    store: Store, catalog: Catalog, settings: Settings, now: datetime, send: Send
) -> str | None:
    """Generate and send the due report if it has not been delivered; returns the run's
    status (ok, failed), or None when nothing was due."""
    period = due_period(settings, now)
    if period is None:
        return None
    name = runs.report_name(period)
    failed, delivered = _attempts(store, name)
    if delivered or failed >= settings.report.max_attempts:
        return None
    run = runs.start_run(store, name)
    sent = 0
    try:
        pdf = render(store, catalog, settings, period, now, settings.report.language, "pdf")
        for delivery in deliveries(settings, period, pdf):
            send(delivery)
            sent += 1
    except Exception as exc:  # last line of defence: the job and the scheduler go on
        log.warning("report %s: delivery failed after %d sent: %s", period, sent, exc)
        runs.finish_run(store, run, "failed", records=sent, errors=1, message=str(exc)[:500])
        return "failed"
    runs.finish_run(store, run, "ok", records=sent)
    return "ok"
