"""Device commands: `coc simulate devices`, `coc ingest`, `coc devices`."""

from __future__ import annotations

import argparse
import threading

from coc.cli.context import Context
from coc.devices.states import KINDS, kind_name, state_name
from coc.errors import CocError
from coc.timeutil import to_local


def simulate_parser(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The shared `coc simulate` group: created by whichever module registers first."""
    parser = sub.choices.get("simulate")
    if parser is None:
        parser = sub.add_parser("simulate", help="mô phỏng nguồn dữ liệu hoặc thiết bị")
        parser._coc_sub = parser.add_subparsers(  # type: ignore[attr-defined]
            dest="simulate_what", metavar="WHAT", parser_class=type(parser)
        )
    return parser._coc_sub  # type: ignore[attr-defined,no-any-return]


def add_simulate_devices(simulate_subparsers: argparse._SubParsersAction) -> None:
    p = simulate_subparsers.add_parser(
        "devices", help="phát dữ liệu đo và trạng thái của các thiết bị mẫu qua MQTT"
    )
    p.add_argument("--url", help="broker MQTT (mặc định: mqtt.url / COC_MQTT_URL)")
    p.add_argument("--rate", type=float, default=1.0, help="số lượt phát mỗi giây (mặc định 1)")
    p.add_argument("--seconds", type=float, help="dừng sau ngần này giây (mặc định: chạy mãi)")
    p.set_defaults(func=cmd_simulate_devices)


def register(sub: argparse._SubParsersAction) -> None:
    add_simulate_devices(simulate_parser(sub))
    p = sub.add_parser("ingest", help="chỉ chạy bộ thu MQTT (dữ liệu cảm biến, trạng thái)")
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser("devices", help="liệt kê thiết bị và trạng thái trực tuyến")
    p.add_argument("--kind", choices=KINDS, help="chỉ một loại")
    p.set_defaults(func=cmd_devices)


def _rate(value: float) -> float:
    if not value > 0:
        raise CocError("--rate phải là số dương")
    return value


def cmd_simulate_devices(args: argparse.Namespace) -> int:
    from sensors.mqttconf import parse_url
    from sensors.simulator import start_device_simulator

    ctx = Context.from_args(args)
    url = args.url or ctx.settings.mqtt.url
    if not url:
        raise CocError("chưa có broker MQTT: dùng --url hoặc đặt COC_MQTT_URL")
    parse_url(url)
    sim = start_device_simulator(url, ctx.settings, rate=_rate(args.rate))
    print(f"Đang mô phỏng {len(sim.registry.devices)} thiết bị tới {url} (Ctrl+C để dừng)")
    try:
        threading.Event().wait(args.seconds)
    finally:
        sim.stop()
    print(f"Đã phát {sim.published} bản tin.")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from sensors.run import run_ingest

    return run_ingest(Context.from_args(args).settings)


def cmd_devices(args: argparse.Namespace) -> int:
    from coc.devices import queries
    from coc.devices.registry import sync_devices

    ctx = Context.from_args(args)
    sync_devices(ctx.store, ctx.settings)
    with ctx.store.session() as session:
        rows = queries.devices(session, args.kind)
    for row in rows:
        seen = row["last_seen"]
        seen_text = "chưa từng" if seen is None else _local(seen)
        print(
            f"{row['device_id']:<10} {kind_name(row['kind']):<9} "
            f"{state_name(row['state']):<14} {seen_text:<19} {row['name']}"
        )
    return 0


def _local(iso: str) -> str:
    from datetime import datetime

    return to_local(datetime.fromisoformat(iso.replace("Z", "+00:00"))).strftime(
        "%d/%m/%Y %H:%M:%S"
    )
