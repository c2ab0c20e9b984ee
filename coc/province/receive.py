"""Import a dataValueSet (pushed or pulled) into the store: read each value
(`coc.wire.read_value`), upsert, count (`coc.wire.ImportSummary.of` answers the counts).

Bad values become conflicts and go to quarantine with the reason; they never stop the
good values of the same page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.engine import Connection

from coc.counts import Counts
from coc.indicators.catalog import Catalog
from coc.ingest.records import Rejected
from coc.store.db import Store
from coc.store.models import DataValue
from coc.store.quarantine import insert_rows, quarantine_row
from coc.store.upsert import UpsertResult
from coc.store.values import ValueKey, stored_values, upsert_values, value_key
from coc.timeutil import utcnow
from coc.wire import ValueRules, read_value


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
    quarantine the bad; `changed_keys` are the `ValueKey`s (org unit, period, indicator,
    combos) that changed. Two values differing only by a combo are two values.
    `after(conn, counts)` runs in the same transaction (a pull saves its cursor there)."""
    summary = UpsertResult()
    rules = ValueRules(catalog, default_org_unit, allowed)
    live: dict[ValueKey, dict[str, Any]] = {}
    gone: dict[ValueKey, dict[str, Any]] = {}
    bad: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        value = read_value(item, rules)
        if isinstance(value, Rejected):
            where = f"dataValues[{index}]"
            summary.reject(value.reason, _object(item), index, value.code)
            bad.append(quarantine_row(source, item, value.reason, where, key=_object(item)))
            continue
        row = value.row()
        key = value_key(row)
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
    """dataElement/orgUnit/period of a received item, to name it in its conflict."""
    if isinstance(item, dict):
        parts = (item.get(k, "") for k in ("dataElement", "orgUnit", "period"))
        return "/".join(p[:64] if isinstance(p, str) else repr(p)[:64] for p in parts)
    return repr(item)[:80]


def soft_delete(conn: Any, keys: list[ValueKey]) -> list[ValueKey]:
    """Mark live values deleted; a missing or already deleted value is left alone."""
    table = DataValue.__table__
    live = {k: r for k, r in stored_values(conn, keys).items() if not r["deleted"]}
    ids = [r["id"] for r in live.values()]
    for start in range(0, len(ids), 500):
        conn.execute(
            table.update()
            .where(table.c.id.in_(ids[start : start + 500]))
            .values(deleted=True, last_updated=utcnow())
        )
    return [k for k in keys if k in live]
