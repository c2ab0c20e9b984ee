"""The one upsert of data values by their natural key (org unit, period, indicator,
category option combo, attribute option combo), as imports, the computation, the province
and the benchmarks write them: `last_updated` moves only when the value, its numerator or
denominator, its comment or follow-up mark, or the deleted flag changed, so the feed's
delta is exact. A row without combos gets the default ones (""), so callers that know
nothing of DHIS2's disaggregations keep writing the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_
from sqlalchemy.engine import Connection

from coc.store.models import VALUE_KEY, DataValue
from coc.store.upsert import UpsertResult, existing_rows, upsert_rows

VALUE_KEYS = list(VALUE_KEY)
VALUE_COMPARE = ["value", "numerator", "denominator", "deleted", "comment", "followup"]
DEFAULT_COMBO = ""
ValueKey = tuple[str, str, str, str, str]  # org_unit, period, indicator, coc, aoc


def default_combos() -> Any:
    """The condition for a value of the default combos: the total the dashboards, the
    indicator formulas and the roll-ups read (disaggregations are stored and served)."""
    return and_(
        DataValue.category_option_combo == DEFAULT_COMBO,
        DataValue.attribute_option_combo == DEFAULT_COMBO,
    )


def with_default_combos(row: dict[str, Any]) -> dict[str, Any]:
    """The row with the default combos where it names none."""
    if "category_option_combo" in row and "attribute_option_combo" in row:
        return row
    return {
        **row,
        "category_option_combo": row.get("category_option_combo") or DEFAULT_COMBO,
        "attribute_option_combo": row.get("attribute_option_combo") or DEFAULT_COMBO,
    }


def value_key(row: dict[str, Any]) -> ValueKey:
    """A row's natural key, in the unique index's order."""
    full = with_default_combos(row)
    return tuple(full[k] for k in VALUE_KEYS)  # type: ignore[return-value]


def upsert_values(
    conn: Connection,
    rows: Sequence[dict[str, Any]],
    compare: Sequence[str] = VALUE_COMPARE,
) -> UpsertResult:
    """Insert new values, update changed ones (touching `last_updated`), count the rest;
    `changed_keys` are `ValueKey`s."""
    return upsert_rows(
        conn,
        DataValue,
        [with_default_combos(r) for r in rows],
        VALUE_KEYS,
        compare=compare,
        touch="last_updated",
    )


def stored_values(conn: Connection, keys: Iterable[ValueKey]) -> dict[ValueKey, dict[str, Any]]:
    """The stored rows of these keys (deleted ones too), read through the unique index."""
    return existing_rows(conn, DataValue.__table__, VALUE_KEYS, list(dict.fromkeys(keys)))  # type: ignore[return-value]
