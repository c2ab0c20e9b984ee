"""Approval before upload: the chairperson (role `approver`) approves an org unit's period,
which locks its values. A change to a locked value (form, import, connector, recompute) is
held in quarantine with the reason until someone un-approves the period with a reason.

States follow DHIS2's data approval states, kept to the four a commune needs:
APPROVED_HERE, UNAPPROVED_READY (may be approved), UNAPPROVED_WAITING (validation flags
must be resolved first) and UNAPPROVABLE (the period has not ended, or holds no values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from coc.approval.complete import registration
from coc.config import Settings
from coc.counts import Counts
from coc.errors import ValidationError
from coc.indicators.validation import OPEN, Flag, open_flags
from coc.ingest.records import Rejected
from coc.periods import parse_period
from coc.scope import Scope
from coc.scope import check as check_unit
from coc.store.db import Store
from coc.store.locks import approved_pairs
from coc.store.models import AuditLog, DataApproval, DataValue, ValidationFlag
from coc.timeutil import iso_utc, utcnow

APPROVED = "APPROVED_HERE"
READY = "UNAPPROVED_READY"
WAITING = "UNAPPROVED_WAITING"
UNAPPROVABLE = "UNAPPROVABLE"
STATES = (APPROVED, READY, WAITING, UNAPPROVABLE)
Pair = tuple[str, str]  # (org unit, period)


def blocking_flags(store: Store, org_unit: str, period: str) -> list[Flag]:
    """Open validation-rule flags of the org unit's period (coc.indicators.validation):
    they block approval until a clerk confirms or corrects the values."""
    return open_flags(store, org_unit, period)


def flag_text(flag: Flag, lang: str = "vi") -> str:
    """A flag as one line for a person: the rule's message with the figures."""
    return flag.message(lang)


def _flagged_pairs(store: Store, pairs: Sequence[Pair]) -> set[Pair]:
    """(org unit, period) pairs among `pairs` with an open validation flag, in one query."""
    if not pairs:
        return set()
    stmt = select(ValidationFlag.org_unit, ValidationFlag.period).where(
        ValidationFlag.status == OPEN,
        ValidationFlag.org_unit.in_({ou for ou, _p in pairs}),
        ValidationFlag.period.in_({p for _ou, p in pairs}),
    )
    with store.session() as session:
        return {(ou, p) for ou, p in session.execute(stmt)} & set(pairs)


@dataclass(frozen=True)
class ApprovalStatus:
    org_unit: str
    period: str
    state: str
    values: int
    approved_by: str | None = None
    approved_at: datetime | None = None
    unapproved_by: str | None = None
    unapproved_at: datetime | None = None
    reason: str | None = None  # of the last un-approval
    blocking: tuple[str, ...] = ()

    @property
    def approved(self) -> bool:
        return self.state == APPROVED

    @property
    def may_approve(self) -> bool:
        return self.state == READY

    @property
    def may_unapprove(self) -> bool:
        return self.state == APPROVED


def _row(session: Session | Connection, settings: Settings, org_unit: str, period: str) -> Any:
    table = DataApproval.__table__
    return session.execute(
        select(table).where(
            table.c.workflow == settings.approval.workflow,
            table.c.org_unit == org_unit,
            table.c.period == period,
            table.c.attribute_option_combo == "",
        )
    ).first()


def _value_count(session: Session | Connection, org_unit: str, period: str) -> int:
    table = DataValue.__table__
    return int(
        session.execute(
            select(func.count(table.c.id)).where(
                table.c.org_unit == org_unit,
                table.c.period == period,
                table.c.deleted.is_(False),
            )
        ).scalar_one()
    )


def status(
    store: Store, settings: Settings, org_unit: str, period: str, now: datetime
) -> ApprovalStatus:
    """The approval state of one org unit's period as of `now`."""
    code = parse_period(period).code
    with store.session() as session:
        row = _row(session, settings, org_unit, code)
        count = _value_count(session, org_unit, code)
    return _status(store, org_unit, code, row, count, now)


