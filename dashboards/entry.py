"""Writes from the dashboard: one value from the form, or a whole Excel/CSV file.

Both go through coc.ingest.writers.write_values (validation, quarantine, audit) and then
recompute the period's indicators so the clerk sees the result at once.
"""

from __future__ import annotations

import base64
import io
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from coc.indicators.engine import Engine
from coc.ingest.writers import WriteSummary, write_values
from dashboards import state

COLUMNS = ("code", "period", "value", "comment")
HEADER_ALIASES = {"mã": "code", "ma": "code", "kỳ": "period", "ky": "period", "giá trị": "value",
                  "gia tri": "value", "ghi chú": "comment", "ghi chu": "comment"}  # fmt: skip


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
    Engine(st.catalog).refresh(st.store, st.org_unit, sorted(set(periods)), now=st.now())


def decode_upload(contents: str) -> bytes:
    try:
        _header, encoded = contents.split(",", 1)
        return base64.b64decode(encoded)
    except (ValueError, TypeError):
        raise FileError("tệp tải lên bị hỏng") from None


def read_table(raw: bytes, filename: str) -> list[dict[str, Any]]:
    """Rows of code/period/value[/comment] from .xlsx or .csv (Vietnamese headers accepted)."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            frame = pd.read_excel(io.BytesIO(raw), dtype=str, engine="openpyxl")
        elif name.endswith(".csv"):
            frame = pd.read_csv(io.BytesIO(raw), dtype=str, encoding="utf-8-sig", sep=None,
                                engine="python")  # fmt: skip
        else:
            raise FileError("chỉ nhận tệp .xlsx hoặc .csv")
    except FileError:
        raise
    except Exception as exc:  # pandas/openpyxl raise many types for a broken file
        raise FileError(f"không đọc được nội dung tệp ({type(exc).__name__})") from None
    frame.columns = [HEADER_ALIASES.get(str(c).strip().lower(), str(c).strip().lower())
                     for c in frame.columns]  # fmt: skip
    missing = [c for c in ("code", "period", "value") if c not in frame.columns]
    if missing:
        raise FileError(f"thiếu cột: {', '.join(missing)} (cần code, period, value)")
    frame = frame.where(frame.notna(), None)
    rows = [
        {c: (str(row[c]).strip() if row.get(c) is not None else None)
         for c in COLUMNS if c in frame.columns}
        for row in frame.to_dict("records")
    ]  # fmt: skip
    for row in rows:
        row["value"] = normalise_number(row["value"])
    return rows


def import_upload(contents: str, filename: str, actor: str) -> WriteSummary:
    """Import an uploaded file; the connectors' importer once merged, else the table reader."""
    st = state.get()
    raw = decode_upload(contents)
    try:  # wired after merge: connectors.importer.import_file (issue 3)
        from connectors.importer import import_file
    except ImportError:
        import_file = None
    if import_file is not None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(filename).name
            path.write_bytes(raw)
            result = import_file(st.store, st.catalog, path, st.org_unit, actor)
        summary = _as_summary(result)
    else:
        items = read_table(raw, filename)
        summary = write_values(st.store, st.catalog, items, st.org_unit, source="import",
                               actor=actor, context=lambda i: f"dòng {i + 2}")  # fmt: skip
        periods = [str(i["period"]) for i in items if i.get("period")]
        if summary.imported or summary.updated:
            recompute([p for p in periods if len(p) in (4, 6) or "Q" in p])
    return summary


def _as_summary(result: Any) -> WriteSummary:
    if isinstance(result, WriteSummary):
        return result
    get = result.get if isinstance(result, dict) else lambda k, d=0: getattr(result, k, d)
    return WriteSummary(int(get("imported", 0) or 0), int(get("updated", 0) or 0),
                        int(get("unchanged", 0) or 0), int(get("rejected", 0) or 0),
                        list(get("reasons", []) or []))  # fmt: skip


def template_bytes() -> bytes:
    """An .xlsx template: the value sheet and a sheet listing the codes a clerk may enter."""
    st = state.get()
    try:  # wired after merge: connectors.importer.template_bytes (issue 3)
        from connectors.importer import template_bytes as merged
    except ImportError:
        merged = None
    if merged is not None:
        return merged(st.catalog)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame(columns=list(COLUMNS)).to_excel(writer, index=False, sheet_name="so_lieu")
        codes = pd.DataFrame(enterable_codes(), columns=["code", "name"])
        codes.to_excel(writer, index=False, sheet_name="ma_chi_tieu")
    return buffer.getvalue()
