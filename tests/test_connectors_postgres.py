"""The connectors against a real PostgreSQL: a database per test (conftest `pg_store`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_base import SAMPLE_DIR, shipped_catalog
from fixtures_sources import served, settings_for
from sqlalchemy import func, select

from coc.store.db import Store
from coc.store.models import DataValue, Document, Dossier, Quarantine
from connectors.run import pull
from connectors.simulator import start_source_simulator


@pytest.mark.postgres
def test_pull_with_faults_into_postgres(pg_store: Store, tmp_path: Path) -> None:
    faults = {"half_valid": True, "duplicates": True, "error_500_every": 4}
    with start_source_simulator(SAMPLE_DIR, faults=faults) as sim:
        settings = settings_for(sim.url, tmp_path, page_size=300)
        for kind in ("documents", "tthc", "reporting"):
            assert pull(pg_store, settings, shipped_catalog(), kind, refresh=False).status == "ok"
            assert pull(pg_store, settings, shipped_catalog(), kind, refresh=False).records == 0

    def count(model, *where) -> int:
        with pg_store.session() as s:
            return int(s.scalar(select(func.count()).select_from(model).where(*where)))

    n = served()
    assert count(Document) == n["documents"].valid
    assert count(Dossier) == n["dossiers"].valid
    assert count(DataValue, DataValue.source == "reporting") == n["data_values"].valid
    assert count(Quarantine) == sum(kind.corrupted for kind in n.values())
