"""The receive/upsert path reads data_value through its unique index, on SQLite and on
PostgreSQL: the plans of the very statements it sends are asked of the database.

Before, existing rows were read with a row-value `(indicator_code, org_unit, period) IN
(…)`, which SQLite 3.40 plans as a full scan of data_value, so a province's sync grew with
the square of its communes; that plan is shown here too, so the check can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fixtures_http import put_values, year_of_values
from sqlalchemy import event, select, tuple_

from coc.province.receive import soft_delete
from coc.store.db import Store
from coc.store.models import DataValue
from coc.store.values import upsert_values


@contextmanager
def statements(store: Store) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "FROM data_value" in statement:
            seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def plan(store: Store, statement: str, parameters: Any) -> str:
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return "\n".join(str(r[-1]) for r in rows)
        conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: ask what it can do
        rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        return "\n".join(str(r[0]) for r in rows)


def uses_unique_index(store: Store, text: str) -> bool:
    if store.dialect == "sqlite":
        return "SEARCH data_value USING INDEX sqlite_autoindex_data_value" in text and (
            "SCAN data_value" not in text
        )
    return "uq_data_value_key" in text and "Seq Scan" not in text


def test_upsert_and_soft_delete_read_through_the_unique_index(any_store: Store) -> None:
    rows = year_of_values("10237") + year_of_values("10238")
    put_values(any_store, rows)
    again = [{**r, "value": (r.get("value") or 0) + 1} for r in rows[:50]]
    full = [{"numerator": None, "denominator": None, "deleted": False, **r} for r in again]
    with statements(any_store) as seen, any_store.write_conn() as conn:
        assert upsert_values(conn, full).updated == 50
        keys = [("10237", "202601", rows[0]["indicator_code"], "", "")]
        assert soft_delete(conn, keys) == keys
    assert len(seen) >= 2
    for statement, parameters in seen:
        text = plan(any_store, statement, parameters)
        assert uses_unique_index(any_store, text), (statement, text)


def test_the_old_row_value_in_is_a_full_scan_on_sqlite(sqlite_store: Store) -> None:
    put_values(sqlite_store, year_of_values("10237"))
    table = DataValue.__table__
    cols = tuple_(table.c.indicator_code, table.c.org_unit, table.c.period)
    wanted = [(r["indicator_code"], "10237", r["period"]) for r in year_of_values("10237")]
    stmt = select(table).where(cols.in_(wanted))  # a page's worth of keys
    with sqlite_store.engine.connect() as conn:
        compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
    text = plan(sqlite_store, str(compiled), ())
    assert "SCAN data_value" in text
    assert not uses_unique_index(sqlite_store, text)
