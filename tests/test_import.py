"""Excel/CSV import: template round trip, row validation into quarantine with row numbers,
idempotent re-import, audit of manual changes, and the connectors' record formats."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fixtures_base import new_store, small_catalog
from openpyxl import load_workbook
from sqlalchemy import select

from coc.ingest.tabular import ImportError_, import_file, template_bytes
from coc.store.models import AuditLog, DataValue, Dossier, Quarantine

ACTOR = "vanthu.hoa"


def _filled_template(path: Path, values: dict[str, object], extra: list[list]) -> Path:
    book = load_workbook(io.BytesIO(template_bytes(small_catalog(), "202611")))
    sheet = book["Số liệu"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in values:
            row[4].value = values[row[0].value]
    for line in extra:
        sheet.append(line)
    book.save(path)
    return path


def _rows(store, model, *where):
    with store.session() as s:
        return list(s.scalars(select(model).where(*where)))


def _enterable() -> list[str]:
    """The codes a clerk enters: the catalog's reported (element-formula) entries, in order."""
    return [i.code for i in small_catalog().indicators if i.formula["type"] == "element"]


def test_template_lists_every_enterable_code() -> None:
    book = load_workbook(io.BytesIO(template_bytes(small_catalog())))
    assert book.sheetnames == ["Số liệu", "Danh mục", "Hướng dẫn"]
    sheet = book["Số liệu"]
    assert [c.value for c in sheet[1]] == [
        "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Kỳ báo cáo", "Giá trị", "Ghi chú"
    ]  # fmt: skip
    codes = [r[0].value for r in sheet.iter_rows(min_row=2)]
    assert codes == _enterable()
    assert "SO_HO_PHU_CAP_QUANG" in codes and "HO_PHU_CAP_QUANG" not in codes  # computed


def test_excel_import_validates_rows_audits_and_is_idempotent(tmp_path: Path) -> None:
    store, cat = new_store(tmp_path), small_catalog()
    path = _filled_template(
        tmp_path / "so-lieu.xlsx",
        {"DAN_SO": 60123, "TY_LE_HO_NGHEO": "1,5", "SO_HO": "16.250", "TK_THANH_TOAN": 120},
        [
            ["KHONG_CO", "", "", "202611", 5, None],
            ["SO_HO_PHU_CAP_QUANG", "", "", "2026-13", 22, None],
            ["SO_HO_PHU_CAP_QUANG", "", "", "202611", "abc", None],
        ],
    )
    row = {code: n for n, code in enumerate(_enterable(), start=2)}  # header is row 1
    extra = len(row) + 2  # the first appended row
    first = import_file(store, cat, path, "10237", ACTOR)
    assert (first.imported, first.updated, first.unchanged, first.rejected) == (3, 0, 0, 4)
    assert first.skipped == len(row) - 4  # template rows left empty
    assert first.reasons == [
        f"dòng {row['TK_THANH_TOAN']}: giá trị 120 lớn hơn mức tối đa 100 của chỉ tiêu "
        "TK_THANH_TOAN",
        f"dòng {extra}: mã chỉ tiêu không tồn tại: 'KHONG_CO'",
        f"dòng {extra + 1}: kỳ báo cáo không hợp lệ: '2026-13' "
        "(dùng 2026, 2026Q3, 202611 hoặc 20261122)",
        f"dòng {extra + 2}: giá trị không phải số: 'abc'",
    ]
    values = {v.indicator_code: v.value for v in _rows(store, DataValue)}
    assert values == {"DAN_SO": 60123.0, "TY_LE_HO_NGHEO": 1.5, "SO_HO": 16250.0}
    held = _rows(store, Quarantine)
    assert [(q.source, q.context) for q in held] == [
        ("import", f"dòng {n}") for n in (row["TK_THANH_TOAN"], extra, extra + 1, extra + 2)
    ]
    audit = _rows(store, AuditLog)
    assert sorted((a.actor, a.action, a.entity_key, a.old_value, a.new_value) for a in audit) == [
        (ACTOR, "create", "DAN_SO/10237/202611", None, "60123.0"),
        (ACTOR, "create", "SO_HO/10237/202611", None, "16250.0"),
        (ACTOR, "create", "TY_LE_HO_NGHEO/10237/202611", None, "1.5"),
    ]

    again = import_file(store, cat, path, "10237", ACTOR)
    assert (again.imported, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 4)
    assert len(_rows(store, Quarantine)) == 4 and len(_rows(store, AuditLog)) == 3

    changed = _filled_template(tmp_path / "sua.xlsx", {"DAN_SO": 60200}, [])
    third = import_file(store, cat, changed, "10237", "chutich")
    assert (third.imported, third.updated, third.unchanged, third.rejected) == (0, 1, 0, 0)
    last = _rows(store, AuditLog, AuditLog.actor == "chutich")
    assert [(a.action, a.old_value, a.new_value) for a in last] == [
        ("update", "60123.0", "60200.0")
    ]


