"""Writes from the dashboard: one value from the form, or a whole Excel/CSV file.

A value goes through coc.ingest.writers.write_values, a file through the connectors'
importer (which validates, quarantines and audits the same way); both then recompute the
affected periods' indicators so the clerk sees the result at once.
"""

from __future__ import annotations

import base64
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from coc.indicators.engine import Engine
from coc.ingest.tabular import SOURCE as IMPORT_SOURCE
from coc.ingest.tabular import ImportError_, ImportSummary, import_file
from coc.ingest.tabular import template_bytes as connector_template
from coc.ingest.writers import WriteSummary, write_values
from coc.periods import with_enclosing
from coc.store.models import DataValue
from coc.timeutil import utcnow
from dashboards import data, state


class FileError(ValueError):
    """The uploaded file cannot be read as a value table; the message is Vietnamese."""


def enterable_codes() -> list[tuple[str, str]]:
    """(code, label) of every catalog entry a person reports: elements and element formulas."""
    st = state.get()
    out = []
    for ind in st.catalog.indicators:
        if ind.formula.get("type") == "element":
            out.append((ind.code, f"{ind.code} – {ind.name_vi}"))
    return out


_VI_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")


def normalise_number(value: Any) -> Any:
    """'14.400' and '1.234,5' are Vietnamese thousands: make them 14400 and 1234.5.

    Anything else passes unchanged to the core validator, which explains what is wrong.
    """
    if isinstance(value, str) and _VI_THOUSANDS.match(value.strip()):
        return value.strip().replace(".", "").replace(",", ".")
    return value


def save_value(code: str, period: str, value: Any, comment: str | None, actor: str) -> WriteSummary:
    st = state.get()
    value = normalise_number(value)
    item = {"code": code, "period": period, "value": value, "comment": comment or None}
    summary = write_values(st.store, st.catalog, [item], st.org_unit, source="manual", actor=actor)
    if summary.imported or summary.updated:
        recompute([period])
    return summary


def recompute(periods: list[str]) -> None:
    st = state.get()
    periods = with_enclosing(sorted(set(periods)))
    Engine(st.catalog).refresh(st.store, st.org_unit, periods, now=st.now())


def decode_upload(contents: str) -> bytes:
    try:
        _header, encoded = contents.split(",", 1)
        return base64.b64decode(encoded)
    except (ValueError, TypeError):
        raise FileError("tệp tải lên bị hỏng") from None


def import_upload(contents: str, filename: str, actor: str) -> ImportSummary:
    """Import an uploaded file with the connectors' importer, then recompute what changed.

    The periods to recompute are those of the values this import wrote (their
    `last_updated` moved); a facts file (documents, dossiers) recomputes the current month.
    """
    st = state.get()
    raw = decode_upload(contents)
    started = utcnow()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(filename).name or "tep-tai-len")
        path.write_bytes(raw)
        try:
            summary = import_file(st.store, st.catalog, path, st.org_unit, actor)
        except ImportError_ as exc:
            raise FileError(str(exc)) from None
    if summary.imported or summary.updated:
        periods = changed_periods(started) if summary.kind == "value" else []
        recompute(periods or [data.current_month()])
    return summary


def changed_periods(since: datetime) -> list[str]:
    """Periods of this commune's imported values written at or after `since`."""
    st = state.get()
    stmt = select(DataValue.period).where(
        DataValue.org_unit == st.org_unit,
        DataValue.source == IMPORT_SOURCE,
        DataValue.last_updated >= since,
    )
    with st.store.session() as session:
        return sorted(set(session.scalars(stmt.distinct())))


def template_bytes() -> bytes:
    """The connectors' .xlsx template, its period column filled with the current month."""
    return connector_template(state.get().catalog, data.current_month())
