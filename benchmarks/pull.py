"""Benchmark: pull the sample commune's three sources from the simulator into SQLite.

    python -m benchmarks.pull [--page-size 100] [--repeat 3]

Prints records per second for a first (full) pull and a second (incremental, empty) pull,
and the time of recomputing the affected indicator periods.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from coc.config import DEFAULT_CONFIG_DIR, Settings, SourceSettings
from coc.indicators.catalog import load_catalog
from coc.indicators.engine import Engine
from coc.store.db import Store, sqlite_url
from connectors.run import pull
from connectors.simulator import SAMPLE_DIR, start_source_simulator

KINDS = ("documents", "tthc", "reporting")


def run_once(page_size: int) -> tuple[int, float, float, float]:
    catalog = load_catalog(DEFAULT_CONFIG_DIR / "indicators.yaml")
    with tempfile.TemporaryDirectory() as tmp, start_source_simulator(SAMPLE_DIR) as sim:
        store = Store.from_url(sqlite_url(Path(tmp))).init()
        sources = [
            SourceSettings(name=k, kind=k, url=sim.url, auth="none", page_size=page_size)
            for k in KINDS
        ]
        settings = Settings(store={"data_dir": tmp}, sources=sources)
        start = time.perf_counter()
        summaries = [pull(store, settings, catalog, k, refresh=False) for k in KINDS]
        full = time.perf_counter() - start
        start = time.perf_counter()
        for k in KINDS:
            pull(store, settings, catalog, k, refresh=False)
        incremental = time.perf_counter() - start
        periods = sorted({p for s in summaries for p in s.periods})
        start = time.perf_counter()
        Engine(catalog).refresh(store, settings.commune.code, periods)
        refresh = time.perf_counter() - start
        store.dispose()
    return sum(s.records for s in summaries), full, incremental, refresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for attempt in range(1, args.repeat + 1):
        records, full, incremental, refresh = run_once(args.page_size)
        print(
            f"run {attempt}: {records} records in {full:.2f} s "
            f"({records / full:,.0f} records/s, page size {args.page_size}); "
            f"incremental pull {incremental:.2f} s; indicator refresh {refresh:.2f} s"
        )


if __name__ == "__main__":
    main()
