"""Push completeness registrations and approvals upstream, after the values, each kind
from its own watermark: `POST …/completeDataSetRegistrations` (DHIS2's body, answered by
an import summary) and `POST …/dataApprovals/approvals` or `…/unapprovals` (DHIS2's bulk
shape `{"wf": [..], "pe": [..], "approvals": [{"ou": ..}]}`, answered 2xx, 409 on error).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from coc.approval.complete import to_push
from coc.config import Settings
from coc.net import HttpClient, HttpError, Target
from coc.store.db import Store
from coc.store.models import CompleteRegistration, DataApproval
from coc.sync import UpstreamError, runs

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