def _status(
    store: Store, org_unit: str, period: str, row: Any, count: int, now: datetime
) -> ApprovalStatus:
    info: dict[str, Any] = {}
    if row is not None:
        info = {
            "approved_by": row.approved_by,
            "approved_at": row.approved_at,
            "unapproved_by": row.unapproved_by,
            "unapproved_at": row.unapproved_at,
            "reason": row.reason,
        }
        if row.approved:
            return ApprovalStatus(org_unit, period, APPROVED, count, **info)
    if parse_period(period).end_utc > now or not count:
        return ApprovalStatus(org_unit, period, UNAPPROVABLE, count, **info)
    flags = tuple(flag_text(f) for f in blocking_flags(store, org_unit, period))
    state = WAITING if flags else READY
    return ApprovalStatus(org_unit, period, state, count, blocking=flags, **info)


def months(
    store: Store, settings: Settings, org_unit: str, periods: Sequence[str], now: datetime
) -> list[ApprovalStatus]:
    """The approval state of each period (the approval page's table)."""
    return [status(store, settings, org_unit, p, now) for p in periods]


def approve(
    store: Store,
    settings: Settings,
    org_unit: str,
    period: str,
    actor: str,
    now: datetime,
    scope: Scope | None = None,
) -> ApprovalStatus:
    """Approve the period's values (audited); ValidationError says why not in one line,
    `UnitRefused` when the org unit is outside the person's `scope`."""
    check_unit(scope, org_unit)
    code = _period(period)
    current = status(store, settings, org_unit, code, now)
    label = parse_period(code).label()
    if current.state == APPROVED:
        raise ValidationError(f"{label} đã được phê duyệt")
    if current.state == UNAPPROVABLE:
        if parse_period(code).end_utc > now:
            raise ValidationError(f"{label} chưa kết thúc, chưa phê duyệt được")
        raise ValidationError(f"{label} chưa có số liệu để phê duyệt")
    if current.state == WAITING:
        first = current.blocking[0]
        more = (
            f" (và {len(current.blocking) - 1} cảnh báo khác)" if len(current.blocking) > 1 else ""
        )
        raise ValidationError(f"còn cảnh báo kiểm tra số liệu chưa xử lý: {first}{more}")
    _write(store, settings, org_unit, code, actor, now, approved=True, reason=None)
    return status(store, settings, org_unit, code, now)


def unapprove(
    store: Store,
    settings: Settings,
    org_unit: str,
    period: str,
    actor: str,
    reason: str,
    now: datetime,
    scope: Scope | None = None,
) -> ApprovalStatus:
    """Un-approve the period so its values can change; a reason is required (audited)."""
    check_unit(scope, org_unit)
    code = _period(period)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("cần ghi lý do hủy phê duyệt")
    if len(reason) > 500:
        raise ValidationError("lý do hủy phê duyệt dài quá 500 ký tự")
    if not status(store, settings, org_unit, code, now).approved:
        raise ValidationError(f"{parse_period(code).label()} chưa được phê duyệt")
    _write(store, settings, org_unit, code, actor, now, approved=False, reason=reason)
    return status(store, settings, org_unit, code, now)


def _period(text: str) -> str:
    try:
        return parse_period(str(text).strip()).code
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _write(
    store: Store,
    settings: Settings,
    org_unit: str,
    period: str,
    actor: str,
    now: datetime,
    *,
    approved: bool,
    reason: str | None,
) -> None:
    with store.write_conn() as conn:
        set_approval(
            conn,
            settings.approval.workflow,
            org_unit,
            period,
            approved=approved,
            actor=actor,
            at=now,
            reason=reason,
            source="local",
        )
        conn.execute(
            AuditLog.__table__.insert(),
            [
                {
                    "ts": utcnow(),
                    "actor": actor,
                    "action": "approve" if approved else "unapprove",
                    "entity": "data_approval",
                    "entity_key": f"{org_unit}/{period}",
                    "old_value": "UNAPPROVED" if approved else APPROVED,
                    "new_value": APPROVED if approved else "UNAPPROVED",
                    "detail": reason,
                }
            ],
        )


