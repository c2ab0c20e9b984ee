"""Idempotent upserts on natural keys (sqlite-utils' upsert semantics), with counts.

`upsert_rows` reads the existing rows first (through the unique index, `existing_rows`) so
it can say what was inserted (imported), updated or left unchanged; `bulk_upsert` is the
fast path for telemetry where counts do not matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from coc.counts import Counts
from coc.timeutil import utcnow


@dataclass
class UpsertResult(Counts):
    """Counts of one upsert, plus the natural keys it inserted or changed and the old rows
    of those it changed (for the audit log)."""

    changed_keys: list[tuple[Any, ...]] = field(default_factory=list)
    old_rows: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)

    @property
    def inserted(self) -> int:
        """Rows inserted: an upsert's word for `imported`."""
        return self.imported

    def __iadd__(self, other: UpsertResult) -> UpsertResult:
        self.add(other)
        self.changed_keys.extend(other.changed_keys)
        self.old_rows.update(other.old_rows)
        return self


def _table(model: Any) -> Table:
    return model.__table__ if hasattr(model, "__table__") else model


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return a == b


def upsert_rows(
    conn: Connection,
    model: Any,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    compare: Sequence[str] | None = None,
    touch: str | None = None,
    chunk: int = 500,
) -> UpsertResult:
    """Insert new rows, update rows whose `compare` columns differ, count the rest.

    `touch` names a timestamp column set to now only when a row is inserted or changed
    (e.g. `last_updated` of a data value, so the feed's delta is exact).
    """
    table = _table(model)
    result = UpsertResult()
    deduped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        deduped[tuple(row[k] for k in keys)] = row
    items = list(deduped.items())
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        result += _upsert_chunk(conn, table, part, keys, compare, touch)
    return result


def _upsert_chunk(
    conn: Connection,
    table: Table,
    items: list[tuple[tuple[Any, ...], dict[str, Any]]],
    keys: Sequence[str],
    compare: Sequence[str] | None,
    touch: str | None,
) -> UpsertResult:
    result = UpsertResult()
    key_cols = [table.c[k] for k in keys]
    existing = existing_rows(conn, table, keys, [k for k, _ in items])
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    for key, row in items:
        old = existing.get(key)
        if old is None:
            new = dict(row)
            if touch:
                new.setdefault(touch, now)
            inserts.append(new)
            result.imported += 1
            result.changed_keys.append(key)
            continue
        cols = compare if compare is not None else [c for c in row if c not in keys]
        changes = {c: row[c] for c in cols if c in row and not _same(old.get(c), row[c])}
        if not changes:
            result.unchanged += 1
            continue
        update = {c: v for c, v in row.items() if c not in keys}
        if touch:
            update[touch] = now
        conn.execute(
            table.update()
            .where(and_(*[col == val for col, val in zip(key_cols, key, strict=True)]))
            .values(**update)
        )
        result.updated += 1
        result.changed_keys.append(key)
        result.old_rows[key] = old
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for new in inserts:  # rows that leave a column out get its default, not NULL
        shapes.setdefault(tuple(sorted(new)), []).append(new)
    for columns, batch in shapes.items():
        conn.execute(_insert_or_update(conn, table, keys, columns), batch)
    return result


def existing_rows(
    conn: Connection, table: Table, keys: Sequence[str], wanted: Sequence[tuple[Any, ...]]
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The stored rows of these natural keys, read through the unique index: equality on
    the leading key columns, `IN` on the others. (A row-value `IN` over all of them is
    planned by SQLite as a full scan, which made a province's sync quadratic.) `keys` must
    be in the unique index's column order."""
    lead = keys[: min(2, len(keys) - 1)]
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for key in wanted:
        groups.setdefault(key[: len(lead)], []).append(key)
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    want = set(wanted)
    for head, members in groups.items():
        cond = [table.c[k] == v for k, v in zip(lead, head, strict=True)]
        for pos in range(len(lead), len(keys)):
            cond.append(table.c[keys[pos]].in_(sorted({m[pos] for m in members})))
        for r in conn.execute(select(table).where(and_(*cond))):
            key = tuple(r._mapping[k] for k in keys)
            if key in want:
                found[key] = dict(r._mapping)
    return found


def _insert_or_update(
    conn: Connection, table: Table, keys: Sequence[str], columns: Sequence[str]
) -> Any:
    """An INSERT that turns into an UPDATE if another writer inserted the key meanwhile
    (PostgreSQL has no process-wide write lock, so the read above can be stale)."""
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):  # pragma: no cover
        return table.insert()
    stmt = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
    update = {c: stmt.excluded[c] for c in columns if c not in keys}
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=update)


def bulk_upsert(
    conn: Connection,
    model: Any,
    rows: Iterable[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """INSERT … ON CONFLICT DO UPDATE in one executemany: last write wins."""
    table = _table(model)
    batch = list(rows)
    if not batch:
        return
    dialect = conn.dialect.name
    if dialect == "sqlite":
        stmt = sqlite.insert(table)
    elif dialect == "postgresql":
        stmt = postgresql.insert(table)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(dialect)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
    )
    conn.execute(stmt, batch)
