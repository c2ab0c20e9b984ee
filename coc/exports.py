"""Spreadsheet exports that are safe to open: the one writer of CSV and Excel files.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel and LibreOffice (CSV injection, OWASP). Every export goes through this module:
- CSV: such a text cell gets OWASP's `'` prefix (a plain number such as `-2,5` stays as
  it is, so negative numbers remain numbers);
- Excel: every text cell is written as a string cell, never a formula, and a risky one
  gets Excel's own quote-prefix flag (what Excel stores when a user types a leading `'`),
  so the text shows unchanged and is never evaluated.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

from coc.timeutil import to_local

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A whole cell that is only a number (1.234,5 / -2.5 / +3 / 1e-3 / -12%) is no formula.
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?%?")
MAX_CELL_CHARS = 32767  # Excel's limit per cell
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def is_risky(text: str) -> bool:
    """True when a spreadsheet would read this text as a formula."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def neutralise(value: Any) -> Any:
    """A CSV cell value: risky text prefixed with `'`; everything else unchanged."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """Values a spreadsheet can hold: None for missing, local naive times, text for the rest."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return _plain(float(value))
    if isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    if hasattr(value, "item"):  # numpy / pandas scalars
        try:
            return _plain(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]], bom: bool = True) -> str:
    """CSV with a UTF-8 BOM (so Excel opens Vietnamese text as UTF-8), risky cells neutralised.

    Lines end in CRLF (RFC 4180), which also makes the writer quote a cell holding a CR.
    """
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for row in (header, *rows):
        writer.writerow(["" if (v := _plain(c)) is None else neutralise(v) for c in row])
    return out.getvalue()


def _excel_text(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)[:MAX_CELL_CHARS]


def _excel_cell(sheet: Worksheet, raw: Any) -> Cell:
    value = _plain(raw)
    cell = Cell(sheet)
    if value == "":
        pass
    elif isinstance(value, str):
        cell.value = _excel_text(value)
        cell.data_type = "s"  # openpyxl would make "=…" a formula and "#N/A" an error
        if is_risky(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def append_row(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append one row; text is always a string cell, never a formula or an error code."""
    sheet.append([_excel_cell(sheet, v) for v in values])


def sheet_title(name: str) -> str:
    """A valid sheet name: no []:*?/\\, at most 31 characters, never empty."""
    return (SHEET_NAME_BAD.sub("-", name).strip("'") or "Sheet")[:31]


def xlsx_bytes(name: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """One-sheet workbook of the header and rows."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(name)
    append_row(sheet, header)
    for row in rows:
        append_row(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
