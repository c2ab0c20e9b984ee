"""Import reports what it merged and reads (or refuses by name) every encoding; any file,
any row becomes a value, a quarantine reason or one clear error, never an exception.

Property tests: `pytest tests/test_import_hardening.py --hypothesis-show-statistics`.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fixtures_base import new_store, small_catalog
from fixtures_web import ORIGIN, call, find, finish_job, login
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy import func, select

from coc.ingest.tabular import ImportError_, import_file
from coc.ingest.textfile import UnreadableText, decode_text
from coc.store.models import DataValue, Dossier, Quarantine

ACTOR = "vanthu.hoa"
HEADER = "Mã chỉ tiêu;Kỳ báo cáo;Giá trị;Ghi chú\n"
ROWS = "DAN_SO;202611;60123;Số liệu của Ủy ban nhân dân xã\nSO_HO;202611;16.250;\n"
TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: base letters, tone marks combining."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out += (base + "".join(c for c in parts if c in TONES)).encode("cp1258")
    return bytes(out)


def _values(store) -> dict[str, tuple[float, str | None]]:
    with store.session() as session:
        return {v.indicator_code: (v.value, v.comment) for v in session.scalars(select(DataValue))}


def test_duplicate_rows_are_counted_and_the_last_one_kept(tmp_path: Path) -> None:
    lines = [f"DAN_SO;202611;{60000 + i}" for i in range(12)] + ["DAN_SO;202611;61000"]
    lines += ["SO_HO;202611;16250", "SO_HO;202610;16200"]
    path = tmp_path / "trung.csv"
    path.write_text("Mã chỉ tiêu;Kỳ báo cáo;Giá trị\n" + "\n".join(lines) + "\n", "utf-8")
    store = new_store(tmp_path)
    summary = import_file(store, small_catalog(), path, "10237", ACTOR)
    assert (summary.rows, summary.imported, summary.duplicates) == (15, 3, 12)
    assert summary.text_vi() == (
        "trung.csv: 3 mới, 0 cập nhật, 0 không đổi, 0 bị từ chối (đưa vào cách ly), "
        "12 dòng trùng, lấy dòng cuối"
    )
    assert summary.merged[0] == "dòng 2 trùng dòng 3 (DAN_SO/10237/202611): lấy dòng sau"
    assert summary.merged[-1] == "dòng 13 trùng dòng 14 (DAN_SO/10237/202611): lấy dòng sau"
    assert _values(store)["DAN_SO"] == (61000.0, None)
    assert summary.as_dict()["duplicates"] == 12


def test_duplicate_records_are_reported_too(tmp_path: Path) -> None:
    path = tmp_path / "hoso.csv"
    row = "H01.10237-261102-0001,2.000815,2,20261102080000,20261102170000,{state}\n"
    path.write_text(
        "MaHoSo,MaTTHC,KenhThucHien,NgayTiepNhan,NgayHenTra,TrangThaiHoSo\n"
        + row.format(state=4)
        + row.format(state=10),
        encoding="utf-8",
    )
    store = new_store(tmp_path)
    summary = import_file(store, small_catalog(), path, "10237", ACTOR)
    assert (summary.imported, summary.duplicates) == (1, 1)
    assert summary.merged == ["dòng 2 trùng dòng 3 (10237/H01.10237-261102-0001): lấy dòng sau"]
    with store.session() as session:
        assert [d.TrangThaiHoSo for d in session.scalars(select(Dossier))] == [10]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + (HEADER + ROWS).encode("utf-8"), "UTF-8"),
        ((HEADER + ROWS).encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF16_LE + (HEADER + ROWS).replace(";", "\t").encode("utf-16-le"), "UTF-16"),
        (codecs.BOM_UTF16_BE + (HEADER + ROWS).encode("utf-16-be"), "UTF-16"),
        ((HEADER + ROWS).encode("utf-16-le"), "UTF-16"),
        (codecs.BOM_UTF32_LE + (HEADER + ROWS).encode("utf-32-le"), "UTF-32"),
        (to_cp1258(HEADER + ROWS), "Windows-1258"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, data: bytes, encoding: str) -> None:
    text, found = decode_text(data)
    assert found == encoding
    assert text == (HEADER + ROWS).replace(";", "\t" if b"\t\x00" in data else ";")
    path = tmp_path / "so-lieu.txt"
    path.write_bytes(data)
    store = new_store(tmp_path)
    summary = import_file(store, small_catalog(), path, "10237", ACTOR)
    assert (summary.imported, summary.rejected) == (2, 0)
    assert _values(store) == {
        "DAN_SO": (60123.0, "Số liệu của Ủy ban nhân dân xã"),  # NFC, as typed
        "SO_HO": (16250.0, None),
    }


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            "コード;期間;値\n日本語のテキストです。\n".encode("shift_jis"),
            "có vẻ là cp932, Japanese",
        ),
        ("Код;Период;Значение\nПривет мир, это тест\n".encode("cp1251"), "có vẻ là cp1251"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8ab", "tệp có dấu BOM của UTF-16 nhưng nội dung sai mã"),
        (b"PK\x03\x04\x00\x00\x08\x00\x81\xff\x00\x10", "tệp chứa byte NUL"),
    ],
)
def test_other_encodings_are_refused_by_name(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableText, match=reason):
        decode_text(data)
    path = tmp_path / "la.csv"
    path.write_bytes(data)
    with pytest.raises(ImportError_, match=f"tệp la.csv: .*{reason}"):
        import_file(new_store(tmp_path), small_catalog(), path, "10237", ACTOR)


def test_upload_page_shows_the_merge(fresh_app: Any) -> None:
    import base64

    client = fresh_app.server.test_client()
    login(client, "thuky")
    body = "Mã chỉ tiêu,Kỳ báo cáo,Giá trị\nDAN_SO,202611,1\nDAN_SO,202611,2\nDAN_SO,202611,3\n"
    contents = "data:text/csv;base64," + base64.b64encode(body.encode()).decode()
    response = call(
        client,
        "entry-upload-message.children",
        [{"id": "entry-upload", "property": "contents", "value": contents}],
        [
            {"id": "entry-upload", "property": "filename", "value": "trung.csv"},
            {"id": "entry-lang", "property": "data", "value": "vi"},
            {"id": "entry-ou", "property": "data", "value": "10237"},
        ],
        headers=ORIGIN,
    )
    pending = response.json["response"]["entry-upload-message"]["children"]
    merged = find(finish_job(client, "entry-upload", pending), "upload-duplicates")
    assert merged["props"]["children"] == (
        "2 dòng trùng, lấy dòng cuối:\n"
        "dòng 2 trùng dòng 3 (DAN_SO/10237/202611): lấy dòng sau\n"
        "dòng 3 trùng dòng 4 (DAN_SO/10237/202611): lấy dòng sau"
    )


# ── property tests: any bytes, any rows ──

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


CATALOG = small_catalog()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    folder = tmp_path_factory.mktemp("fuzz-import")
    return new_store(folder), folder


def _accounted(summary: Any) -> None:
    handled = (summary.imported + summary.updated + summary.unchanged + summary.rejected
               + summary.skipped + summary.duplicates)  # fmt: skip
    assert handled == summary.rows, summary.as_dict()
    assert len(summary.reasons) == summary.rejected


_HEADERS = st.sampled_from(
    [
        b"",
        HEADER.encode("utf-8"),
        codecs.BOM_UTF8 + HEADER.encode("utf-8"),
        codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"),
        HEADER.encode("utf-16-be"),
        to_cp1258(HEADER),
        b"MaHoSo,NgayTiepNhan\n",
    ]
)


@settings(PROPERTY, max_examples=400)
@given(st.tuples(_HEADERS, st.binary(max_size=400)).map(b"".join))
def test_any_bytes_as_csv(shared: tuple[Any, Path], data: bytes) -> None:
    store, folder = shared
    path = folder / "bat-ky.csv"
    path.write_bytes(data)
    try:
        summary = import_file(store, CATALOG, path, "10237", ACTOR)
    except ImportError_ as exc:
        assert str(exc)
    else:
        _accounted(summary)


_CELL = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["DAN_SO", "SO_HO", "TK_THANH_TOAN", "KHONG_CO", " dan_so "]),
    st.sampled_from(["202611", "2026Q4", "2026", "20261131", "2026-11", "202613"]),
    st.sampled_from(["1.234,5", "-3", "1e999", "nan", "60.123", "12,5%", ""]),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.booleans(),
)
_ROWS = st.lists(st.lists(_CELL, min_size=0, max_size=5), max_size=12)


@settings(PROPERTY, max_examples=300)
@given(_ROWS, st.sampled_from([",", ";", "\t"]))
def test_any_rows_in_a_csv(shared: tuple[Any, Path], rows: list[list[Any]], sep: str) -> None:
    store, folder = shared
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep)
    writer.writerow(["Mã chỉ tiêu", "Kỳ báo cáo", "Giá trị", "Ghi chú"])
    writer.writerows(rows)
    path = folder / "dong.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    before = _quarantined(store)
    summary = import_file(store, CATALOG, path, "10237", ACTOR)
    _accounted(summary)
    assert _quarantined(store) - before <= summary.rejected  # a resent bad row adds nothing


def _quarantined(store: Any) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Quarantine)) or 0


_XLSX_CELL = _CELL.filter(lambda v: not (isinstance(v, float) and v != v)) | st.datetimes(
    min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)
)


@settings(PROPERTY, max_examples=60)
@given(st.lists(st.lists(_XLSX_CELL, max_size=5), max_size=8), st.booleans())
def test_any_rows_in_an_excel_sheet(
    shared: tuple[Any, Path], rows: list[list[Any]], records: bool
) -> None:
    store, folder = shared
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["MaHoSo", "MaTTHC", "KenhThucHien", "NgayTiepNhan", "NgayHenTra"]
        if records
        else ["Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Kỳ báo cáo", "Giá trị"]
    )
    path = folder / "bang.xlsx"
    try:
        for row in rows:
            sheet.append(
                [("'" + v if isinstance(v, str) and v.startswith("=") else v) for v in row]
            )
        book.save(path)
    except (ValueError, TypeError, IllegalCharacterError):  # openpyxl cannot store it: no input
        return
    _accounted(import_file(store, CATALOG, path, "10237", ACTOR))


def test_a_nul_in_a_cell_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "nul.csv"
    text = "Mã chỉ tiêu,Kỳ báo cáo,Giá trị\nDAN_SO,202611,1\x002\nSO_HO,202611,5\n"
    path.write_bytes(text.encode("utf-8"))
    summary = import_file(new_store(tmp_path), small_catalog(), path, "10237", ACTOR)
    assert (summary.imported, summary.rejected) == (1, 1)
    assert summary.reasons == ["dòng 2: giá trị không phải số: '1\ufffd2'"]
