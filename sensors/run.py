"""Run the ingester alone in the foreground until SIGTERM/SIGINT: `python -m sensors.run`.

`coc ingest` calls this; the tests and the benchmark start it as a separate process so
it can be killed (SIGKILL) and measured (CPU, RSS) on its own.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from coc.config import Settings, load_settings
from coc.errors import CocError
from coc.store.lite import LiteStore, open_lite
from sensors.service import start_ingest

SWITCH_INTERVAL_S = 0.0005


def open_ingest_store(settings: Settings) -> Any:
    """A LiteStore when the SQLite schema is already at head (start-up without the ORM,
    which loads later only if a batch needs it); otherwise the full store, which creates
    or upgrades the schema and serves PostgreSQL."""

    def full() -> Any:
        from coc.store.db import open_store

        return open_store(settings)

    lite: LiteStore | None = open_lite(settings, full)
    return lite if lite is not None else full()


def run_ingest(settings: Settings, stats_file: Path | None = None, record_lag: bool = False) -> int:
    """Ingest until a signal arrives; then flush, ack and leave cleanly."""
    if not settings.mqtt.url:
        raise CocError("chưa cấu hình broker MQTT (mqtt.url hoặc COC_MQTT_URL)")
    # The writer gives up the GIL at every SQLite statement step and must win it back from
    # the network thread; at the default 5 ms switch interval each win-back can wait that
    # long. 0.5 ms doubled the write rate beside a busy thread (docs/benchmarks-ingest.md).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    store = open_ingest_store(settings)
    handle = start_ingest(store, settings, record_lag=record_lag)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    handle.stop()
    if stats_file is not None:
        lags = handle.writer.stats
        stats = handle.stats | {
            "lag_ms": lags.lag_ms,
            "recv_lag_ms": lags.recv_lag_ms,
            "lite_store": isinstance(store, LiteStore),
            "orm_loaded": "sqlalchemy" in sys.modules,  # a telemetry-only run never loads it
        }
        stats_file.write_text(json.dumps(stats), encoding="utf-8")
    store.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sensors.run", description=__doc__)
    parser.add_argument("--config", help="site config file (or COC_CONFIG)")
    parser.add_argument("--stats-file", type=Path, help="write counters and lags here on exit")
    parser.add_argument(
        "--record-lag", action="store_true", help="keep each message's commit lag for the stats"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        return run_ingest(load_settings(args.config), args.stats_file, args.record_lag)
    except CocError as exc:
        print(f"coc: lỗi: {exc}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
