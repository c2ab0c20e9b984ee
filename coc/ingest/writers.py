"""Write validated records: upsert on natural keys, quarantine the rejected, audit manual edits."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.engine import Connection

from coc.counts import Counts
from coc.indicators.catalog import Catalog
from coc.ingest.records import Rejected, document_row, dossier_row, work_file_row
from coc.periods import parse_period
from coc.store.db import Store
from coc.store.locks import LOCKED_CONTEXT, hold_locked, locked_reason
from coc.store.models import AuditLog, Document, Dossier, WorkFile
from coc.store.quarantine import insert_rows, quarantine_row
from coc.store.upsert import upsert_rows
from coc.store.values import upsert_values, value_key
from coc.timeutil import utcnow


def last_wins(
    rows: list[dict[str, Any]],
    indexes: list[int],
    keys: list[str],
    summary: Counts,
    context: Callable[[int], str] | None,
) -> list[dict[str, Any]]:
    """One row per natural key, the last one kept (as the upsert would), and every row it
    replaced counted and named in the summary, so a merge is reported, never silent."""
    kept: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    for index, row in zip(indexes, rows, strict=True):
        key = tuple(row[k] for k in keys)
        if key in kept:
            earlier = kept[key][0]
            summary.duplicates += 1
            label = "/".join(str(k) for k in key if k is not None)
            if context:
                summary.merged.append(
                    f"{context(earlier)} trùng {context(index)} ({label}): lấy dòng sau"
                )
            else:
                summary.merged.append(f"bản ghi {label} lặp lại: lấy bản ghi sau")
        kept[key] = (index, row)
    return [row for _index, row in kept.values()]


RowFn = Callable[[Any, str], dict[str, Any] | Rejected]
AfterFn = Callable[[Connection, Counts], None]
KINDS: dict[str, tuple[Any, RowFn, list[str]]] = {
    "dossier": (Dossier, dossier_row, ["org_unit", "MaHoSo"]),
    "document": (Document, document_row, ["org_unit", "doc_id"]),
    "work_file": (WorkFile, work_file_row, ["org_unit", "file_id"]),
}


def write_records(
    store: Store,
    kind: str,
    records: Iterable[Any],
    org_unit: str,
    source: str,
    context: Callable[[int], str] | None = None,
    actor: str | None = None,
    after: AfterFn | None = None,
    key: Callable[[int], str] | None = None,
) -> Counts:
    """Validate and upsert facts of one kind in one transaction; bad ones go to quarantine.

    `after(conn, summary)` runs inside the same transaction (a connector saves its cursor
    there, so the cursor moves if and only if the page is stored). `actor` set means a
    manual import: every inserted or changed record is written to the audit log. `key(i)`
    names a record for quarantine (an import's file and row); by default its natural key.
    """
    model, to_row, keys = KINDS[kind]
    summary = Counts()
    rows, bad, indexes = [], [], []
    for index, record in enumerate(records):
        result = to_row(record, org_unit)
        if isinstance(result, Rejected):
            where = context(index) if context else None
            name = key(index) if key else record_key(record, keys, org_unit)
            bad.append(quarantine_row(source, record, result.reason, where, key=name))
            summary.reject(result.reason, where, index)
        else:
            rows.append(result)
            indexes.append(index)
    rows = last_wins(rows, indexes, keys, summary, context)
    compare = [c for c in (rows[0] if rows else {}) if c not in keys]
    with store.write_conn() as conn:
        if rows:
            result = upsert_rows(conn, model, rows, keys, compare=compare)
            summary.imported, summary.updated = result.imported, result.updated
            summary.unchanged = result.unchanged
            if actor:
                _audit_records(conn, actor, source, kind, rows, keys, result)
        insert_rows(conn, bad)
        if after:
            after(conn, summary)
    return summary


def record_key(record: Any, fields: list[str], org_unit: str) -> str:
    """A bad record's natural key for its quarantine dedupe key ("" when it has none)."""
    if not isinstance(record, dict):
        return ""
    values = [str(record.get(f) or (org_unit if f == "org_unit" else "")) for f in fields]
    return "/".join(values) if any(record.get(f) for f in fields if f != "org_unit") else ""


def _audit_records(
    conn: Connection,
    actor: str,
    source: str,
    kind: str,
    rows: list[dict[str, Any]],
    keys: list[str],
    result: Any,
) -> None:
    changed = set(result.changed_keys)
    entries = []
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key not in changed:
            continue
        old = result.old_rows.get(key)
        diff = [c for c in row if c not in keys and (old is None or old.get(c) != row[c])]
        entries.append(
            {
                "ts": utcnow(),
                "actor": actor,
                "action": "update" if old else "create",
                "entity": kind,
                "entity_key": "/".join(str(k) for k in key),
                "old_value": _json({c: old.get(c) for c in diff}) if old else None,
                "new_value": _json({c: row[c] for c in diff}),
                "detail": source,
            }
        )
    if entries:
        conn.execute(AuditLog.__table__.insert(), entries)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


_VI_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def parse_number(value: Any) -> float | None:
    """A number from a cell: 1234.5, "1.234,5" and "59.973" (Vietnamese grouping)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text:  # Vietnamese 1.234,5
        text = text.replace(".", "").replace(",", ".")
    elif _VI_THOUSANDS.match(text):  # 59.973 is fifty-nine thousand in a Vietnamese report
        text = text.replace(".", "")
    try:
        return float(text)
    except ValueError:
        return None


def validate_value(catalog: Catalog, code: str, period: str, value: Any) -> float | Rejected:
    """Known indicator, valid period, a number within the range for its unit."""
    if code not in catalog:
        return Rejected(f"mã chỉ tiêu không tồn tại: {code!r}")
    try:
        parse_period(period)
    except ValueError as exc:
        return Rejected(str(exc))
    number = parse_number(value)
    if number is None:
        return Rejected(f"giá trị không phải số: {value!r}")
    if number != number or number in (float("inf"), float("-inf")):
        return Rejected(f"giá trị không phải số hữu hạn: {value!r}")
    low, high = catalog.get(code).value_range()
    if low is not None and number < low:
        return Rejected(f"giá trị {number:g} nhỏ hơn mức tối thiểu {low:g} của chỉ tiêu {code}")
    if high is not None and number > high:
        return Rejected(f"giá trị {number:g} lớn hơn mức tối đa {high:g} của chỉ tiêu {code}")
    return number


def write_values(
    store: Store,
    catalog: Catalog,
    items: Iterable[dict[str, Any]],
    org_unit: str,
    source: str,
    actor: str | None = None,
    context: Callable[[int], str] | None = None,
    after: AfterFn | None = None,
    origin: str | None = None,
    key: Callable[[int], str] | None = None,
) -> Counts:
    """Upsert reported/entered values; `actor` set means a manual change, audited per value.

    Each item: {"code", "period", "value", optional "org_unit", "comment", and "raw": the
    source's own record, kept in quarantine instead of the item when the value is bad}.
    `source` names the quarantine source; `origin` (default: `source`) the values' source;
    `key(i)` names an item for quarantine (default: its indicator, org unit and period).
    """
    summary = Counts()
    rows, bad, indexes = [], [], []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            checked: float | Rejected = Rejected("bản ghi số liệu không phải đối tượng JSON")
        else:
            code = str(item.get("code", "")).strip()
            period = str(item.get("period", "")).strip()
            checked = validate_value(catalog, code, period, item.get("value"))
        if isinstance(checked, Rejected):
            where = context(index) if context else None
            raw = item.get("raw", item) if isinstance(item, dict) else item
            name = key(index) if key else record_key(item, ["code", "org_unit", "period"], org_unit)
            bad.append(quarantine_row(source, raw, checked.reason, where, key=name))
            summary.reject(checked.reason, where, index)
            continue
        rows.append(
            {
                "indicator_code": code,
                "org_unit": item.get("org_unit") or org_unit,
                "period": period,
                "value": checked,
                "source": origin or source,
                "comment": item.get("comment"),
                "deleted": False,
            }
        )
        indexes.append(index)
    rows = last_wins(rows, indexes, ["indicator_code", "org_unit", "period"], summary, context)
    with store.write_conn() as conn:
        rows = hold_locked_values(conn, source, rows, bad, summary)
        if rows:
            result = upsert_values(conn, rows, compare=["value", "deleted"])
            summary.imported, summary.updated = result.imported, result.updated
            summary.unchanged = result.unchanged
            if actor:
                _audit(conn, actor, source, rows, result)
        insert_rows(conn, bad)
        if after:
            after(conn, summary)
    return summary


def hold_locked_values(
    conn: Connection,
    source: str,
    rows: list[dict[str, Any]],
    bad: list[dict[str, Any]],
    summary: Counts,
) -> list[dict[str, Any]]:
    """The rows that may be written; a change to an approved period's value is held in
    quarantine (to `bad`) with the reason and counted rejected, never written or lost."""
    free, held = hold_locked(conn, rows, ["value", "deleted"])
    for row in held:
        reason = locked_reason(row["org_unit"], row["period"])
        raw = {
            "code": row["indicator_code"],
            "period": row["period"],
            "value": row["value"],
            "org_unit": row["org_unit"],
            "comment": row.get("comment"),
        }
        name = "/".join((row["indicator_code"], row["org_unit"], row["period"]))
        bad.append(quarantine_row(source, raw, reason, LOCKED_CONTEXT, key=f"locked:{name}"))
        summary.reject(reason, name)
    return free


def _audit(conn: Any, actor: str, source: str, rows: list[dict[str, Any]], result: Any) -> None:
    changed = set(result.changed_keys)
    entries = []
    for row in rows:
        key = value_key(row)
        if key not in changed:
            continue
        old = result.old_rows.get(key, {}).get("value")
        entries.append(
            {
                "ts": utcnow(),
                "actor": actor,
                "action": "update" if key in result.old_rows else "create",
                "entity": "data_value",
                "entity_key": "/".join((row["indicator_code"], row["org_unit"], row["period"])),
                "old_value": None if old is None else str(old),
                "new_value": str(row["value"]),
                "detail": source,
            }
        )
    if entries:
        conn.execute(AuditLog.__table__.insert(), entries)
