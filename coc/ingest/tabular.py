"""Excel/CSV import: the downloadable template (indicator code, period, value) and the
connectors' own record formats (documents, work files, dossiers, data values).

Every row is validated; bad rows go to quarantine with their row number and reason and
the rest import. Re-importing the same file changes nothing. Values entered by hand are
audited (who, when, old value, new value) by `coc.ingest.writers`.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from coc.counts import Counts
from coc.errors import CocError
from coc.exports import append_row
from coc.indicators.catalog import Catalog
from coc.ingest.textfile import UnreadableText, decode_text
from coc.ingest.writers import write_records, write_values

SOURCE = "import"
DATA_SHEET = "Số liệu"
HEADER_SCAN_ROWS = 10
TEMPLATE_HEADERS = (
    "Mã chỉ tiêu",
    "Tên chỉ tiêu",
    "Đơn vị tính",
    "Kỳ báo cáo",
    "Giá trị",
    "Ghi chú",
)
VALUE_ALIASES = {
    "code": ("ma chi tieu", "code", "dataelement", "ma"),
    "period": ("ky bao cao", "ky", "period"),
    "value": ("gia tri", "value", "so lieu"),
    "comment": ("ghi chu", "comment"),
}


class ImportError_(CocError):
    """The file cannot be read as a table COC understands."""


@dataclass(kw_only=True)
class ImportSummary(Counts):
    """The counts of one file, with its name, kind, data rows and blank rows skipped."""

    file: str
    kind: str  # value | document | work_file | dossier
    rows: int = 0
    skipped: int = 0  # blank rows (e.g. template lines left empty)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "reasons": self.reasons,
        }

    def text_vi(self) -> str:
        return (
            f"{self.file}: {self.imported} mới, {self.updated} cập nhật, "
            f"{self.unchanged} không đổi, {self.rejected} bị từ chối (đưa vào cách ly)"
            + (f", {self.skipped} dòng trống bỏ qua" if self.skipped else "")
            + (f", {self.duplicates} dòng trùng, lấy dòng cuối" if self.duplicates else "")
        )


def _plain(text: Any) -> str:
    text = str(text or "").strip().lower().replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(text.replace("_", " ").split())


def _cell(value: Any) -> Any:
    """Spreadsheet cells as the validators expect: whole floats as ints, text stripped."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _rows_xlsx(path: Path) -> Iterator[tuple[int, list[Any]]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise ImportError_(
            f"không đọc được tệp Excel {path.name} (tệp hỏng hoặc không phải .xlsx)"
        ) from None
    number = 0
    try:
        sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell(v) for v in row]
    except Exception as exc:  # openpyxl raises many kinds on a damaged sheet: all are input
        raise ImportError_(
            f"tệp Excel {path.name} hỏng ở dòng {number + 1} ({type(exc).__name__})"
        ) from None
    finally:
        book.close()


