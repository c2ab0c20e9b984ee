"""Sync bookkeeping in the connector tables: each push or pull is a ConnectorRun (so health
shows it next to the connectors) and each watermark a ConnectorCursor. The run records
themselves are started and finished by `coc.store.runs`, shared with the connectors.
"""

from __future__ import annotations

from datetime import datetime

from coc.store.db import Store
from coc.store.models import ConnectorCursor
from coc.store.runs import PUSH, finish_run, last_run, pull_name, start_run
from coc.store.upsert import upsert_rows
from coc.timeutil import iso_utc, parse_datetime

__all__ = [
    "PUSH",
    "finish_run",
    "get_watermark",
    "last_run",
    "pull_name",
    "set_watermark",
    "start_run",
]


def get_watermark(store: Store, name: str) -> datetime | None:
    with store.session() as session:
        row = session.get(ConnectorCursor, name)
    return parse_datetime(row.cursor) if row and row.cursor else None


def set_watermark(store: Store, name: str, value: datetime) -> None:
    with store.write_conn() as conn:
        upsert_rows(
            conn, ConnectorCursor, [{"connector": name, "cursor": iso_utc(value)}], ["connector"]
        )
