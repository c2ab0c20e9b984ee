"""Quarantine rows and their dedupe keys, built without SQL: the MQTT writer makes them
while it batches messages, before (and often without) loading the ORM (coc.store.lite).
How the keys work is told in `coc.store.quarantine`, which stores the rows."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from coc.timeutil import utcnow


def raw_text(payload: Any) -> str:
    """The payload as text every database accepts (PostgreSQL refuses NUL in text)."""
    if isinstance(payload, bytes):
        text = payload.decode("utf-8", errors="backslashreplace")
    elif isinstance(payload, str):
        text = payload
    else:
        text = json.dumps(payload, ensure_ascii=False, default=str)
    return text.replace("\x00", "\\x00") if "\x00" in text else text


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", errors="surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def dedupe_key(key: str, payload: Any, arrival: str | None = None) -> str:
    """The dedupe key `quarantine_row` gives a record: whether it is held already."""
    return _digest(key, raw_text(payload), arrival or "")


def quarantine_row(
    source: str,
    payload: Any,
    reason: str,
    context: str | None = None,
    *,
    key: str,
    arrival: str | None = None,
    redelivered: bool = False,
) -> dict:
    """A quarantine row for Core bulk inserts (ingest paths that batch writes).

    `key` names the record within its source (natural key, file and row, topic and packet
    id; "" when nothing does). `arrival` (MQTT) tells two deliveries of one payload apart;
    `redelivered` marks a QoS-1 redelivery, which adds nothing when its first copy is held.
    """
    raw = raw_text(payload)
    row = {
        "source": source,
        "raw": raw,
        "reason": reason,
        "context": context,
        "received_at": utcnow(),
        "status": "open",
        "dedupe_key": _digest(key, raw, arrival or ""),
        "message_key": None if arrival is None else _digest(key, raw),
    }
    if redelivered:
        row["redelivered"] = True
    return row
