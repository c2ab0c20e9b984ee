"""What a cluster reports about a bulletin on its status topic
(`{"state": "received|playing|done|failed", "bulletin": "<id>", "ts": …, "reason": "…"}`):
the pure reading of a report (a value or a reason, never an exception) and its effect on
the deliveries, applied in the MQTT writer's transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from coc.devices.status import ms_to_dt
from coc.ingest.messages import DeliveryReport
from coc.ingest.records import Rejected
from coc.timeutil import as_utc

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

REPORT_STATES = ("received", "playing", "done", "failed")
IN_FLIGHT = ("sent", "received", "playing")
# the device state a report implies (None: the report says nothing about it)
DEVICE_STATE = {"received": None, "playing": "playing", "done": "idle", "failed": "idle"}
PREEMPTED = "preempted"
_ID = re.compile(r"[A-Za-z0-9_\-]{1,32}")
_OCC = re.compile(r"now|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
MAX_REASON = 300


def is_report(data: Any) -> bool:
    """A status payload that speaks about a bulletin."""
    return isinstance(data, dict) and "bulletin" in data


def read_report(device_id: str, data: Any, ts: int) -> DeliveryReport | Rejected:
    """A cluster's report, or why it is refused; `ts` has been checked by the caller."""
    try:
        return _read(device_id, data, ts)
    except Exception as exc:  # outside input: never raise (see the fuzz tests)
        return Rejected(f"báo cáo bản tin không đọc được: {type(exc).__name__}", device_id)


def _read(device_id: str, data: Any, ts: int) -> DeliveryReport | Rejected:
    if not isinstance(data, dict):
        return Rejected("báo cáo bản tin phải là đối tượng JSON", device_id)
    bulletin, state = data.get("bulletin"), data.get("state")
    if not isinstance(bulletin, str) or not _ID.fullmatch(bulletin):
        return Rejected("mã bản tin không hợp lệ trong báo cáo của cụm loa", device_id)
    if state not in REPORT_STATES:
        shown = state if isinstance(state, str) and len(state) <= 20 else "<không hợp lệ>"
        return Rejected(f"trạng thái bản tin không hợp lệ: {shown!r}", device_id)
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        return Rejected("'reason' của báo cáo bản tin phải là chuỗi", device_id)
    occurrence = data.get("occurrence")
    if occurrence is not None and not (isinstance(occurrence, str) and _OCC.fullmatch(occurrence)):
        return Rejected("'occurrence' của báo cáo bản tin không hợp lệ", device_id)
    if reason is not None:
        reason = "".join(ch for ch in reason if ch.isprintable())[:MAX_REASON] or None
    return DeliveryReport(device_id, bulletin, state, ts, reason, occurrence)


# states a report may move a delivery out of, per reported state (never backwards)
_FROM = {
    "received": ("pending", "sent"),
    "playing": ("pending", "sent", "received"),
    "done": ("pending", "sent", "received", "playing"),
    "failed": ("pending", "sent", "received", "playing"),
}


def apply_reports(conn: Connection, reports: Iterable[DeliveryReport]) -> list[DeliveryReport]:
    """Move each delivery the reports name; returns the reports that match no delivery
    (an unknown bulletin, or one never sent to that cluster) for quarantine. A repeated or
    late report (QoS-1 redelivery, out of order) changes nothing."""
    # Imported here: the ingest process reads reports (sensors.parse) before, and often
    # without, loading the ORM (coc.store.lite).
    from sqlalchemy import select, update

    from coc.store.models import BulletinDelivery

    unmatched: list[DeliveryReport] = []
    for r in sorted(reports, key=lambda r: r.ts):
        stmt = select(BulletinDelivery).where(
            BulletinDelivery.bulletin_id == r.bulletin_id,
            BulletinDelivery.device_id == r.device_id,
        )
        if r.occurrence:
            stmt = stmt.where(BulletinDelivery.occurrence == r.occurrence)
        rows = list(conn.execute(stmt.order_by(BulletinDelivery.starts_at.desc())).mappings())
        if not rows:
            unmatched.append(r)
            continue
        movable = [row for row in rows if row["state"] in _FROM[r.state]]
        if not movable:
            continue  # already further along: a duplicate or late report
        row = movable[0]
        at = ms_to_dt(r.ts)
        if row["sent_at"] is not None and at < as_utc(row["sent_at"]) and r.state != "failed":
            at = as_utc(row["sent_at"])
        values: dict[str, Any] = {"state": r.state, "updated_at": at}
        if r.state == "playing":
            values["played_at"] = at
        elif r.state == "done":
            values["finished_at"] = at
            if row["played_at"] is None:
                values["played_at"] = at
        elif r.state == "failed":
            values["reason"] = r.reason or "cụm loa báo lỗi"
            if r.reason == PREEMPTED:  # interrupted by a more urgent bulletin: send again
                values.update(state="pending", attempts=max(0, row["attempts"] - 1))
        conn.execute(
            update(BulletinDelivery).where(BulletinDelivery.id == row["id"]).values(**values)
        )
    return unmatched
