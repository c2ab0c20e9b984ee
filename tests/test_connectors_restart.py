"""A pull killed with SIGKILL in the middle of a paged run, then restarted, ends with every
record exactly once: pages are atomic and the cursor only moves with a committed page."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_base import ROOT, SAMPLE_DIR, new_store, wait_until
from fixtures_sources import sample, write_config
from sqlalchemy import func, select

from coc.store.models import ConnectorCursor, ConnectorRun, Dossier
from connectors.simulator import start_source_simulator
from connectors.streams import Cursor

PAGE = 50


def _count(store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Dossier)) or 0)


def _pull(config: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coc.cli",
            "--config",
            str(config),
            "pull",
            "tthc",
            "--no-refresh",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_mid_pull_then_restart_has_no_gaps_or_duplicates(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    sim = start_source_simulator(SAMPLE_DIR, faults={"slow_s": 0.1})
    try:
        config = write_config(tmp_path / "site.yaml", tmp_path, sim.url, page_size=PAGE)
        child = _pull(config)

        def six_pages_stored() -> bool:
            assert child.poll() is None, child.communicate()  # it died on its own
            return _count(store) >= 6 * PAGE

        wait_until(six_pages_stored, 60, what="the child pull to store six pages")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL

        total = len(sample("dossiers.json"))
        stored = _count(store)
        assert 6 * PAGE <= stored < total and stored % PAGE == 0  # whole pages only
        with store.session() as s:
            cursor = Cursor.from_text(s.get(ConnectorCursor, "tthc:dossiers").cursor)
            last = s.scalars(
                select(Dossier).order_by(Dossier.source_updated_at.desc(), Dossier.MaHoSo.desc())
            ).first()
        assert cursor == Cursor(last.source_updated_at, last.MaHoSo)

        sim.set_faults()
        again = _pull(config)
        out, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
        assert f"{total - stored} mới, 0 cập nhật, 0 không đổi, 0 cách ly" in out
    finally:
        sim.stop()

    with store.session() as s:
        codes = list(s.scalars(select(Dossier.MaHoSo)))
        runs = [r.status for r in s.scalars(select(ConnectorRun).order_by(ConnectorRun.id))]
    assert len(codes) == len(set(codes)) == total
    assert set(codes) == {d["MaHoSo"] for d in sample("dossiers.json")}
    assert runs == ["running", "ok"]  # the killed run is left as it was seen