def test_csv_with_semicolons_bom_and_vietnamese_numbers(tmp_path: Path) -> None:
    path = tmp_path / "so-lieu.csv"
    path.write_bytes(
        "\ufeffMã chỉ tiêu;Kỳ báo cáo;Giá trị\n"
        "THU_NGAN_SACH;202610;1.234,5\n"
        ";;\n"
        "TY_LE_BHYT;202610;-3\n".encode()
    )
    store = new_store(tmp_path)
    summary = import_file(store, small_catalog(), path, "10237", ACTOR)
    assert summary.as_dict() == {
        "kind": "value",
        "rows": 3,
        "imported": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
        "skipped": 1,
        "duplicates": 0,
        "reasons": ["dòng 4: giá trị -3 nhỏ hơn mức tối thiểu 0 của chỉ tiêu TY_LE_BHYT"],
    }
    assert summary.text_vi() == (
        "so-lieu.csv: 1 mới, 0 cập nhật, 0 không đổi, 1 bị từ chối (đưa vào cách ly), "
        "1 dòng trống bỏ qua"
    )
    assert [v.value for v in _rows(store, DataValue)] == [1234.5]


def test_dossier_records_in_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "hoso.csv"
    path.write_text(
        "MaHoSo,MaTTHC,KenhThucHien,NgayTiepNhan,NgayHenTra,TrangThaiHoSo,DanhSachLePhi\n"
        'H01.10237-261102-0001,2.000815,2,20261102080000,20261102170000,10,"[{""Gia"": 2000}]"\n'
        "H01.10237-261102-0002,1.001193,1,,20261103170000,4,\n",
        encoding="utf-8",
    )
    store = new_store(tmp_path)
    summary = import_file(store, small_catalog(), path, "10237", ACTOR)
    assert (summary.kind, summary.imported, summary.rejected) == ("dossier", 1, 1)
    assert summary.reasons == ["dòng 3: thiếu NgayTiepNhan (ngày tiếp nhận)"]
    (dossier,) = _rows(store, Dossier)
    assert dossier.DanhSachLePhi == [{"Gia": 2000}] and dossier.KenhThucHien == 2
    (entry,) = _rows(store, AuditLog)
    assert (entry.entity, entry.entity_key, entry.action) == (
        "dossier", "10237/H01.10237-261102-0001", "create"
    )  # fmt: skip


def test_unreadable_files_fail_with_one_clear_line(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    odd = tmp_path / "bang.ods"
    odd.write_text("x")
    with pytest.raises(ImportError_, match=r"không hỗ trợ định dạng tệp '\.ods'"):
        import_file(store, small_catalog(), odd, "10237", ACTOR)
    headless = tmp_path / "khong-tieu-de.csv"
    headless.write_text("a,b\n1,2\n")
    with pytest.raises(ImportError_, match="không có dòng tiêu đề hợp lệ"):
        import_file(store, small_catalog(), headless, "10237", ACTOR)
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportError_, match=r"không đọc được tệp Excel hong\.xlsx"):
        import_file(store, small_catalog(), broken, "10237", ACTOR)


def test_accepting_a_corrected_row_from_quarantine(tmp_path: Path) -> None:
    from coc.errors import ValidationError
    from coc.ingest.resolve import accept, reject

    store, cat = new_store(tmp_path), small_catalog()
    path = tmp_path / "so-lieu.csv"
    path.write_text("code,period,value\nSO_HO_PHU_CAP_QUANG,202611,sáu\nSO_HO,202611,16300\n")
    import_file(store, cat, path, "10237", ACTOR)
    (item,) = _rows(store, Quarantine)
    assert (item.context, item.reason) == ("dòng 2", "giá trị không phải số: 'sáu'")
    with pytest.raises(ValidationError, match="bản ghi vẫn không hợp lệ: giá trị không phải số"):
        accept(store, cat, item.id, "thongke", "10237")
    fixed = {"code": "SO_HO_PHU_CAP_QUANG", "period": "202611", "value": 6}
    written = accept(store, cat, item.id, "thongke", "10237", payload=fixed, note="sửa chữ")
    assert (written.imported, written.rejected) == (1, 0)
    value = _rows(store, DataValue, DataValue.indicator_code == "SO_HO_PHU_CAP_QUANG")[0]
    assert (value.value, value.source) == (6.0, "import")
    entries = [(a.action, a.entity, a.new_value, a.detail) for a in _rows(store, AuditLog)]
    assert entries[-2:] == [
        ("create", "data_value", "6.0", "import"),
        ("accept", "quarantine", "accepted", "sửa chữ"),
    ]
    with pytest.raises(ValidationError, match="đã được xử lý"):
        reject(store, item.id, "thongke")


def test_the_same_bad_row_twice_is_kept_twice_and_a_reimport_adds_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "so-lieu.csv"
    path.write_text(
        "Mã chỉ tiêu,Kỳ báo cáo,Giá trị\nSO_HO,202611,abc\nSO_HO,202611,abc\n",
        encoding="utf-8",
    )
    store, cat = new_store(tmp_path), small_catalog()
    assert import_file(store, cat, path, "10237", ACTOR).rejected == 2
    assert import_file(store, cat, path, "10237", ACTOR).rejected == 2
    raw, reason = (
        '{"code": "SO_HO", "period": "202611", "value": "abc"}',
        "giá trị không phải số: 'abc'",
    )
    held = [(q.context, q.raw, q.reason) for q in _rows(store, Quarantine)]
    assert held == [("dòng 2", raw, reason), ("dòng 3", raw, reason)]
