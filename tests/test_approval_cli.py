"""`coc complete`, `coc approve`, `coc unapprove`, `coc approval` in-process: output lines,
one-line errors, and the store they change."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_base import SMALL_CATALOG, new_store
from fixtures_http import put_values
from sqlalchemy import select

from coc.cli import main
from coc.store.models import CompleteRegistration, DataApproval


@pytest.fixture
def config(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    path = tmp_path / "coc.yaml"
    path.write_text(
        f"commune: {{code: '10237'}}\nindicators_file: {SMALL_CATALOG}\n"
        f"store: {{data_dir: {data}}}\n",
        encoding="utf-8",
    )
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_complete_approve_unapprove_from_the_command_line(config: Path, capsys) -> None:
    run = ["--config", str(config)]
    assert main([*run, "approve", "202610", "--actor", "chutich"]) == 1
    assert "chưa có số liệu" in one_line_error(capsys)
    store = new_store(config.parent / "data")
    put_values(
        store,
        [{"indicator_code": "DAN_SO", "org_unit": "10237", "period": "202610", "value": 12000.0}],
    )
    assert main([*run, "approve", "202610", "--actor", "chutich"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Tháng 10/2026: đã phê duyệt (1 giá trị), chutich lúc ")
    assert main([*run, "approve", "2026-10"]) == 1
    assert "2026-10" in one_line_error(capsys)
    assert main([*run, "unapprove", "202610", "--reason", " "]) == 1
    assert "lý do" in one_line_error(capsys)
    assert main([*run, "unapprove", "202610", "--reason", "sửa dân số", "--actor", "ct"]) == 0
    assert "chờ phê duyệt" in capsys.readouterr().out
    assert main([*run, "complete", "202610", "--actor", "thongke"]) == 0
    assert capsys.readouterr().out == "Tháng 10/2026: đã đánh dấu hoàn thành\n"
    assert main([*run, "complete", "202610"]) == 1
    assert "đã được đánh dấu" in one_line_error(capsys)
    assert main([*run, "complete", "203012"]) == 1
    assert "chưa bắt đầu" in one_line_error(capsys)
    assert main([*run, "approval", "202610", "202609"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "Tháng 10/2026: chờ phê duyệt (1 giá trị); lần hủy gần nhất: sửa dân số",
        "Tháng 09/2026: chưa phê duyệt được (0 giá trị)",
    ]
    with store.session() as session:
        (approval,) = session.scalars(select(DataApproval)).all()
        (reg,) = session.scalars(select(CompleteRegistration)).all()
    assert (approval.approved, approval.unapproved_by, reg.stored_by) == (False, "ct", "thongke")
