"""`coc demo`: zero set-up. SQLite under a data folder, the bundled sample sources served on
loopback and pulled over real HTTP, simulated devices on a real MQTT broker (Mosquitto or
an embedded one), and the dashboard at http://127.0.0.1:8050. Running it twice duplicates
nothing: every write is an upsert on a natural key.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

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
from coc.timeutil import utcnow

log = logging.getLogger(__name__)
SAMPLE_DIR = ROOT / "sample_data"
DEMO_TOKEN = "demo-source-token"
SOURCE_KINDS = {"documents": "documents", "tthc": "tthc", "reporting": "reporting"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="chạy thử với dữ liệu mẫu, không cần cài đặt gì thêm")
    p.add_argument("--port", type=port_number, default=None, help="cổng web (mặc định 8050)")
    p.add_argument("--data-dir", help="thư mục dữ liệu (mặc định ./coc-data hoặc COC_DATA_DIR)")
    p.add_argument(
        "--no-devices", action="store_true", help="không chạy broker và thiết bị mô phỏng"
    )
    p.add_argument("--rate", type=float, default=1.0, help="tốc độ thiết bị mô phỏng (lần/giây)")
    p.set_defaults(func=cmd_demo)


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


def start_sources(ctx: Context, services: Services) -> None:
    """Serve the sample systems on loopback and pull each once over HTTP."""
    from connectors.run import pull
    from connectors.simulator import start_source_simulator

    simulator = start_source_simulator(SAMPLE_DIR, token=DEMO_TOKEN)
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

    def start(services: Services) -> None:
        print("Thu thập dữ liệu mẫu qua HTTP:", flush=True)
        start_sources(ctx, services)
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
