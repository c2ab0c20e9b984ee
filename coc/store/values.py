"""The one upsert of data values by (indicator, org unit, period), as imports, the
province and the benchmarks write them: `last_updated` moves only when the value, its
numerator or denominator, or the deleted flag changed, so the feed's delta stays exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from coc.store.models import DataValue
from coc.store.upsert import UpsertResult, upsert_rows

VALUE_KEYS = ["indicator_code", "org_unit", "period"]
VALUE_COMPARE = ["value", "numerator", "denominator", "deleted"]


def upsert_values(conn: Connection, rows: Sequence[dict[str, Any]]) -> UpsertResult:
    """Insert new values, update changed ones (touching `last_updated`), count the rest."""
    return upsert_rows(
        conn, DataValue, rows, VALUE_KEYS, compare=VALUE_COMPARE, touch="last_updated"
    )
