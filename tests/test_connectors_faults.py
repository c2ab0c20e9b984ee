"""Each connector pulls from its simulator over real HTTP, in every fault mode, and ends
with exactly the sample's records: good ones stored, corrupted ones quarantined once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures_base import SAMPLE_DIR, new_store, shipped_catalog
from fixtures_sources import sample, served, settings_for
from sqlalchemy import func, select

from coc.store.models import ConnectorRun, DataValue, Document, Dossier, Quarantine, WorkFile
from connectors.run import pull
from connectors.simulator import SimulatorHandle, start_source_simulator

MODES = {
    "none": {},
    "slow": {"slow_s": 0.02},
    "500": {"error_500_every": 3},
    "429": {"error_429_every": 3, "retry_after_s": 0.04},
    "malformed": {"malformed_every": 3},
    "half_valid": {"half_valid": True},
    "duplicates": {"duplicates": True},
    "all": {
        "error_500_every": 5,
        "error_429_every": 7,
        "malformed_every": 11,
        "half_valid": True,
        "duplicates": True,
    },
}
# Records served and those the simulator corrupts in half-valid mode, from the sample files.
CORRUPTED = {kind: n.corrupted for kind, n in served().items()}
TOTALS = {kind: n.total for kind, n in served().items()}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorHandle]:
    handle = start_source_simulator(SAMPLE_DIR)
    yield handle
    handle.stop()


def _count(store, model, *where) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _stored(store, kind: str) -> dict[str, int]:
    if kind == "documents":
        return {"documents": _count(store, Document), "work_files": _count(store, WorkFile)}
    if kind == "tthc":
        return {"dossiers": _count(store, Dossier)}
    return {"data_values": _count(store, DataValue, DataValue.source == "reporting")}


@pytest.mark.parametrize("kind", ["documents", "tthc", "reporting"])
@pytest.mark.parametrize("mode", list(MODES))
def test_pull_in_fault_mode(sim: SimulatorHandle, tmp_path: Path, kind: str, mode: str) -> None:
    sim.set_faults(**MODES[mode])
    store, cat = new_store(tmp_path), shipped_catalog()
    settings = settings_for(sim.url, tmp_path, page_size=100)
    sleeps: list[float] = []
    summary = pull(store, settings, cat, kind, refresh=False, sleep=sleeps.append)

    assert summary.status == "ok", summary.message
    half = MODES[mode].get("half_valid", False)
    stored = _stored(store, kind)
    expected = {k: TOTALS[k] - (CORRUPTED[k] if half else 0) for k in stored}
    assert stored == expected
    bad = sum(CORRUPTED[k] for k in stored) if half else 0
    assert _count(store, Quarantine, Quarantine.source == kind) == bad
    if mode in ("500", "429", "malformed", "all"):
        assert summary.errors > 0 and len(sleeps) == summary.errors
    if mode == "429":
        assert 0.04 in sleeps  # Retry-After honoured over the 0.01 s backoff
    if mode in ("duplicates", "all"):
        assert summary.records > sum(TOTALS[k] for k in stored)
    with store.session() as s:
        run = s.scalars(select(ConnectorRun).where(ConnectorRun.connector == kind)).one()
    assert (run.status, run.pages, run.records) == ("ok", summary.pages, summary.records)
    assert run.errors == summary.errors and run.finished_at is not None

    again = pull(store, settings, cat, kind, refresh=False, sleep=sleeps.append)
    assert (again.status, again.records, again.imported) == ("ok", 0, 0)
    assert _stored(store, kind) == expected
    assert _count(store, Quarantine, Quarantine.source == kind) == bad


def test_quarantined_record_keeps_raw_payload_and_reason(
    sim: SimulatorHandle, tmp_path: Path
) -> None:
    sim.set_faults(half_valid=True)
    store = new_store(tmp_path)
    pull(store, settings_for(sim.url, tmp_path), shipped_catalog(), "tthc", refresh=False)
    with store.session() as s:
        items = list(s.scalars(select(Quarantine).order_by(Quarantine.id)))
        stored = set(s.scalars(select(Dossier.MaHoSo)))
    reasons = {i.reason.split(":")[0] for i in items}
    assert reasons == {
        "NgayTiepNhan không phải ngày hợp lệ",
        "TrangThaiHoSo ngoài khoảng 1–10",
        "DanhSachLePhi phải là danh sách JSON",
    }
    assert all(i.context and i.context.startswith("trang ") for i in items)
    # nothing lost: every sample dossier is either stored or held in quarantine
    held = {__import__("json").loads(i.raw)["MaHoSo"] for i in items}
    assert stored | held == {d["MaHoSo"] for d in sample("dossiers.json")}
    assert not stored & held


def test_failure_mid_run_keeps_cursor_at_last_committed_page(
    sim: SimulatorHandle, tmp_path: Path
) -> None:
    store, cat = new_store(tmp_path), shipped_catalog()
    page = 300
    settings = settings_for(sim.url, tmp_path, max_retries=0, page_size=page)
    sim.set_faults(error_500_every=4)  # requests 1–3 succeed, the 4th fails, no retries
    partial = pull(store, settings, cat, "tthc", refresh=False)
    assert (partial.status, partial.pages, partial.records) == ("partial", 3, 3 * page)
    assert "HTTP 500" in (partial.message or "")
    assert _count(store, Dossier) == 3 * page
    with store.session() as s:
        run = s.scalars(select(ConnectorRun)).one()
    assert (run.status, run.pages, run.records, run.errors) == ("partial", 3, 3 * page, 1)

    sim.set_faults()
    rest = pull(store, settings, cat, "tthc", refresh=False)
    left = TOTALS["dossiers"] - 3 * page
    assert (rest.status, rest.records, rest.imported, rest.unchanged) == ("ok", left, left, 0)
    assert _count(store, Dossier) == TOTALS["dossiers"]