def set_approval(
    conn: Connection,
    workflow: str,
    org_unit: str,
    period: str,
    *,
    approved: bool,
    actor: str | None,
    at: datetime,
    reason: str | None,
    source: str,
    aoc: str = "",
) -> bool:
    """Record an approval or un-approval (local or received); the period's values get a
    new `last_updated` so the feed and the push carry their new state. False: no change."""
    table = DataApproval.__table__
    where = and_(
        table.c.workflow == workflow,
        table.c.org_unit == org_unit,
        table.c.period == period,
        table.c.attribute_option_combo == aoc,
    )
    old = conn.execute(select(table.c.id, table.c.approved).where(where)).first()
    if old is not None and bool(old.approved) == approved:
        return False
    stamp = utcnow()
    who = (
        {"approved_by": actor, "approved_at": at, "reason": None}
        if approved
        else {"unapproved_by": actor, "unapproved_at": at, "reason": reason}
    )
    values = {"approved": approved, "source": source, "last_updated": stamp, **who}
    if old is None:
        conn.execute(
            table.insert().values(
                workflow=workflow,
                org_unit=org_unit,
                period=period,
                attribute_option_combo=aoc,
                **values,
            )
        )
    else:
        conn.execute(table.update().where(table.c.id == old.id).values(**values))
    dv = DataValue.__table__
    conn.execute(
        dv.update()
        .where(dv.c.org_unit == org_unit, dv.c.period == period)
        .values(last_updated=stamp)
    )
    return True


def states_of(store: Store, pairs: Iterable[Pair], now: datetime) -> dict[Pair, str]:
    """The approval state of each (org unit, period): what the feed shows per value."""
    wanted = sorted(set(pairs))
    with store.session() as session:
        approved = approved_pairs(session, wanted)
    out: dict[Pair, str] = {}
    flagged = _flagged_pairs(store, wanted)  # one query per page, not one per value
    for ou, period in wanted:
        if (ou, period) in approved:
            out[(ou, period)] = APPROVED
            continue
        try:
            ended = parse_period(period).end_utc <= now
        except ValueError:
            ended = False
        if not ended:
            out[(ou, period)] = UNAPPROVABLE
        else:
            out[(ou, period)] = WAITING if (ou, period) in flagged else READY
    return out


def annotate(store: Store, values: list[dict[str, Any]], now: datetime | None = None) -> None:
    """Add `approvalState` to each wire dataValue (a COC field beside DHIS2's)."""
    states = states_of(store, ((v["orgUnit"], v["period"]) for v in values), now or utcnow())
    for v in values:
        v["approvalState"] = states[(v["orgUnit"], v["period"])]


def to_wire(st: ApprovalStatus, workflow: str) -> dict[str, Any]:
    """One state in DHIS2's dataApprovals shape. API tokens approve nothing (people do,
    in the dashboard or the CLI), so the `may…` flags are false."""
    return {
        "wf": workflow,
        "pe": st.period,
        "ou": st.org_unit,
        "aoc": None,
        "state": st.state,
        "mayApprove": False,
        "mayUnapprove": False,
        "mayAccept": False,
        "mayUnaccept": False,
        "mayReadData": True,
        "approvedBy": st.approved_by if st.approved else None,
        "approvedAt": iso_utc(st.approved_at) if st.approved else None,
        "unapprovedBy": st.unapproved_by,
        "unapprovedAt": iso_utc(st.unapproved_at),
        "reason": st.reason,
        "blockedBy": list(st.blocking),
    }


