"""Import a dataValueSet (pushed or pulled) into the store: validate, upsert, count.

Counts what it did (`summary_body` is the DHIS2-style import summary of that). Bad values
become conflicts and go to quarantine with the reason; they never stop the good values of
the same page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import and_, select, tuple_
from sqlalchemy.engine import Connection

from coc.counts import Counts
from coc.indicators.catalog import Catalog
from coc.periods import parse_period
from coc.store.db import Store
from coc.store.models import DataValue
from coc.store.quarantine import insert_rows, quarantine_row
from coc.store.upsert import UpsertResult
from coc.store.values import upsert_values
from coc.timeutil import utcnow

Key = tuple[str, str, str]


def summary_body(counts: Counts) -> dict[str, Any]:
    """The DHIS2-style import summary of a receive: OK without conflicts, WARNING when some
    values were handled, ERROR when none were. DHIS2 counts the refused under `ignored`."""
    status = "OK" if not counts.conflicts else "WARNING" if counts.handled else "ERROR"
    return {
        "status": status,
        "importCount": {
            "imported": counts.imported,
            "updated": counts.updated,
            "ignored": counts.unchanged + counts.rejected,
            "deleted": counts.deleted,
        },
        "conflicts": [
            {"object": c.object, "value": c.reason, "indexes": [c.index]} for c in counts.conflicts
        ],
    }


def _number(raw: Any, name: str, required: bool) -> float | None:
    if raw is None or raw == "":
        if required:
            raise ValueError(f"thiếu {name}")
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError(f"{name} phải là số: {raw!r}")
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(f"{name} không phải số: {raw!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} không phải số hữu hạn: {raw!r}")
    return number


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"thiếu hoặc sai {key}")
    return value.strip()


def parse_value(
    item: Any, catalog: Catalog, default_org_unit: str | None, allowed: Callable[[str], bool]
) -> dict[str, Any]:
    """One wire dataValue → a row dict; ValueError with a Vietnamese reason when invalid."""
    if not isinstance(item, dict):
        raise ValueError("mỗi dataValue phải là một đối tượng JSON")
    code = _text(item, "dataElement")
    if code not in catalog:
        raise ValueError(f"mã chỉ tiêu không tồn tại: {code!r}")
    period = _text(item, "period")
    try:
        parse_period(period)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    org_unit = item.get("orgUnit", default_org_unit)
    if not isinstance(org_unit, str) or not org_unit:
        raise ValueError("thiếu orgUnit")
    if not allowed(org_unit):
        raise ValueError(f"mã thẩm quyền này không được gửi số liệu của đơn vị {org_unit!r}")
    deleted = item.get("deleted", False)
    if not isinstance(deleted, bool):
        raise ValueError(f"deleted phải là true/false: {deleted!r}")
    return {
        "indicator_code": code,
        "org_unit": org_unit,
        "period": period,
        "value": _number(item.get("value"), "value", required=not deleted),
        "numerator": _number(item.get("numerator"), "numerator", required=False),
        "denominator": _number(item.get("denominator"), "denominator", required=False),
        "deleted": deleted,
    }


def import_values(
    store: Store,
    catalog: Catalog,
    items: Iterable[Any],
    *,
    source: str,
    default_org_unit: str | None = None,
    allowed: Callable[[str], bool] = lambda _ou: True,
    after: Callable[[Connection, Counts], None] | None = None,
) -> UpsertResult:
    """Upsert values (unchanged ones counted, not written), soft-delete the deleted,
    quarantine the bad; `changed_keys` are the (indicator, org unit, period) that changed.
    `after(conn, counts)` runs in the same transaction (a pull saves its cursor there)."""
    summary = UpsertResult()
    live: dict[Key, dict[str, Any]] = {}
    gone: dict[Key, dict[str, Any]] = {}
    bad: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            row = parse_value(item, catalog, default_org_unit, allowed)
        except ValueError as exc:
            summary.reject(str(exc), _object(item), index)
            bad.append(quarantine_row(source, item, str(exc), f"dataValues[{index}]"))
            continue
        key = (row["indicator_code"], row["org_unit"], row["period"])
        (gone if row["deleted"] else live)[key] = row
        (live if row["deleted"] else gone).pop(key, None)
    with store.write_conn() as conn:
        if live:
            rows = [{**r, "source": source} for r in live.values()]
            summary += upsert_values(conn, rows)
        if gone:
            deleted = soft_delete(conn, list(gone))
            summary.deleted += len(deleted)
            summary.unchanged += len(gone) - len(deleted)
            summary.changed_keys.extend(deleted)
        if bad:
            insert_rows(conn, bad)
        if after:
            after(conn, summary)
    return summary


def _object(item: Any) -> str:
    if isinstance(item, dict):
        return "/".join(str(item.get(k, "")) for k in ("dataElement", "orgUnit", "period"))
    return repr(item)[:80]


def soft_delete(conn: Any, keys: list[Key]) -> list[Key]:
    """Mark live values deleted; a missing or already deleted value is left alone."""
    table = DataValue.__table__
    cols = tuple_(table.c.indicator_code, table.c.org_unit, table.c.period)
    done: list[Key] = []
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        found = conn.execute(
            select(table.c.id, table.c.indicator_code, table.c.org_unit, table.c.period).where(
                and_(cols.in_(part), table.c.deleted.is_(False))
            )
        ).all()
        if not found:
            continue
        conn.execute(
            table.update()
            .where(table.c.id.in_([r.id for r in found]))
            .values(deleted=True, last_updated=utcnow())
        )
        done.extend((r.indicator_code, r.org_unit, r.period) for r in found)
    return done
