"""Completeness registrations and approvals beside the values: a commune pushes them
upstream after the values, each kind from its own watermark, and a province that pulls a
commune reads them after its values (`pull_extras`). Pushed as
`POST …/completeDataSetRegistrations` (DHIS2's body, answered by an import summary) and
`POST …/dataApprovals/approvals` or `…/unapprovals` (DHIS2's bulk shape
`{"wf": [..], "pe": [..], "approvals": [{"ou": ..}]}`, answered 2xx, 409 on error).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from coc.approval.approve import set_approval
from coc.approval.complete import import_registrations, to_push
from coc.config import Settings
from coc.net import HttpClient, HttpError, Target
from coc.periods import recent_months
from coc.store.db import Store
from coc.store.locks import approved_pairs
from coc.store.models import CompleteRegistration, DataApproval
from coc.sync import UpstreamError, runs
from coc.timeutil import iso_utc, parse_datetime

REGISTRATIONS = "push:registrations"
APPROVALS = "push:approvals"


@dataclass
class ExtrasResult:
    """What one push sent besides values: registrations and approval changes."""

    registrations: int = 0
    approvals: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def line(self) -> str:
        parts = []
        if self.registrations:
            parts.append(f"{self.registrations} đăng ký hoàn thành")
        if self.approvals:
            parts.append(f"{self.approvals} phê duyệt")
        text = ("đã gửi " + ", ".join(parts)) if parts else ""
        return "; ".join([t for t in (text, *self.errors) if t])


@dataclass(frozen=True)
class Upstream:
    """Where values go (`coc.sync.push` says): their target, whether it is a generic DHIS2
    endpoint, and how its import summaries are read."""

    values: Target
    dhis2: bool
    read: Callable[[int, Any], Any]  # (status, body) -> Outcome with .status and .counts


def api_root(values_url: str) -> str:
    """The upstream's API root: its dataValueSets URL without the last segment."""
    url = values_url.rstrip("/")
    return url[: -len("dataValueSets")].rstrip("/") if url.endswith("dataValueSets") else url


def root_target(values: Target) -> Target:
    return Target(api_root(values.url), values.auth, values.policy, user_agent=values.user_agent)


def push_extras(
    store: Store,
    settings: Settings,
    upstream: Upstream,
    *,
    now: datetime,
    sleep: Callable[[float], None] = time.sleep,
    client: HttpClient | None = None,
) -> ExtrasResult:
    """Send the registrations and approvals changed since their watermarks; a watermark
    moves only when its kind was accepted."""
    result = ExtrasResult()
    if not settings.upstream.url:
        return result
    http = client or HttpClient(root_target(upstream.values), sleep=sleep)
    try:
        for kind, send in ((REGISTRATIONS, _registrations), (APPROVALS, _approvals)):
            since = runs.get_watermark(store, kind)
            try:
                sent = send(store, settings, upstream, http, since, now)
            except UpstreamError as exc:
                result.errors.append(str(exc))
                continue
            if kind == REGISTRATIONS:
                result.registrations += sent
            else:
                result.approvals += sent
            lag = timedelta(seconds=settings.upstream.watermark_lag_s)
            runs.set_watermark(store, kind, now - lag)
    finally:
        if client is None:
            http.close()
    return result


def _changed(store: Store, model: Any, since: datetime | None, before: datetime) -> list[Any]:
    stmt = select(model).where(model.source == "local", model.last_updated < before)
    if since is not None:
        stmt = stmt.where(model.last_updated >= since)
    with store.session() as session:
        return list(session.scalars(stmt.order_by(model.last_updated, model.id)))


def _registrations(
    store: Store,
    settings: Settings,
    upstream: Upstream,
    http: HttpClient,
    since: datetime | None,
    now: datetime,
) -> int:
    rows = _changed(store, CompleteRegistration, since, now)
    if not rows:
        return 0
    dhis2 = upstream.dhis2
    params = {"dataSetIdScheme": "CODE", "orgUnitIdScheme": "CODE"} if dhis2 else None
    body = {"completeDataSetRegistrations": [to_push(r, dhis2) for r in rows]}
    try:
        reply = http.post_json("/completeDataSetRegistrations", body=body, params=params)
    except HttpError as exc:
        raise UpstreamError(f"gửi đăng ký hoàn thành thất bại: {exc}") from None
    if reply.status in (401, 403):
        raise UpstreamError(f"upstream từ chối mã truy cập (HTTP {reply.status})")
    outcome = upstream.read(reply.status, reply.data)
    if outcome.status != "OK":
        first = outcome.counts.conflicts[0].reason if outcome.counts.conflicts else ""
        raise UpstreamError(f"đăng ký hoàn thành bị từ chối: {outcome.status} {first}".strip())
    return len(rows)


