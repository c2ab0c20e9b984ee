"""The source commands end to end: pull, quarantine list/accept/reject, import, template,
and the shared `simulate` group. Errors are one Vietnamese line and exit code 1."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from fixtures_base import SAMPLE_DIR
from fixtures_sources import served, write_config
from sqlalchemy import select

from coc.cli import main, sources
from coc.store.db import Store, sqlite_url
from coc.store.models import AuditLog, DataValue, Dossier, Quarantine
from connectors.simulator import start_source_simulator


def test_simulate_group_is_shared_with_the_sensors_module() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    simulate = sub.add_parser("simulate")  # as if the sensors module came first
    simulate._coc_sub = simulate.add_subparsers(dest="simulate_command")
    simulate._coc_sub.add_parser("devices")
    sources.register(sub)
    assert sorted(simulate._coc_sub.choices) == ["devices", "sources"]
    args = parser.parse_args(["simulate", "sources", "--port", "0", "--half-valid"])
    assert args.func is sources.cmd_simulate_sources and args.half_valid


def test_pull_quarantine_accept_and_reject(tmp_path: Path, capsys) -> None:
    dossiers = served()["dossiers"]
    page = 250
    with start_source_simulator(SAMPLE_DIR, faults={"half_valid": True}) as sim:
        config = write_config(tmp_path / "site.yaml", tmp_path, sim.url, page_size=page)
        assert main(["--config", str(config), "pull", "tthc", "--no-refresh"]) == 0
    out = capsys.readouterr().out
    pages = -(-dossiers.total // page)
    assert out.startswith(
        f"tthc: thành công — {pages} trang, {dossiers.total} bản ghi: "
        f"{dossiers.valid} mới, 0 cập nhật, 0 không đổi, {dossiers.corrupted} cách ly; 0 lỗi"
    )

    assert main(["--config", str(config), "quarantine", "list", "--limit", "2"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 4 and listing[0].startswith(f"#{dossiers.corrupted} ")  # newest

    store = Store.from_url(sqlite_url(tmp_path))
    with store.session() as s:
        item = s.scalars(
            select(Quarantine).where(Quarantine.reason.like("TrangThaiHoSo ngoài khoảng%"))
        ).first()
    fixed = json.loads(item.raw) | {"TrangThaiHoSo": 10}
    # the raw payload still fails: it stays open, with one clear line
    assert main(["--config", str(config), "quarantine", "accept", str(item.id)]) == 1
    assert capsys.readouterr().err == (
        "coc: lỗi: bản ghi vẫn không hợp lệ: TrangThaiHoSo ngoài khoảng 1–10: 12\n"
    )
    args = ["quarantine", "accept", str(item.id), "--sua", json.dumps(fixed), "--actor", "mc"]
    assert main(["--config", str(config), *args]) == 0
    assert capsys.readouterr().out == f"Đã chấp nhận bản ghi cách ly số {item.id}.\n"
    with store.session() as s:
        stored = s.scalars(select(Dossier).where(Dossier.MaHoSo == fixed["MaHoSo"])).one()
        resolved = s.get(Quarantine, item.id)
        actions = [(a.actor, a.action, a.entity) for a in s.scalars(select(AuditLog))]
    assert stored.TrangThaiHoSo == 10
    assert (resolved.status, resolved.resolved_by) == ("accepted", "mc")
    assert actions == [("mc", "create", "dossier"), ("mc", "accept", "quarantine")]

    other = str(1 if item.id != 1 else 2)
    assert main(["--config", str(config), "quarantine", "reject", other, "--actor", "mc"]) == 0
    assert main(["--config", str(config), "quarantine", "reject", other]) == 1
    assert "đã được xử lý (rejected)" in capsys.readouterr().err


def test_template_then_import(tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path / "site.yaml", tmp_path, "http://127.0.0.1:9")
    path = tmp_path / "mau.xlsx"
    assert main(["--config", str(config), "template", str(path), "--period", "202611"]) == 0
    csv = tmp_path / "so-lieu.csv"
    csv.write_text("code,period,value\nSO_CBCC,202611,22\nTY_LE_HO_NGHEO,202611,150\n")
    assert main(["--config", str(config), "import", str(csv), "--actor", "thongke"]) == 0
    out = capsys.readouterr().out
    assert "so-lieu.csv: 1 mới, 0 cập nhật, 0 không đổi, 1 bị từ chối" in out
    assert "  – dòng 3: giá trị 150 lớn hơn mức tối đa 100 của chỉ tiêu TY_LE_HO_NGHEO\n" in out
    store = Store.from_url(sqlite_url(tmp_path))
    with store.session() as s:
        assert [v.indicator_code for v in s.scalars(select(DataValue))] == ["SO_CBCC"]


def test_user_errors_are_one_line(tmp_path: Path, capsys) -> None:
    config = write_config(tmp_path / "site.yaml", tmp_path, "http://127.0.0.1:9")
    assert main(["--config", str(config), "pull", "khong-co"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "coc: lỗi: không có nguồn dữ liệu 'khong-co' (các nguồn: documents, tthc, reporting)\n"
    )
    assert main(["--config", str(config), "import", str(tmp_path / "x.xlsx")]) == 1
    assert capsys.readouterr().err.startswith("coc: lỗi: không tìm thấy tệp ")


@pytest.mark.parametrize("name", ["documents"])
def test_pull_unreachable_source_reports_failure(tmp_path: Path, capsys, name: str) -> None:
    config = write_config(tmp_path / "site.yaml", tmp_path, "http://127.0.0.1:9", max_retries=1)
    assert main(["--config", str(config), "pull", name]) == 1
    out = capsys.readouterr().out
    assert out == (
        "documents: thất bại — 0 trang, 0 bản ghi: 0 mới, 0 cập nhật, 0 không đổi, 0 cách ly; "
        "2 lỗi (không đọc được nguồn 'documents' sau 2 lần thử: lỗi mạng (ConnectionError))\n"
    )