def _rows_csv(path: Path) -> Iterator[tuple[int, list[Any]]]:
    try:
        text, _encoding = decode_text(path.read_bytes())
    except OSError as exc:
        raise ImportError_(f"không đọc được tệp {path}: {exc.strerror}") from None
    except UnreadableText as exc:
        raise ImportError_(f"tệp {path.name}: {exc}") from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, row in enumerate(reader, start=1):
            yield number, [_cell(v) for v in row]
    except csv.Error as exc:
        raise ImportError_(f"tệp {path.name} hỏng ở dòng {number + 1}: {exc}") from None


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """Header and numbered data rows of the first table in the file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _rows_xlsx(path)
    elif suffix in (".csv", ".txt"):
        rows = _rows_csv(path)
    else:
        raise ImportError_(
            f"không hỗ trợ định dạng tệp '{suffix or path.name}' (dùng .xlsx hoặc .csv)"
        )
    header: list[str] | None = None
    data: list[tuple[int, list[Any]]] = []
    for number, row in rows:
        if header is None:
            if number > HEADER_SCAN_ROWS:
                break
            if _kind_of([str(c or "") for c in row]):
                header = [str(c or "").strip() for c in row]
            continue
        data.append((number, row))
    if header is None:
        raise ImportError_(
            f"tệp {path.name} không có dòng tiêu đề hợp lệ (cần các cột Mã chỉ tiêu, Kỳ báo cáo, "
            "Giá trị; hoặc định dạng bản ghi của văn bản, hồ sơ công việc, hồ sơ TTHC)"
        )
    return header, data


def _value_columns(header: list[str]) -> dict[str, int]:
    plain = [_plain(h) for h in header]
    found: dict[str, int] = {}
    for name, aliases in VALUE_ALIASES.items():
        for alias in aliases:
            if alias in plain:
                found[name] = plain.index(alias)
                break
    return found


def _kind_of(header: list[str]) -> str | None:
    names = {h.strip() for h in header if h}
    lower = {n.lower() for n in names}
    if "mahoso" in lower:
        return "dossier"
    if {"id", "direction"} <= lower:
        return "document"
    if {"id", "opened_date"} <= lower:
        return "work_file"
    if {"code", "period", "value"} <= set(_value_columns(list(names))):
        return "value"
    return None


def _blank(row: list[Any]) -> bool:
    return all(v in (None, "") for v in row)


def import_file(
    store: Any, catalog: Catalog, path: str | Path, org_unit: str, actor: str
) -> ImportSummary:
    """Import one .xlsx or .csv file; returns what was imported, updated, unchanged, rejected."""
    path = Path(path)
    if not path.exists():
        raise ImportError_(f"không tìm thấy tệp {path}")
    header, data = read_table(path)
    kind = _kind_of(header) or "value"
    summary = ImportSummary(file=path.name, kind=kind, rows=len(data))
    numbers: list[int] = []
    if kind == "value":
        cols = _value_columns(header)
        items = []
        for number, row in data:
            padded = row + [None] * (len(header) - len(row))
            value = padded[cols["value"]]
            if _blank(row) or value in (None, ""):
                summary.skipped += 1
                continue
            item = {name: padded[i] for name, i in cols.items()}
            item["period"] = _period_text(item.get("period"))
            items.append(item)
            numbers.append(number)
        written = write_values(
            store,
            catalog,
            items,
            org_unit,
            SOURCE,
            actor=actor,
            context=lambda i: f"dòng {numbers[i]}",
        )
    else:
        records = []
        for number, row in data:
            if _blank(row):
                summary.skipped += 1
                continue
            records.append({h: v for h, v in zip(header, row, strict=False) if h})
            numbers.append(number)
        written = write_records(
            store,
            kind,
            records,
            org_unit,
            SOURCE,
            context=lambda i: f"dòng {numbers[i]}",
            actor=actor,
        )
    summary.add(written)
    return summary


def _period_text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()  # rejected by the period check, with the reason shown
    return "" if value is None else str(value).strip()


def template_bytes(catalog: Catalog, period: str | None = None) -> bytes:
    """The .xlsx template: one row per enterable indicator, a catalogue and instructions."""
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    append_row(sheet, TEMPLATE_HEADERS)
    enterable = catalog.enterable
    for ind in enterable:
        append_row(sheet, [ind.code, ind.name_vi, ind.unit, period or "", None, None])
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", fgColor="1F4E79")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for column in ("D",):  # period as text, so 202611 stays 202611
        for cell in sheet[column]:
            cell.number_format = "@"
    for column, width in zip("ABCDEF", (28, 60, 16, 14, 14, 30), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"

    ref = book.create_sheet("Danh mục")
    append_row(
        ref, ["Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Tối thiểu", "Tối đa", "Cách tính"]
    )
    for ind in enterable:
        low, high = ind.value_range()
        append_row(ref, [ind.code, ind.name_vi, ind.unit, low, high, ind.formula_vi])
    for cell in ref[1]:
        cell.font, cell.fill = bold, fill
    for column, width in zip("ABCDEF", (28, 60, 16, 10, 12, 70), strict=True):
        ref.column_dimensions[column].width = width

    guide = book.create_sheet("Hướng dẫn")
    for line in (
        "Mẫu nhập số liệu chỉ tiêu – COC (Trung tâm giám sát, điều hành thông minh cấp xã)",
        "1. Nhập số liệu vào trang 'Số liệu': mỗi dòng là một chỉ tiêu trong một kỳ báo cáo.",
        "2. Kỳ báo cáo: tháng ghi 202611, quý ghi 2026Q4, năm ghi 2026.",
        "3. Giá trị là số; tỷ lệ (%) từ 0 đến 100; số thập phân dùng dấu phẩy (97,5) hoặc chấm.",
        "4. Dòng để trống cột Giá trị sẽ được bỏ qua; không đổi tên các cột tiêu đề.",
        "5. Dòng sai (mã không tồn tại, kỳ sai, giá trị ngoài khoảng) được đưa vào danh sách "
        "cách ly kèm số dòng và lý do; các dòng đúng vẫn được nhập.",
        "6. Nhập lại cùng một tệp không làm thay đổi dữ liệu; mọi thay đổi được ghi nhật ký.",
    ):
        append_row(guide, [line])
    guide.column_dimensions["A"].width = 110
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