def _approvals(
    store: Store,
    settings: Settings,
    upstream: Upstream,
    http: HttpClient,
    since: datetime | None,
    now: datetime,
) -> int:
    rows = _changed(store, DataApproval, since, now)
    groups: dict[tuple[bool, str, str], list[dict[str, str]]] = {}
    for r in rows:
        target = {
            "ou": r.org_unit,
            **({"aoc": r.attribute_option_combo} if r.attribute_option_combo else {}),
        }
        groups.setdefault((bool(r.approved), r.workflow, r.period), []).append(target)
    dhis2 = upstream.dhis2
    params = {"orgUnitIdScheme": "CODE", "idScheme": "CODE"} if dhis2 else None
    for (approved, workflow, period), units in groups.items():
        path = "/dataApprovals/approvals" if approved else "/dataApprovals/unapprovals"
        body = {"wf": [workflow], "pe": [period], "approvals": units}
        try:
            reply = http.request("POST", path, params=params, json=body)
        except HttpError as exc:
            raise UpstreamError(f"gửi phê duyệt thất bại: {exc}") from None
        if not 200 <= reply.status < 300:
            raise UpstreamError(f"phê duyệt kỳ {period} bị từ chối (HTTP {reply.status})")
    return len(rows)


def pull_extras(
    store: Store,
    settings: Settings,
    code: str,
    values: Target,
    *,
    now: datetime,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """A province pulling a commune's feed also reads its registrations (from a cursor) and
    the approval state of its recent months; None when done, else what failed."""
    own = {code}
    with HttpClient(root_target(values), sleep=sleep) as http:
        try:
            _pull_registrations(store, settings, code, http, own)
            _pull_approvals(store, settings, code, http, now)
        except (HttpError, UpstreamError) as exc:
            return f"đăng ký hoàn thành/phê duyệt: {exc}"
    return None


def _pull_registrations(
    store: Store, settings: Settings, code: str, http: HttpClient, own: set[str]
) -> None:
    name = f"pull:registrations:{code}"
    since = runs.get_watermark(store, name)
    params = {"orgUnit": code, "children": "true"}
    if since is not None:
        params["lastUpdated"] = iso_utc(since) or ""
    reply = http.get_json("/completeDataSetRegistrations", params=params)
    items = reply.data.get("completeDataSetRegistrations") if isinstance(reply.data, dict) else None
    if not isinstance(items, list):
        raise UpstreamError("xã trả lời không có completeDataSetRegistrations")
    import_registrations(
        store,
        items,
        default_data_set=settings.approval.data_set,
        default_org_unit=code,
        allowed=own.__contains__,
        source="pull",
    )
    stamps = [parse_datetime(i.get("lastUpdated")) for i in items if isinstance(i, dict)]
    newest = max((s for s in stamps if s is not None), default=None)
    if newest is not None:
        runs.set_watermark(store, name, newest)  # lastUpdated ≥ it is asked again


def _pull_approvals(
    store: Store, settings: Settings, code: str, http: HttpClient, now: datetime
) -> None:
    months = recent_months(now, 13)
    reply = http.get_json("/dataApprovals/approvals", params={"pe": ",".join(months), "ou": code})
    if not isinstance(reply.data, list):
        raise UpstreamError("xã trả lời phê duyệt không phải danh sách")
    with store.session() as session:
        held = approved_pairs(session, ((code, p) for p in months))
    with store.write_conn() as conn:
        for item in reply.data:
            if not isinstance(item, dict) or item.get("ou") != code or item.get("pe") not in months:
                continue
            approved = item.get("state") == "APPROVED_HERE"
            if approved == ((code, item["pe"]) in held):
                continue
            set_approval(
                conn,
                str(item.get("wf") or settings.approval.workflow)[:64],
                code,
                item["pe"],
                approved=approved,
                actor=str(item.get("approvedBy") or code)[:64],
                at=now,
                reason=None if approved else str(item.get("reason") or "")[:500] or None,
                source="pull",
            )
