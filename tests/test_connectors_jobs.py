"""Scheduling with APScheduler 3: one coalesced job per source, never two runs at once,
and indicators recomputed after each successful pull."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from fixtures_base import SAMPLE_DIR, new_store, shipped_catalog, wait_until
from fixtures_sources import settings_for
from sqlalchemy import select

from coc.store.models import ConnectorRun, DataValue
from connectors import jobs
from connectors.run import AlreadyRunning, pull
from connectors.simulator import start_source_simulator


def test_jobs_run_on_schedule_and_refresh_indicators(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "FIRST_RUN_DELAY_S", 0)
    store, cat = new_store(tmp_path), shipped_catalog()
    scheduler = BackgroundScheduler(timezone="UTC")
    with start_source_simulator(SAMPLE_DIR) as sim:
        settings = settings_for(sim.url, tmp_path, page_size=500, interval_minutes=10)
        settings.sources[2].enabled = False  # reporting is off
        jobs.register_jobs(scheduler, store, settings, cat)
        listed = {j.id: j for j in scheduler.get_jobs()}
        assert sorted(listed) == ["pull:documents", "pull:tthc"]
        job = listed["pull:tthc"]
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 300)
        assert job.trigger.interval.total_seconds() == 600
        scheduler.start()

        def runs() -> dict[str, str]:
            with store.session() as s:
                return {r.connector: r.status for r in s.scalars(select(ConnectorRun))}

        try:
            wait_until(
                lambda: runs() == {"documents": "ok", "tthc": "ok"}, 60, 0.05, "both runs ok"
            )
        finally:
            scheduler.shutdown(wait=True)
    with store.session() as s:
        value = s.scalars(
            select(DataValue).where(
                DataValue.indicator_code == "TTHC_SO_HO_SO_TIEP_NHAN", DataValue.period == "202610"
            )
        ).one()
    assert value.source == "computed" and value.value > 100


def test_two_pulls_of_one_connector_never_overlap(tmp_path: Path) -> None:
    store, cat = new_store(tmp_path), shipped_catalog()
    with start_source_simulator(SAMPLE_DIR, faults={"slow_s": 0.3}) as sim:
        settings = settings_for(sim.url, tmp_path, page_size=500)
        outcome: list[str] = []
        thread = threading.Thread(
            target=lambda: outcome.append(pull(store, settings, cat, "tthc", refresh=False).status)
        )
        thread.start()
        # the first pull holds its lock from before its first request until its last page
        wait_until(lambda: sim.requests >= 1, what="the first pull's first request")
        with pytest.raises(AlreadyRunning, match="đang được đồng bộ"):
            pull(store, settings, cat, "tthc", refresh=False)
        jobs.run_job(store, settings, cat, "tthc")  # the scheduled call only logs it
        thread.join(timeout=30)
    assert outcome == ["ok"]
    with store.session() as s:
        assert len(list(s.scalars(select(ConnectorRun)))) == 1
