"""Locks: values of an approved (org unit, period) must not change until it is
un-approved (`coc.approval.approve`). Every writer of commune values asks here first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from coc.config import Settings
from coc.periods import parse_period
from coc.store.db import Store
from coc.store.models import DataApproval, DataValue
from coc.store.upsert import _same
from coc.store.values import with_default_combos

Pair = tuple[str, str]  # (org unit, period)
LOCKED_CONTEXT = "tháng đã phê duyệt"  # where a held change is, in quarantine


def approved_pairs(conn: Session | Connection, pairs: Iterable[Pair]) -> set[Pair]:
    """Which of the (org unit, period) pairs are approved (any workflow); one indexed
    query per 500 org units, whatever the number of pairs."""
    wanted = set(pairs)
    if not wanted:
        return set()
    table = DataApproval.__table__
    units = sorted({ou for ou, _p in wanted})
    periods = sorted({p for _ou, p in wanted})
    found: set[Pair] = set()
    for start in range(0, len(units), 500):
        rows = conn.execute(
            select(table.c.org_unit, table.c.period).where(
                table.c.org_unit.in_(units[start : start + 500]),
                table.c.period.in_(periods),
                table.c.approved.is_(True),
            )
        )
        found.update((r.org_unit, r.period) for r in rows)
    return found & wanted


def locked_reason(org_unit: str, period: str) -> str:
    """Why a change was held: the words a clerk reads in quarantine."""
    try:
        label = parse_period(period).label()
    except ValueError:
        label = period
    return (
        f"{label} của đơn vị {org_unit} đã được phê duyệt: số liệu bị khóa, cần hủy phê duyệt "
        "(có lý do) rồi chấp nhận lại bản ghi này"
    )


def hold_locked(
    conn: Connection, rows: Sequence[dict[str, Any]], compare: Sequence[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split value rows into (free to write, held): a row is held when its period is
    approved and writing it would change the stored value (an unchanged one is free)."""
    locked = approved_pairs(conn, ((r["org_unit"], r["period"]) for r in rows))
    if not locked:
        return list(rows), []
    table = DataValue.__table__
    free, held = [], []
    for row in rows:
        if (row["org_unit"], row["period"]) not in locked:
            free.append(row)
            continue
        full = with_default_combos(row)
        old = conn.execute(
            select(table).where(
                table.c.indicator_code == row["indicator_code"],
                table.c.org_unit == row["org_unit"],
                table.c.period == row["period"],
                table.c.category_option_combo == full["category_option_combo"],
                table.c.attribute_option_combo == full["attribute_option_combo"],
            )
        ).first()
        same = old is not None and all(_same(old._mapping[c], row[c]) for c in compare if c in row)
        (free if same else held).append(row)
    return free, held


def locked_keys(conn: Connection, org_unit: str, keys: Sequence[tuple[str, str]]) -> set[str]:
    """Periods among (indicator, period) keys of one org unit that are approved."""
    return {p for _ou, p in approved_pairs(conn, ((org_unit, p) for _c, p in keys))}


def pushable(store: Store, settings: Settings, rows: Sequence[Any]) -> list[Any]:
    """The rows a push may send: all, or with `approval.push_approved_only` only those of
    approved periods (an approval touches its values, so they are sent once approved)."""
    if not settings.approval.push_approved_only or not rows:
        return list(rows)
    with store.session() as session:
        ok = approved_pairs(session, ((r.org_unit, r.period) for r in rows))
    return [r for r in rows if (r.org_unit, r.period) in ok]
