"""Run the ingester alone in the foreground until SIGTERM/SIGINT: `python -m sensors.run`.

`coc ingest` calls this; the tests and the benchmark start it as a separate process so
it can be killed (SIGKILL) and measured (CPU, RSS) on its own.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
from pathlib import Path

from coc.config import Settings, load_settings
from coc.errors import CocError
from coc.store.db import open_store
from sensors.service import start_ingest


def run_ingest(settings: Settings, stats_file: Path | None = None) -> int:
    """Ingest until a signal arrives; then flush, ack and leave cleanly."""
    if not settings.mqtt.url:
        raise CocError("chưa cấu hình broker MQTT (mqtt.url hoặc COC_MQTT_URL)")
    store = open_store(settings)
    handle = start_ingest(store, settings, record_lag=stats_file is not None)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    handle.stop()
    if stats_file is not None:
        stats = handle.stats | {"lag_ms": handle.writer.stats.lag_ms}
        stats_file.write_text(json.dumps(stats), encoding="utf-8")
    store.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sensors.run", description=__doc__)
    parser.add_argument("--config", help="site config file (or COC_CONFIG)")
    parser.add_argument("--stats-file", type=Path, help="write counters and lags here on exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        return run_ingest(load_settings(args.config), args.stats_file)
    except CocError as exc:
        print(f"coc: lỗi: {exc}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
