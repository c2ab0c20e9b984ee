"""Validation rules before a value counts (DHIS2 validation rules: left side, operator, right
side over data elements). A breaking value is kept and marked with a flag; while the flag
is open its values, and the indicators built from them, are held back from the feed and
the push. A clerk confirms the values (they are released as they are) or corrects them
(the next check clears the flag and releases the new values).

Other parts call `open_flags(store, org_unit, period)`.
"""

from __future__ import annotations

import operator as op
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import delete, select, update
from sqlmodel import Session

from coc.indicators.catalog import Catalog, ValidationRule
from coc.periods import parse_period, with_enclosing
from coc.scope import Scope
from coc.scope import check as check_unit
from coc.store import audit
from coc.store.db import Store
from coc.store.models import DataValue, HeldValue, ValidationFlag
from coc.store.values import default_combos
from coc.timeutil import utcnow

OPS = {"<=": op.le, "<": op.lt, ">=": op.ge, ">": op.gt, "==": op.eq, "!=": op.ne}
OPEN, CONFIRMED, CLEARED = "open", "confirmed", "cleared"


@dataclass(frozen=True)
class Breach:
    rule: ValidationRule
    period: str
    left: float
    right: float


def evaluate(
    rule: ValidationRule, period: str, values: Mapping[tuple[str, str], float]
) -> Breach | None:
    """The breach of one rule in one month, or None (met, or a side has no value).

    `values` maps (element code, period) to the value; a change rule also reads the
    previous month. Pure: no store, no clock.
    """
    if rule.kind == "change":
        code = rule.left[0]
        now, before = values.get((code, period)), values.get((code, _previous(period)))
        if now is None or before is None or rule.limit_pct is None:
            return None
        if before == 0:
            broke = now != 0
        else:
            broke = abs(now - before) / abs(before) * 100.0 > rule.limit_pct
        return Breach(rule, period, now, before) if broke else None
    left = _side(rule.left, period, values)
    right = _side(rule.right, period, values)
    if left is None or right is None:
        return None
    return None if OPS[rule.operator](left, right) else Breach(rule, period, left, right)


def _side(codes: tuple[str, ...], period: str, values: Mapping[tuple[str, str], float]):
    parts = [values.get((c, period)) for c in codes]
    return None if any(p is None for p in parts) else float(sum(parts))  # type: ignore[arg-type]


def _previous(period: str) -> str:
    return parse_period(period).previous().code


def held_codes(catalog: Catalog, rule: ValidationRule) -> tuple[str, ...]:
    """What a breach holds back: the rule's elements and every indicator built from them."""
    elements = set(rule.elements)
    built = [i.code for i in catalog.indicators if elements & set(i.elements())]
    return tuple(dict.fromkeys((*rule.elements, *built)))


def message(rule: ValidationRule, left: float | None, right: float | None, lang: str) -> str:
    """The rule's message with the values: 'Số sản phẩm OCOP … (12 > 5)'."""
    from coc import fmt

    a, b = fmt.number(left, 0, lang), fmt.number(right, 0, lang)
    if rule.kind == "change":
        word = "tháng trước" if lang == "vi" else "previous month"
        return f"{rule.name(lang)} ({a}; {word} {b})"
    return f"{rule.name(lang)} ({a} {_negated(rule.operator)} {b})"


def _negated(operator: str) -> str:
    return {"<=": ">", "<": "≥", ">=": "<", ">": "≤", "==": "≠", "!=": "="}[operator]


def _load(session: Session, org_unit: str, codes: set[str], periods: set[str]):
    stmt = select(DataValue.indicator_code, DataValue.period, DataValue.value).where(
        DataValue.org_unit == org_unit,
        DataValue.indicator_code.in_(sorted(codes)),
        DataValue.period.in_(sorted(periods)),
        DataValue.deleted.is_(False),
        DataValue.value.is_not(None),
        default_combos(),
    )
    return {(c, p): float(v) for c, p, v in session.execute(stmt)}


