"""Push: send the values changed since the watermark upstream, page by page.

The new watermark is taken when the job starts; only values last updated before it are
sent, so the job ends even while values keep changing. The saved watermark moves forward
only past pages the upstream accepted (status OK), and sits `watermark_lag_s` behind, so a
value whose transaction committed late is re-sent rather than lost: at-least-once, made
safe by the upstream's idempotent upsert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from coc.config import PERIOD_TYPES, Settings
from coc.counts import Conflict, Counts
from coc.net import Auth, HttpClient, HttpError, RetryPolicy, Target
from coc.periods import parse_period
from coc.store.db import Store
from coc.store.locks import pushable
from coc.store.models import DataValue
from coc.sync import UpstreamError, runs
from coc.sync.extras import Upstream, push_extras
from coc.sync.rejected import held_back, match, quarantine
from coc.sync.values import Position, page, to_wire
from coc.timeutil import utcnow

log = logging.getLogger(__name__)
PERIOD_TYPE_OF = {"day": "Daily", "month": "Monthly", "quarter": "Quarterly", "year": "Yearly"}


@dataclass(kw_only=True)
class PushResult(Counts):
    """The upstream's counts of one push, with pages and values sent and the outcome."""

    status: str  # ok | failed | disabled
    pages: int = 0
    sent: int = 0
    held: int = 0  # refused before and unchanged since: not sent again
    skipped: int = 0  # in a period type the upstream does not take
    message: str | None = None
    watermark: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def line(self) -> str:
        """One Vietnamese line for the CLI and the run log."""
        if self.status == "disabled":
            return self.message or "chưa cấu hình upstream.url"
        head = "Đồng bộ thành công" if self.ok else "Đồng bộ thất bại"
        text = (
            f"{head}: {self.sent} giá trị trong {self.pages} trang (mới {self.imported}, "
            f"cập nhật {self.updated}, không đổi {self.unchanged}, xóa {self.deleted}"
            + (f", bị từ chối {self.rejected}" if self.rejected else "")
            + (f", giữ lại {self.held}" if self.held else "")
            + ")"
        )
        return f"{text}; {self.message}" if self.message else text


@dataclass(frozen=True)
class Outcome:
    """An upstream import summary, from COC or from any DHIS2 version."""

    status: str  # OK | WARNING | ERROR
    counts: Counts  # DHIS2's `ignored` is read as unchanged
    rejected: tuple[int, ...] = ()  # DHIS2's rejectedIndexes (2.38+)


def endpoint(settings: Settings) -> tuple[str, bool]:
    """(POST URL, standard DHIS2 fields only?) for the configured upstream."""
    url = (settings.upstream.url or "").rstrip("/")
    flavor = settings.upstream.flavor
    if url.endswith("dataValueSets"):
        dhis2 = flavor == "dhis2" or (
            flavor == "auto" and not url.endswith("/api/v1/dataValueSets")
        )
        return url, dhis2
    if flavor == "dhis2":
        return f"{url}/api/dataValueSets", True
    return f"{url}/api/v1/dataValueSets", False


def _count(raw: Any) -> int:
    try:
        return max(0, int(raw or 0))
    except (TypeError, ValueError, OverflowError):
        return 0


def _index(raw: Any) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0 else None


def _conflicts(raw: Any) -> list[Conflict]:
    """One conflict per value it names (DHIS2 lists several `indexes` for one reason)."""
    if not isinstance(raw, dict):
        return [Conflict(str(raw)[:500])]
    reason = str(raw.get("value") or raw.get("message") or raw)[:500]
    obj = None if raw.get("object") is None else str(raw["object"])[:200]
    code = raw.get("errorCode")
    code = str(code)[:16] if isinstance(code, str | int) and not isinstance(code, bool) else None
    indexes = raw.get("indexes")
    found = [i for i in map(_index, indexes if isinstance(indexes, list) else []) if i is not None]
    return [Conflict(reason, obj, i, code) for i in found] or [Conflict(reason, obj, None, code)]


