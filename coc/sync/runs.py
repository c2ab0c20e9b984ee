"""Sync bookkeeping in the connector tables: each push or pull is a ConnectorRun (so health
shows it next to the connectors) and each watermark a ConnectorCursor. The run records
themselves are started and finished by `coc.store.runs`, shared with the connectors.
"""

from __future__ import annotations

from datetime import datetime

from coc.store.db import Store
from coc.store.runs import (
    PUSH,
    finish_run,
    last_run,
    pull_name,
    read_cursor,
    save_cursor,
    start_run,
)
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
    text = read_cursor(store, name)
    return parse_datetime(text) if text else None


def set_watermark(store: Store, name: str, value: datetime) -> None:
    with store.write_conn() as conn:
        save_cursor(conn, name, iso_utc(value))