def check(
    store: Store,
    catalog: Catalog,
    org_unit: str,
    periods: Iterable[str],
    now: datetime | None = None,
) -> list[Breach]:
    """Evaluate every rule for the months among `periods`; open, keep, reopen or clear
    flags and rebuild the held values. Returns the breaches found."""
    months = sorted({p for p in periods if parse_period(p).kind == "month"})
    if not months or not catalog.rules:
        return []
    now = now or utcnow()
    codes = {c for r in catalog.rules for c in r.elements}
    wanted = set(months) | {_previous(m) for m in months}
    with store.session() as session:
        values = _load(session, org_unit, codes, wanted)
    found = [b for m in months for r in catalog.rules if (b := evaluate(r, m, values))]
    with store.write() as session:
        existing = {
            (f.period, f.rule_code): f
            for f in session.scalars(
                select(ValidationFlag).where(
                    ValidationFlag.org_unit == org_unit, ValidationFlag.period.in_(months)
                )
            )
        }
        seen: set[tuple[str, str]] = set()
        for b in found:
            key = (b.period, b.rule.code)
            seen.add(key)
            flag = existing.get(key)
            if flag is None:
                flag = ValidationFlag(
                    org_unit=org_unit,
                    period=b.period,
                    rule_code=b.rule.code,
                    left_value=b.left,
                    right_value=b.right,
                    opened_at=now,
                )
                session.add(flag)
            elif (flag.left_value, flag.right_value) != (b.left, b.right) or flag.status == CLEARED:
                flag.left_value, flag.right_value = b.left, b.right
                flag.status, flag.opened_at = OPEN, now
                flag.resolved_at = flag.resolved_by = None
        for key, flag in existing.items():
            if key not in seen and flag.status == OPEN:
                flag.status, flag.resolved_at, flag.resolved_by = CLEARED, now, "auto"
        session.flush()
        _rebuild_holds(session, catalog, org_unit, months, now)
    return found


def _rebuild_holds(
    session: Session, catalog: Catalog, org_unit: str, months: list[str], now: datetime
) -> None:
    """Held values of the months follow their open flags; a released value gets a new
    `last_updated` so the next pull or push (past its watermark) sends it."""
    scope = with_enclosing(months)
    before = set(
        session.execute(
            select(HeldValue.indicator_code, HeldValue.period).where(
                HeldValue.org_unit == org_unit, HeldValue.period.in_(scope)
            )
        ).all()
    )
    session.execute(
        delete(HeldValue).where(HeldValue.org_unit == org_unit, HeldValue.period.in_(scope))
    )
    flags = session.scalars(
        select(ValidationFlag).where(
            ValidationFlag.org_unit == org_unit,
            ValidationFlag.period.in_(months),
            ValidationFlag.status == OPEN,
        )
    ).all()
    rules = {r.code: r for r in catalog.rules}
    after: set[tuple[str, str]] = set()
    for flag in flags:
        rule = rules.get(flag.rule_code)
        if rule is None:
            continue
        for code in held_codes(catalog, rule):
            for period in with_enclosing([flag.period]):
                if (code, period) not in after:
                    after.add((code, period))
                    session.add(HeldValue(org_unit=org_unit, indicator_code=code,
                                          period=period, flag_id=flag.id or 0))  # fmt: skip
    released = before - after
    for code, period in released:
        session.execute(
            update(DataValue)
            .where(DataValue.org_unit == org_unit, DataValue.indicator_code == code,
                   DataValue.period == period)
            .values(last_updated=now)
        )  # fmt: skip


@dataclass(frozen=True)
class Flag:
    """An open (or resolved) validation flag as the pages and other parts see it."""

    id: int
    org_unit: str
    period: str
    rule_code: str
    elements: tuple[str, ...]
    held: tuple[str, ...]  # element and indicator codes held back while it is open
    left: float | None
    right: float | None
    status: str
    opened_at: datetime
    message_vi: str
    message_en: str

    def message(self, lang: str = "vi") -> str:
        return self.message_vi if lang == "vi" else self.message_en