def parse_outcome(status_code: int, body: Any) -> Outcome:
    """Read `status`, `importCount` and `conflicts` (top level or under `response`) of an
    upstream's answer; UpstreamError when it is no import summary."""
    if not isinstance(body, dict):
        raise UpstreamError(f"upstream trả lời HTTP {status_code} không phải JSON")
    inner = body.get("response") if isinstance(body.get("response"), dict) else {}
    raw = str(inner.get("status") or body.get("status") or "").upper()
    if not raw:
        reason = body.get("reason") or body.get("message") or "không có import summary"
        raise UpstreamError(f"upstream trả lời HTTP {status_code}: {str(reason)[:300]}")
    counts = inner.get("importCount") or body.get("importCount") or {}
    counts = counts if isinstance(counts, dict) else {}
    conflicts = inner.get("conflicts") or body.get("conflicts") or []
    conflicts = conflicts if isinstance(conflicts, list) else [conflicts]
    status = {"SUCCESS": "OK", "OK": "OK", "WARNING": "WARNING"}.get(raw, "ERROR")
    if status == "OK" and conflicts:
        status = "WARNING"
    rejected = inner.get("rejectedIndexes") or body.get("rejectedIndexes") or []
    rejected = rejected if isinstance(rejected, list) else []
    return Outcome(
        status,
        Counts(
            imported=_count(counts.get("imported")),
            updated=_count(counts.get("updated")),
            unchanged=_count(counts.get("ignored")),
            deleted=_count(counts.get("deleted")),
            conflicts=[c for raw in conflicts for c in _conflicts(raw)],
        ),
        tuple(sorted({i for i in map(_index, rejected) if i is not None})),
    )


def push_target(settings: Settings) -> Target:
    up = settings.upstream
    return Target(
        endpoint(settings)[0],
        Auth(up.auth_scheme, up.token),
        RetryPolicy(up.max_retries, up.backoff_s, up.backoff_max_s, up.timeout_s),
        user_agent=f"coc-sync/{settings.commune.code}",
    )


def _send(client: HttpClient, dhis2: bool, values: list[dict[str, Any]]) -> Outcome:
    params = {"dataElementIdScheme": "CODE", "orgUnitIdScheme": "CODE"} if dhis2 else None
    try:
        reply = client.post_json(body={"dataValues": values}, params=params)
    except HttpError as exc:
        raise UpstreamError(str(exc)) from None
    if reply.status in (401, 403):
        raise UpstreamError(f"upstream từ chối mã truy cập (HTTP {reply.status})")
    return parse_outcome(reply.status, reply.data)


def push_once(
    store: Store,
    settings: Settings,
    *,
    client: HttpClient | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: datetime | None = None,
) -> PushResult:
    """Send every value changed since the watermark; the watermark holds on failure."""
    up = settings.upstream
    if not up.url:
        return PushResult(
            status="disabled", message="chưa cấu hình upstream.url (COC_UPSTREAM_URL)"
        )
    start = now or utcnow()
    since = runs.get_watermark(store, runs.PUSH)
    dhis2 = endpoint(settings)[1]
    result = PushResult(status="ok", watermark=since)
    run_id = runs.start_run(store, runs.PUSH)
    own = client is None  # a client handed in is the caller's to close
    http = client or HttpClient(push_target(settings), sleep=sleep)
    try:
        _push_pages(store, http, settings, dhis2, since, start, result)
    except UpstreamError as exc:
        result.status, result.message = "failed", str(exc)
        log.error("push failed: %s", exc)
    finally:
        if own:
            http.close()
    _push_extras(store, settings, result, sleep=sleep, now=start)
    runs.finish_run(
        store,
        run_id,
        ("partial" if result.conflicts else "ok") if result.ok else "failed",
        records=result.sent,
        rejected=result.rejected,
        errors=0 if result.ok else 1,
        pages=result.pages,
        message=result.line(),
    )
    return result


def period_filter(settings: Settings, dhis2: bool) -> Callable[[str, str], bool]:
    """Whether (data element, period) is pushed: an element mapped in `upstream.elements`
    only in its data set's period type; others in `upstream.period_types`, by default all
    for a COC upstream and Daily/Monthly for DHIS2, which computes quarters and years from
    them (pushing those too would be refused, or counted twice)."""
    up = settings.upstream
    default = up.period_types
    if default is None:
        default = ["Daily", "Monthly"] if dhis2 else list(PERIOD_TYPES)
    others = set(default)
    mapped = {code: element.period_type for code, element in up.elements.items()}

    def pushed(element: str, period: str) -> bool:
        try:
            kind = PERIOD_TYPE_OF[parse_period(period).kind]
        except (ValueError, KeyError):
            return True  # an odd period is the upstream's to refuse, with its reason
        wanted = mapped.get(element)
        return kind == wanted if wanted is not None else kind in others

    return pushed


def _push_extras(
    store: Store,
    settings: Settings,
    result: PushResult,
    *,
    sleep: Callable[[float], None],
    now: datetime,
) -> None:
    """Completeness registrations and approvals follow the values (coc.sync.extras)."""
    upstream = Upstream(push_target(settings), endpoint(settings)[1], parse_outcome)
    extras = push_extras(store, settings, upstream, now=now, sleep=sleep)
    line = extras.line()
    if line:
        result.message = f"{result.message}; {line}" if result.message else line
    if not extras.ok:
        result.status = "failed"


