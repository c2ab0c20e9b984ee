"""Resolving quarantined records: accept (re-ingest, optionally corrected) or reject.

Accepting validates the raw payload (or a corrected one) again and writes it in the same
transaction that marks the item accepted; a payload that still fails stays in quarantine.
Rejecting keeps the item (nothing is deleted) and records who decided. Both are audited.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection

from coc.counts import Counts
from coc.errors import CocError, ValidationError
from coc.indicators.catalog import Catalog
from coc.ingest.records import Rejected
from coc.ingest.writers import KINDS, validate_value, write_records, write_values
from coc.scope import Scope
from coc.store import quarantine
from coc.store.db import Store
from coc.store.locks import approved_pairs, locked_reason
from coc.store.models import AuditLog, Quarantine
from coc.timeutil import utcnow


def guess_kind(payload: Any) -> str | None:
    """Which record format a raw payload is in, from its keys."""
    if not isinstance(payload, dict):
        return None
    keys = set(payload)
    if "MaHoSo" in keys:
        return "dossier"
    if "direction" in keys:
        return "document"
    if "opened_date" in keys or ("title" in keys and "id" in keys):
        return "work_file"
    if "dataElement" in keys or {"code", "period"} <= keys:
        return "value"
    return None


def _value_item(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": payload.get("code", payload.get("dataElement")),
        "period": payload.get("period"),
        "value": payload.get("value"),
        "comment": payload.get("comment"),
    }


def _open_item(store: Store, item_id: int) -> Quarantine:
    with store.session() as session:
        item = session.get(Quarantine, item_id)
    if item is None:
        raise ValidationError(f"không có bản ghi cách ly số {item_id}")
    if item.status != "open":
        raise ValidationError(f"bản ghi cách ly số {item_id} đã được xử lý ({item.status})")
    return item


def accept(
    store: Store,
    catalog: Catalog,
    item_id: int,
    actor: str,
    org_unit: str,
    payload: Any = None,
    note: str | None = None,
    mark_only: bool = False,
) -> Counts | None:
    """Re-ingest a quarantined record (or `payload`, a corrected version) and mark it accepted."""
    item = _open_item(store, item_id)
    if mark_only:
        with store.write() as session:
            quarantine.resolve(session, item_id, "accepted", actor, note)
        return None
    if payload is None:
        try:
            payload = json.loads(item.raw)
        except json.JSONDecodeError:
            raise ValidationError(
                "dữ liệu gốc không phải JSON; hãy sửa (--sua) hoặc từ chối bản ghi"
            ) from None
    kind = guess_kind(payload)
    if kind is None:
        raise ValidationError("không nhận dạng được loại bản ghi; hãy sửa (--sua) hoặc từ chối")
    reason = _check(catalog, kind, payload, org_unit)
    if reason:
        raise ValidationError(f"bản ghi vẫn không hợp lệ: {reason}")
    if kind == "value":
        _refuse_locked(store, str(payload.get("org_unit") or org_unit), payload)

    def mark(conn: Connection, _: Counts) -> None:
        conn.execute(
            update(Quarantine)
            .where(Quarantine.id == item_id, Quarantine.status == "open")
            .values(status="accepted", resolved_by=actor, resolved_at=utcnow())
        )
        conn.execute(
            AuditLog.__table__.insert(),
            [
                {
                    "ts": utcnow(),
                    "actor": actor,
                    "action": "accept",
                    "entity": "quarantine",
                    "entity_key": str(item_id),
                    "old_value": "open",
                    "new_value": "accepted",
                    "detail": note,
                }
            ],
        )

    source = item.source
    if kind == "value":
        return write_values(
            store, catalog, [_value_item(payload)], org_unit, source, actor=actor, after=mark
        )
    return write_records(store, kind, [payload], org_unit, source, actor=actor, after=mark)


def _refuse_locked(store: Store, org_unit: str, payload: dict[str, Any]) -> None:
    """An approved period's value stays in quarantine until the period is un-approved."""
    period = str(payload.get("period") or "").strip()
    with store.session() as session:
        if approved_pairs(session, [(org_unit, period)]):
            raise ValidationError(locked_reason(org_unit, period))


def _check(catalog: Catalog, kind: str, payload: dict[str, Any], org_unit: str) -> str | None:
    if kind == "value":
        item = _value_item(payload)
        result: Any = validate_value(
            catalog, str(item["code"] or ""), str(item["period"] or ""), item["value"]
        )
    else:
        result = KINDS[kind][1](payload, org_unit)
    return result.reason if isinstance(result, Rejected) else None


def reject(store: Store, item_id: int, actor: str, note: str | None = None) -> None:
    """Mark a quarantined record rejected; it stays stored with the decision audited."""
    _open_item(store, item_id)
    with store.write() as session:
        quarantine.resolve(session, item_id, "rejected", actor, note)


def decide(
    store: Store,
    catalog: Catalog,
    ids: list[int],
    accepted: bool,
    actor: str,
    org_unit: str,
    scope: Scope | None = None,
) -> tuple[int, list[str]]:
    """Accept (re-ingest through the same validation as the CLI) or reject several records;
    returns how many were resolved and one line per record that could not be. Records name
    no org unit, so a person bound to some org units only resolves none."""
    if scope is not None and scope.restricted:
        return 0, [scope.refusal(None) or ""]
    done, errors = 0, []
    for item_id in ids:
        try:
            if accepted:
                accept(store, catalog, item_id, actor, org_unit)
            else:
                reject(store, item_id, actor)
            done += 1
        except CocError as exc:
            errors.append(f"#{item_id}: {exc}")
    return done, errors
