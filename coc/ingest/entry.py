"""Writes a person starts from the dashboard: one value from the form, or a whole Excel/CSV
file. Both validate, quarantine and audit through `coc.ingest.writers` (the file through
`coc.ingest.tabular`, as `coc import` does), then recompute the affected periods'
indicators so the clerk sees the result at once.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from coc.counts import Counts
from coc.indicators.catalog import Catalog
from coc.indicators.engine import Engine
from coc.ingest.tabular import SOURCE as IMPORT_SOURCE
from coc.ingest.tabular import ImportSummary, import_file
from coc.ingest.writers import write_values
from coc.periods import month_of, with_enclosing
from coc.scope import Scope
from coc.scope import check as check_unit
from coc.store.db import Store
from coc.store.models import DataValue
from coc.timeutil import utcnow


def recompute(
    store: Store, catalog: Catalog, org_unit: str, periods: list[str], now: datetime
) -> None:
    """Recompute the periods and the quarters and years that contain them."""
    Engine(catalog).refresh(store, org_unit, with_enclosing(sorted(set(periods))), now=now)


def save_value(
    store: Store,
    catalog: Catalog,
    org_unit: str,
    item: dict[str, Any],
    actor: str,
    now: datetime,
    scope: Scope | None = None,
) -> Counts:
    """One value {code, period, value, comment} entered by hand (source "manual");
    `UnitRefused` for an org unit outside the person's `scope`."""
    check_unit(scope, org_unit)
    summary = write_values(store, catalog, [item], org_unit, source="manual", actor=actor)
    if summary.imported or summary.updated:
        recompute(store, catalog, org_unit, [str(item["period"])], now)
    return summary


def import_bytes(
    store: Store,
    catalog: Catalog,
    org_unit: str,
    raw: bytes,
    filename: str,
    actor: str,
    now: datetime,
    scope: Scope | None = None,
) -> ImportSummary:
    """Import an uploaded file, then recompute what changed: the periods of the values this
    import wrote (their `last_updated` moved), or for a facts file (documents, dossiers)
    the month of `now`. Raises `ImportError_` (a one-line reason) for an unreadable file,
    `UnitRefused` for an org unit outside the person's `scope`."""
    check_unit(scope, org_unit)
    started = utcnow()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(filename).name or "tep-tai-len")
        path.write_bytes(raw)
        summary = import_file(store, catalog, path, org_unit, actor)
    if summary.imported or summary.updated:
        periods = changed_periods(store, org_unit, started) if summary.kind == "value" else []
        recompute(store, catalog, org_unit, periods or [month_of(now).code], now)
    return summary


def changed_periods(store: Store, org_unit: str, since: datetime) -> list[str]:
    """Periods of the org unit's imported values written at or after `since`."""
    stmt = select(DataValue.period).where(
        DataValue.org_unit == org_unit,
        DataValue.source == IMPORT_SOURCE,
        DataValue.last_updated >= since,
    )
    with store.session() as session:
        return sorted(set(session.scalars(stmt.distinct())))