def _flag(catalog: Catalog, row: ValidationFlag) -> Flag | None:
    rule = next((r for r in catalog.rules if r.code == row.rule_code), None)
    if rule is None:
        return None
    return Flag(
        id=row.id or 0,
        org_unit=row.org_unit,
        period=row.period,
        rule_code=row.rule_code,
        elements=rule.elements,
        held=held_codes(catalog, rule),
        left=row.left_value,
        right=row.right_value,
        status=row.status,
        opened_at=row.opened_at,
        message_vi=message(rule, row.left_value, row.right_value, "vi"),
        message_en=message(rule, row.left_value, row.right_value, "en"),
    )


def open_flags(
    store: Store, org_unit: str, period: str | None = None, catalog: Catalog | None = None
) -> list[Flag]:
    """Open flags of an org unit (of one month, or all when `period` is None), oldest
    first. Rules come from the catalog: pass the site's; without one the shipped catalog is
    read (once)."""
    catalog = catalog or _shipped_catalog()
    stmt = select(ValidationFlag).where(
        ValidationFlag.org_unit == org_unit, ValidationFlag.status == OPEN
    )
    if period is not None:
        stmt = stmt.where(ValidationFlag.period == period)
    with store.session() as session:
        rows = session.scalars(stmt.order_by(ValidationFlag.period, ValidationFlag.id)).all()
        return [f for r in rows if (f := _flag(catalog, r))]


@cache
def _shipped_catalog() -> Catalog:
    from coc.config import DEFAULT_CONFIG_DIR
    from coc.indicators.catalog import load_catalog

    return load_catalog(DEFAULT_CONFIG_DIR / "indicators.yaml")


def confirm(
    store: Store, catalog: Catalog, flag_id: int, actor: str, note: str = "",
    now: datetime | None = None, scope: Scope | None = None,
) -> Flag | None:  # fmt: skip
    """A clerk confirms the values are right: the flag closes and its values are released.
    None when there is no open flag with that id; `UnitRefused` when its org unit is
    outside the person's `scope`."""
    now = now or utcnow()
    with store.write() as session:
        row = session.get(ValidationFlag, flag_id)
        if row is None or row.status != OPEN:
            return None
        check_unit(scope, row.org_unit)
        row.status, row.resolved_at, row.resolved_by = CONFIRMED, now, actor
        row.note = note or None
        key = f"{row.org_unit}/{row.period}/{row.rule_code}"
        audit.record(session, actor, "confirm", "validation_flag", key, OPEN, CONFIRMED, note)
        session.flush()
        _rebuild_holds(session, catalog, row.org_unit, [row.period], now)
        return _flag(catalog, row)


def held_keys(session: Session, org_unit: str | None = None) -> set[tuple[str, str, str]]:
    """(org unit, code, period) of every value held back."""
    stmt = select(HeldValue.org_unit, HeldValue.indicator_code, HeldValue.period)
    if org_unit:
        stmt = stmt.where(HeldValue.org_unit == org_unit)
    return {tuple(r) for r in session.execute(stmt).all()}  # type: ignore[misc]


def flags_by_code(
    session: Session, catalog: Catalog, org_unit: str, periods: Iterable[str]
) -> dict[tuple[str, str], list[Flag]]:
    """(code, month) → the open flags that hold it: what a tile and a drill-down show."""
    stmt = select(ValidationFlag).where(
        ValidationFlag.org_unit == org_unit,
        ValidationFlag.status == OPEN,
        ValidationFlag.period.in_(sorted(set(periods))),
    )
    out: dict[tuple[str, str], list[Flag]] = {}
    for row in session.scalars(stmt.order_by(ValidationFlag.id)):
        flag = _flag(catalog, row)
        if flag is None:
            continue
        for code in flag.held:
            out.setdefault((code, flag.period), []).append(flag)
    return out