@dataclass(frozen=True)
class ApprovalsBody:
    workflows: tuple[str, ...]
    periods: tuple[str, ...]
    units: tuple[tuple[str, str], ...]  # (ou, aoc)


def _codes(raw: Any, name: str, limit: int) -> tuple[str, ...] | Rejected:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        return Rejected(f"{name} phải là danh sách mã")
    if len(raw) > 1000 or any(len(x) > limit for x in raw):
        return Rejected(f"{name} không hợp lệ")
    return tuple(x.strip() for x in raw)


def read_approvals(raw: Any, default_workflow: str) -> ApprovalsBody | Rejected:
    """DHIS2's bulk body `{"wf": [..], "pe": [..], "approvals": [{"ou", "aoc"}]}` (also
    `ds` for old clients is ignored); a reason when it is not one. Never raises."""
    if not isinstance(raw, dict):
        return Rejected("thân yêu cầu phải là đối tượng JSON có wf, pe, approvals")
    workflows = _codes(raw.get("wf") or [default_workflow], "wf", 64)
    periods = _codes(raw.get("pe"), "pe", 10)
    if isinstance(workflows, Rejected):
        return workflows
    if isinstance(periods, Rejected):
        return periods
    for p in periods:
        try:
            parse_period(p)
        except ValueError as exc:
            return Rejected(str(exc)[:200])
    items = raw.get("approvals")
    if not isinstance(items, list) or not items or len(items) > 5000:
        return Rejected("approvals phải là danh sách {ou, aoc} (1 đến 5000 mục)")
    units = []
    for item in items:
        ou = item.get("ou") if isinstance(item, dict) else None
        aoc = (item.get("aoc") or "") if isinstance(item, dict) else ""
        if not isinstance(ou, str) or not ou.strip() or len(ou) > 16:
            return Rejected("mỗi mục approvals cần ou là mã đơn vị")
        if not isinstance(aoc, str) or len(aoc) > 64:
            return Rejected("aoc không hợp lệ")
        units.append((ou.strip(), aoc))
    return ApprovalsBody(workflows, tuple(parse_period(p).code for p in periods), tuple(units))


def receive_approvals(
    store: Store,
    body: ApprovalsBody,
    *,
    approved: bool,
    allowed: Callable[[str], bool],
    actor: str,
    now: datetime,
) -> Counts:
    """Record approvals (or un-approvals) a commune pushed; an org unit the token may not
    write is a conflict, and then nothing is stored (DHIS2 refuses the whole request)."""
    summary = Counts()
    for ou, _aoc in body.units:
        if not allowed(ou):
            summary.reject(f"không được phê duyệt số liệu của đơn vị {ou}", ou)
    if summary.conflicts:
        return summary
    with store.write_conn() as conn:
        for wf in body.workflows:
            for period in body.periods:
                for ou, aoc in body.units:
                    changed = set_approval(
                        conn,
                        wf,
                        ou,
                        period,
                        approved=approved,
                        actor=actor,
                        at=now,
                        reason=None if approved else "hủy phê duyệt ở cấp xã",
                        source="upstream",
                        aoc=aoc,
                    )
                    if changed:
                        summary.updated += 1
                    else:
                        summary.unchanged += 1
    return summary


@dataclass(frozen=True)
class MonthRow:
    """One month on the approval page: its approval state and its registration."""

    status: ApprovalStatus
    completed_at: datetime | None
    completed_by: str | None


def month_rows(
    store: Store, settings: Settings, org_unit: str, periods: Sequence[str], now: datetime
) -> list[MonthRow]:
    """The approval page's months, newest first."""
    out = []
    for st in reversed(months(store, settings, org_unit, periods, now)):
        with store.session() as session:
            reg = registration(session, settings.approval.data_set, org_unit, st.period)
        done = reg is not None and reg.completed
        out.append(
            MonthRow(
                st, reg.date if done and reg else None, reg.stored_by if done and reg else None
            )
        )
    return out
