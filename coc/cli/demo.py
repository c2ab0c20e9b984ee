"""`coc demo`: zero set-up. SQLite under a data folder, the sample sources (generated for
today: 12 full months and the month to date) served on loopback and pulled over real HTTP,
simulated devices on a real MQTT broker (Mosquitto or an embedded one), and the dashboard
at http://127.0.0.1:8050. Running it twice the same day duplicates nothing (every write is
an upsert on a natural key); on a later day the folder's sample is rebuilt for that day.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
from datetime import date
from pathlib import Path
from typing import Any

from coc.cli.context import Context, port_number
from coc.cli.core import prepare
from coc.cli.runtime import (
    Services,
    check_port_free,
    install_stop_signals,
    run_until_stopped,
    start_web,
    start_worker_parts,
)
from coc.config import ROOT, SourceSettings
from coc.errors import CocError
from coc.files import private_dir
from coc.indicators.engine import Engine
from coc.periods import recent_months, with_enclosing
from coc.store.reset import clear_pulled
from coc.timeutil import to_local, utcnow

log = logging.getLogger(__name__)
SAMPLE_DIR = ROOT / "sample_data"
DEMO_TOKEN = "demo-source-token"
SOURCE_KINDS = {"documents": "documents", "tthc": "tthc", "reporting": "reporting"}
SAMPLE_FILES = ("documents.json", "work_files.json", "dossiers.json", "reporting.json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="chạy thử với dữ liệu mẫu, không cần cài đặt gì thêm")
    p.add_argument("--port", type=port_number, default=None, help="cổng web (mặc định 8050)")
    p.add_argument("--data-dir", help="thư mục dữ liệu (mặc định ./coc-data hoặc COC_DATA_DIR)")
    p.add_argument(
        "--no-devices", action="store_true", help="không chạy broker và thiết bị mô phỏng"
    )
    p.add_argument("--rate", type=float, default=1.0, help="tốc độ thiết bị mô phỏng (lần/giây)")
    p.add_argument(
        "--as-of",
        type=_day,
        default=None,
        help="ngày của dữ liệu mẫu, YYYY-MM-DD (mặc định hôm nay)",
    )
    p.set_defaults(func=cmd_demo)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ: {text!r} (dùng YYYY-MM-DD)") from None


def _generator() -> Any:
    """sample_data/generate.py, loaded by path (a folder of the repository, not a package)."""
    spec = importlib.util.spec_from_file_location("coc_sample_generate", SAMPLE_DIR / "generate.py")
    if spec is None or spec.loader is None:
        raise CocError(f"không tìm thấy bộ sinh dữ liệu mẫu ở {SAMPLE_DIR}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare_sample(ctx: Context, data: Path, as_of: date) -> Path:
    """The sample of `as_of` under the data folder. A folder holding another day's sample
    (or one from before samples were dated) is rebuilt: the pulled records of that day are
    removed first, so nothing of it is left behind or doubled."""
    folder = data / "sample"
    marker = folder / "as_of.txt"
    previous = marker.read_text(encoding="utf-8").strip() if marker.is_file() else None
    if previous == as_of.isoformat() and all((folder / n).is_file() for n in SAMPLE_FILES):
        return folder
    removed = clear_pulled(ctx.store, ctx.org_unit, SOURCE_KINDS)
    if any(removed.values()):
        print(f"  • dựng lại dữ liệu mẫu cho ngày {as_of:%d/%m/%Y}", flush=True)
    _generator().generate(folder, as_of)
    marker.write_text(as_of.isoformat(), encoding="utf-8")
    return folder


def _point_sources_at(ctx: Context, url: str) -> None:
    ctx.settings.sources = [
        SourceSettings(
            name=name,
            kind=kind,
            url=url,
            auth="bearer",
            token=DEMO_TOKEN,
            interval_minutes=5,
            timeout_s=10.0,
        )
        for name, kind in SOURCE_KINDS.items()
    ]


def start_sources(ctx: Context, services: Services, sample: Path = SAMPLE_DIR) -> None:
    """Serve the sample systems on loopback and pull each once over HTTP."""
    from connectors.run import pull
    from connectors.simulator import start_source_simulator

    simulator = start_source_simulator(sample, token=DEMO_TOKEN)
    services.add("source simulator", simulator.stop)
    _point_sources_at(ctx, simulator.url)
    for source in ctx.settings.sources:
        summary = pull(ctx.store, ctx.settings, ctx.catalog, source.name)
        print(f"  • {summary.text_vi()}", flush=True)


def start_devices(ctx: Context, services: Services, rate: float) -> None:
    from coc.devices.registry import sync_devices
    from sensors.broker import ensure_broker
    from sensors.simulator import start_device_simulator

    sync_devices(ctx.store, ctx.settings)
    if not ctx.settings.mqtt.url:
        broker = ensure_broker(ctx.settings.data_path)
        services.add("broker", broker.stop)
        ctx.settings.mqtt.url = broker.url
    print(f"  • MQTT broker: {ctx.settings.mqtt.url}", flush=True)
    simulator = start_device_simulator(ctx.settings.mqtt.url, ctx.settings, rate=rate)
    services.add("device simulator", simulator.stop)


def cmd_demo(args: argparse.Namespace) -> int:
    install_stop_signals()
    ctx = Context.from_args(args)
    if args.data_dir:
        ctx.settings.store.data_dir = args.data_dir
    if args.port:
        ctx.settings.http.port = args.port
    data = private_dir(ctx.settings.data_path, "thư mục dữ liệu")
    if not SAMPLE_DIR.is_dir():
        raise CocError(f"không tìm thấy dữ liệu mẫu ở {SAMPLE_DIR}")
    print(
        f"COC demo — {ctx.settings.commune.name} ({ctx.settings.commune.code}), "
        f"dữ liệu tại {Path(data)}",
        flush=True,
    )
    check_port_free("127.0.0.1", ctx.settings.http.port)
    prepare(ctx)
    as_of = args.as_of or to_local(utcnow()).date()
    sample = prepare_sample(ctx, Path(data), as_of)

    def start(services: Services) -> None:
        print(f"Thu thập dữ liệu mẫu ngày {as_of:%d/%m/%Y} qua HTTP:", flush=True)
        start_sources(ctx, services, sample)
        if not args.no_devices:
            start_devices(ctx, services, args.rate)
        Engine(ctx.catalog).refresh(
            ctx.store, ctx.org_unit, with_enclosing(recent_months(utcnow()))
        )
        start_worker_parts(ctx, services)
        http = ctx.settings.http
        start_web(ctx, services, "127.0.0.1", http.port)
        print(f"\nBảng điều khiển: http://127.0.0.1:{http.port}/", flush=True)
        print(f"Màn hình trình chiếu: http://127.0.0.1:{http.port}/wall?kiosk=1", flush=True)
        print("Nhấn Ctrl-C để dừng.", flush=True)

    run_until_stopped(start)
    print("Đã dừng demo.", flush=True)
    return 0
