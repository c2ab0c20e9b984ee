"""Values an upstream refused on push: which ones (its per-value conflicts and rejected
indexes, in DHIS2 2.36–2.41 ImportSummary and the 2.38+ WebMessage envelope), kept in
quarantine with the upstream's reason, and held back from later pushes until they change.

A value is named in quarantine by the upstream and its key, and its payload as sent: the
same value sent again has the same dedupe key and is held back; once it changes (a new
value, or in COC's feed a new lastUpdated) the key differs and it is sent again. A clerk
who handles the quarantined item releases it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coc.counts import Conflict
from coc.store.db import Store
from coc.store.quarantine import dedupe_key, insert_rows, open_keys, quarantine_row

SOURCE = "push"
KEY_FIELDS = ("orgUnit", "period", "dataElement", "categoryOptionCombo", "attributeOptionCombo")


def value_name(upstream: str, wire: dict[str, Any]) -> str:
    """The quarantine key of a pushed value: the upstream and the value's natural key."""
    return upstream + "|" + "/".join(str(wire.get(k) or "") for k in KEY_FIELDS)


def held_back(store: Store, upstream: str, wires: Sequence[dict[str, Any]]) -> set[int]:
    """Positions of the values this upstream refused before, unchanged since."""
    keys = {dedupe_key(value_name(upstream, w), w): i for i, w in enumerate(wires)}
    if not keys:
        return set()
    with store.engine.connect() as conn:
        held = open_keys(conn, SOURCE, set(keys))
    return {keys[k] for k in held}


def match(
    conflicts: Sequence[Conflict], rejected: Sequence[int], sent: Sequence[dict[str, Any]]
) -> tuple[dict[int, Conflict], list[Conflict]]:
    """The refused values by position, each with its reason; and the conflicts that name no
    value. A conflict names values by its indexes (DHIS2 2.38+), else by its `object` when
    that is a value's data element, org unit, period or combo (older summaries); a rejected
    index without a conflict of its own keeps a general reason."""
    refused: dict[int, Conflict] = {}
    loose: list[Conflict] = []
    for conflict in conflicts:
        if conflict.index is not None:
            if 0 <= conflict.index < len(sent):
                refused.setdefault(conflict.index, conflict)
            else:
                loose.append(conflict)
            continue
        named = [
            i
            for i, w in enumerate(sent)
            if conflict.object and conflict.object in (str(w.get(k) or "") for k in KEY_FIELDS)
        ]
        for i in named:
            refused.setdefault(i, conflict)
        if not named:
            loose.append(conflict)
    for index in rejected:
        if 0 <= index < len(sent) and index not in refused:
            refused[index] = Conflict("upstream từ chối giá trị này (rejectedIndexes)", None, index)
    return refused, loose


def quarantine(
    store: Store,
    upstream: str,
    shown: str,
    page: int,
    refused: dict[int, tuple[dict[str, Any], Conflict]],
    loose: Sequence[Conflict],
) -> int:
    """Keep the refused values (and conflicts that name none) with the upstream's reason."""
    rows = []
    for index, (wire, conflict) in sorted(refused.items()):
        code = f" [{conflict.code}]" if conflict.code else ""
        rows.append(
            quarantine_row(
                SOURCE,
                wire,
                f"upstream từ chối{code}: {conflict.reason}",
                f"đẩy lên {shown}, trang {page}, vị trí {index}",
                key=value_name(upstream, wire),
            )
        )
    for conflict in loose:
        raw = {"object": conflict.object, "value": conflict.reason, "errorCode": conflict.code}
        rows.append(
            quarantine_row(
                SOURCE,
                raw,
                f"upstream báo xung đột không chỉ rõ giá trị: {conflict.text}",
                f"đẩy lên {shown}, trang {page}",
                key=f"{upstream}|page",
            )
        )
    with store.write_conn() as conn:
        return insert_rows(conn, rows)
