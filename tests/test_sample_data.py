"""The committed sample data is exactly what the seeded generator writes, and it is valid."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from coc.config import DEFAULT_CONFIG_DIR, ROOT
from coc.indicators.catalog import load_catalog
from coc.ingest.records import Rejected, document_row, dossier_row, work_file_row
from coc.ingest.writers import validate_value

SAMPLE = ROOT / "sample_data"
# Loaded by path: `sample_data` is a folder of the repository, not an installed package.
_spec = importlib.util.spec_from_file_location("sample_data_generate", SAMPLE / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)


def _load(name: str) -> list[dict]:
    return json.loads((SAMPLE / name).read_text(encoding="utf-8"))


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    generate.generate(tmp_path)
    for name in generate.FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_files_are_small() -> None:
    assert sum((SAMPLE / n).stat().st_size for n in generate.FILES) < 6_000_000


@pytest.mark.parametrize(
    ("name", "to_row"),
    [
        ("documents.json", document_row),
        ("work_files.json", work_file_row),
        ("dossiers.json", dossier_row),
    ],
)
def test_every_record_passes_its_validator(name: str, to_row) -> None:
    records = _load(name)
    bad = [(r, to_row(r, "10237")) for r in records]
    bad = [(r, x.reason) for r, x in bad if isinstance(x, Rejected)]
    assert bad == []
    assert len(records) > 250


def test_reporting_codes_exist_and_values_pass_validation() -> None:
    catalog = load_catalog(DEFAULT_CONFIG_DIR / "indicators.yaml")
    items = _load("reporting.json")
    for item in items:
        assert not isinstance(
            validate_value(catalog, item["code"], item["period"], item["value"]), Rejected
        ), item
    element_codes = {i.code for i in catalog.indicators if i.formula["type"] == "element"}
    periods = sorted({i["period"] for i in items})
    assert periods[0] == "202510" and periods[-1] == "202611" and len(periods) == 14
    for period in periods:
        assert {i["code"] for i in items if i["period"] == period} == element_codes


def test_nothing_is_dated_after_now_and_names_have_diacritics() -> None:
    now = generate.NOW.strftime("%Y%m%d%H%M%S")
    dossiers = _load("dossiers.json")
    for d in dossiers:
        for key in ("NgayTiepNhan", "NgayKetThucXuLy", "NgayTra", "NgayCapNhat"):
            assert d[key] is None or d[key] <= now, (d["MaHoSo"], key)
    assert dossiers[0]["DiaChi"].endswith("xã Chương Dương, TP Hà Nội")
    assert any("Nguyễn" in d["ChuHoSo"] for d in dossiers)
    docs = _load("documents.json")
    assert all(d["updated_at"] <= "2026-11-22T09:00:00+07:00" for d in docs)
    statuses = {d["TrangThaiHoSo"] for d in dossiers}
    assert {3, 7, 10} <= statuses and statuses & {4, 5}
    assert sum(1 for d in dossiers if len(d["DanhSachHoSoBoSung"]) == 2) >= 3


def test_trends_rise_from_first_to_last_full_month() -> None:
    dossiers = _load("dossiers.json")

    def online_share(month: str) -> float:
        rows = [d for d in dossiers if d["NgayTiepNhan"].startswith(month)]
        return sum(d["KenhThucHien"] == 2 for d in rows) / len(rows)

    assert 0.30 < online_share("202510") < 0.45
    assert 0.52 < online_share("202610") < 0.68
    for month in ("202510", "202605", "202610"):
        rows = [d for d in dossiers if d["NgayTiepNhan"].startswith(month)]
        assert 120 <= len(rows) <= 180, month