def _push_pages(
    store: Store,
    http: HttpClient,
    settings: Settings,
    dhis2: bool,
    since: datetime | None,
    start: datetime,
    result: PushResult,
) -> None:
    """POST page after page; the watermark follows each delivered page, `watermark_lag_s`
    behind. A page is delivered when the upstream stored it or refused some of its values
    by name (those go to quarantine, `deliver_page`); UpstreamError stops at the first
    page refused as a whole."""
    up = settings.upstream
    lag = timedelta(seconds=up.watermark_lag_s)
    pushed = period_filter(settings, dhis2)
    after: Position | None = None
    while True:
        with store.session() as session:
            rows = page(session, since=since, before=start, after=after, limit=up.page_size)
        if not rows:
            break
        # only the period types the upstream takes, and (approval.push_approved_only)
        # only approved periods: approving renews lastUpdated, so those go out then
        wanted = [r for r in pushable(store, settings, rows) if pushed(r.indicator_code, r.period)]
        result.skipped += len(rows) - len(wanted)
        deliver_page(store, http, settings, dhis2, wanted, result)
        result.pages += 1
        after = Position(rows[-1].last_updated, int(rows[-1].id or 0))
        # lag behind the page too: a value committed late with an earlier lastUpdated
        # must still be found by the next run if a later page fails
        result.watermark = min(after.last_updated, start) - lag
        runs.set_watermark(store, runs.PUSH, result.watermark)
        if len(rows) < up.page_size:
            break
    result.watermark = start - lag
    runs.set_watermark(store, runs.PUSH, result.watermark)


ACCESS_CODES = frozenset({"E7600", "E7601", "E7603", "E7612", "E7617"})


def refused_for_access(refused: dict[int, Conflict], sent: int) -> bool:
    """Every value refused because the sender may not write there (a wrong token or
    upstream configuration, not bad values): the page fails, nothing is quarantined."""
    return len(refused) == sent and all(c.code in ACCESS_CODES for c in refused.values())


def deliver_page(
    store: Store,
    http: HttpClient,
    settings: Settings,
    dhis2: bool,
    rows: list[DataValue],
    result: PushResult,
    rounds: int = 3,
) -> None:
    """Send one page's values, less those refused before and unchanged since; quarantine
    the ones the upstream refuses now. UpstreamError when it refuses the page as a whole
    (an ERROR or WARNING that names no value). An ERROR that names some values and
    stored none of the others (all or nothing) is sent again without the named ones."""
    upstream = settings.upstream.url or ""
    wires = [to_wire(r, standard_only=dhis2) for r in rows]
    held = held_back(store, upstream, wires)
    result.held += len(held)
    sent = [w for i, w in enumerate(wires) if i not in held]
    if not sent:
        return
    outcome = _send(http, dhis2, sent)
    refused, loose = match(outcome.counts.conflicts, outcome.rejected, sent)
    if outcome.status != "OK" and (
        (not refused and (outcome.status == "ERROR" or not loose))
        or refused_for_access(refused, len(sent))
    ):
        result.conflicts = outcome.counts.conflicts[:20]
        raise UpstreamError(
            f"trang {result.pages + 1} bị từ chối: {outcome.status}, "
            f"{len(outcome.counts.conflicts)} xung đột"
        )
    if refused or loose:
        shown = push_target(settings).shown("")
        quarantine(
            store,
            upstream,
            shown,
            result.pages + 1,
            {i: (sent[i], c) for i, c in refused.items()},
            loose,
        )
    counts = outcome.counts
    stored = counts.imported + counts.updated + counts.deleted
    if outcome.status == "ERROR" and refused and len(refused) < len(sent) and not stored:
        if rounds <= 1:
            raise UpstreamError(f"trang {result.pages + 1} vẫn bị từ chối cả trang")
        result.rejected += len(refused)
        deliver_page(store, http, settings, dhis2, rows, result, rounds - 1)
        result.held -= len(held) + len(refused)  # counted again by the round above
        return
    result.sent += len(sent)
    result.imported += counts.imported
    result.updated += counts.updated
    result.unchanged += max(0, counts.unchanged - len(refused))  # DHIS2 counts them ignored
    result.deleted += counts.deleted
    result.rejected += len(refused)
    result.conflicts.extend([*refused.values(), *loose][: max(0, 20 - len(result.conflicts))])
