"""Operator commands for data sources: pull, import, quarantine, simulate sources, template.

coc pull [SOURCE]                     pull one source (or every enabled one) now
coc import FILE.xlsx|csv              import a template or record file
coc quarantine list|accept|reject     see and resolve quarantined records
coc simulate sources                  serve the three systems' APIs from sample_data/
coc template [PATH]                   write the Excel import template
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import time
from pathlib import Path
from typing import Any

from coc.cli.context import Context, any_port
from coc.errors import CocError, ValidationError
from coc.fmt import moment
from coc.periods import parse_period
from coc.store import quarantine


def _actor(args: argparse.Namespace) -> str:
    if getattr(args, "actor", None):
        return str(args.actor)
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def cmd_pull(args: argparse.Namespace) -> int:
    from connectors.run import pull

    ctx = Context.from_args(args)
    if args.source:
        names = [ctx.settings.source(args.source).name]
    else:
        names = [s.name for s in ctx.settings.sources if s.enabled]
    if not names:
        raise CocError("chưa cấu hình nguồn dữ liệu nào (mục 'sources' trong tệp cấu hình)")
    failed = 0
    for name in names:
        summary = pull(ctx.store, ctx.settings, ctx.catalog, name, refresh=not args.no_refresh)
        print(summary.text_vi())
        failed += summary.status != "ok"
    return 1 if failed else 0


def cmd_import(args: argparse.Namespace) -> int:
    from coc.ingest.tabular import import_file

    ctx = Context.from_args(args)
    summary = import_file(ctx.store, ctx.catalog, Path(args.file), ctx.org_unit, _actor(args))
    print(summary.text_vi())
    for note in summary.merged[: args.show]:
        print(f"  = {note}")
    for reason in summary.reasons[: args.show]:
        print(f"  – {reason}")
    if len(summary.reasons) > args.show:
        print(f"  … và {len(summary.reasons) - args.show} lỗi khác (xem: coc quarantine list)")
    return 0


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_quarantine_list(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    items = quarantine.listing(ctx.store, args.source, resolved=args.all, limit=args.limit)
    if not items:
        print("Không có bản ghi nào trong danh sách cách ly.")
        return 0
    for item in items:
        where = f" [{item.context}]" if item.context else ""
        print(
            f"#{item.id} {moment(item.received_at)} {item.source} ({item.status}){where}: "
            f"{item.reason}"
        )
        print(f"    {_short(item.raw, 160)}")
    return 0


def cmd_quarantine_accept(args: argparse.Namespace) -> int:
    from coc.ingest.resolve import accept

    ctx = Context.from_args(args)
    payload: Any = None
    if args.fix:
        try:
            payload = json.loads(args.fix)
        except json.JSONDecodeError:
            raise ValidationError("--sua phải là một đối tượng JSON hợp lệ") from None
    accept(
        ctx.store,
        ctx.catalog,
        args.id,
        _actor(args),
        ctx.org_unit,
        payload=payload,
        note=args.note,
        mark_only=args.mark_only,
    )
    print(f"Đã chấp nhận bản ghi cách ly số {args.id}.")
    return 0


def cmd_quarantine_reject(args: argparse.Namespace) -> int:
    from coc.ingest.resolve import reject

    ctx = Context.from_args(args)
    reject(ctx.store, args.id, _actor(args), args.note)
    print(f"Đã từ chối bản ghi cách ly số {args.id} (vẫn được lưu lại).")
    return 0


def cmd_simulate_sources(args: argparse.Namespace) -> int:
    from connectors.simulator import SAMPLE_DIR, Faults, start_source_simulator

    faults = Faults(
        slow_s=args.slow,
        error_500_every=args.error_500_every,
        error_429_every=args.error_429_every,
        retry_after_s=args.retry_after,
        malformed_every=args.malformed_every,
        half_valid=args.half_valid,
        duplicates=args.duplicates,
    )
    sample = Path(args.sample_dir) if args.sample_dir else SAMPLE_DIR
    if not (sample / "dossiers.json").exists():
        raise CocError(f"không tìm thấy dữ liệu mẫu trong {sample}")
    try:
        handle = start_source_simulator(sample, args.host, args.port, faults, token=args.token)
    except OSError as exc:
        raise CocError(f"không mở được cổng {args.host}:{args.port}: {exc.strerror}") from None
    auth = f"auth: bearer\n    token: {args.token}" if args.token else "auth: none"
    print(f"Đang giả lập 3 hệ thống nguồn tại {handle.url} (Ctrl+C để dừng).")
    print("Cấu hình mẫu cho coc.yaml:\nsources:")
    for name in ("documents", "tthc", "reporting"):
        print(f"  - name: {name}\n    kind: {name}\n    url: {handle.url}\n    {auth}")
    print(f'Bật/tắt lỗi giả lập: POST {handle.url}/_faults với JSON, ví dụ {{"slow_s": 1}}')
    try:
        while True:
            time.sleep(3600)
    finally:
        handle.stop()


def cmd_template(args: argparse.Namespace) -> int:
    from coc.ingest.tabular import template_bytes

    ctx = Context.from_args(args)
    period = None
    if args.period:
        try:
            period = parse_period(args.period).code
        except ValueError as exc:
            raise CocError(f"--period: {exc}") from None
    path = Path(args.path)
    try:
        path.write_bytes(template_bytes(ctx.catalog, period))
    except OSError as exc:
        raise CocError(f"không ghi được tệp {path}: {exc.strerror}") from None
    print(f"Đã ghi mẫu nhập số liệu: {path}")
    return 0


def _simulate_subparsers(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The shared `coc simulate` group (the sensors module adds `devices` to it)."""
    parser = sub.choices.get("simulate")
    if parser is None:
        parser = sub.add_parser("simulate", help="giả lập nguồn dữ liệu hoặc thiết bị")
        parser._coc_sub = parser.add_subparsers(  # type: ignore[attr-defined]
            dest="simulate_command", metavar="WHAT"
        )
    if not hasattr(parser, "_coc_sub"):  # created without the shared attribute
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser._coc_sub = (
            actions[0]
            if actions
            else parser.add_subparsers(  # type: ignore[attr-defined]
                dest="simulate_command", metavar="WHAT"
            )
        )
    return parser._coc_sub  # type: ignore[attr-defined,no-any-return]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pull", help="đồng bộ ngay một nguồn dữ liệu (hoặc tất cả)")
    p.add_argument("source", nargs="?", help="tên nguồn (documents, tthc, reporting, …)")
    p.add_argument("--no-refresh", action="store_true", help="không tính lại chỉ tiêu")
    p.set_defaults(func=cmd_pull)

    p = sub.add_parser("import", help="nhập số liệu từ tệp Excel (.xlsx) hoặc CSV")
    p.add_argument("file", help="tệp .xlsx hoặc .csv")
    p.add_argument("--actor", help="người nhập (ghi vào nhật ký); mặc định: người dùng máy")
    p.add_argument("--show", type=int, default=20, help="số lỗi hiển thị")
    p.set_defaults(func=cmd_import)

    q = sub.add_parser("quarantine", help="xem và xử lý bản ghi bị cách ly")
    qs = q.add_subparsers(dest="quarantine_command", metavar="ACTION")
    p = qs.add_parser("list", help="liệt kê bản ghi đang cách ly")
    p.add_argument("--source", help="chỉ nguồn này")
    p.add_argument("--all", action="store_true", help="gồm cả bản ghi đã xử lý")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_quarantine_list)
    p = qs.add_parser("accept", help="chấp nhận (nhập lại) một bản ghi")
    p.add_argument("id", type=int)
    p.add_argument("--sua", dest="fix", help="bản ghi đã sửa, dạng JSON")
    p.add_argument("--mark-only", action="store_true", help="chỉ đánh dấu, không nhập lại")
    p.add_argument("--note", help="ghi chú")
    p.add_argument("--actor", help="người xử lý")
    p.set_defaults(func=cmd_quarantine_accept)
    p = qs.add_parser("reject", help="từ chối một bản ghi (vẫn lưu lại)")
    p.add_argument("id", type=int)
    p.add_argument("--note", help="ghi chú")
    p.add_argument("--actor", help="người xử lý")
    p.set_defaults(func=cmd_quarantine_reject)

    p = _simulate_subparsers(sub).add_parser(
        "sources", help="giả lập API của hệ thống QLVB, một cửa và báo cáo"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=any_port, default=os.environ.get("COC_SIM_PORT", "8081"))
    p.add_argument("--sample-dir", help="thư mục dữ liệu mẫu (mặc định sample_data/)")
    p.add_argument("--token", help="yêu cầu Bearer token này")
    p.add_argument("--slow", type=float, default=0.0, help="chậm thêm N giây mỗi yêu cầu")
    p.add_argument("--error-500-every", type=int, default=0, help="lỗi 500 mỗi N yêu cầu")
    p.add_argument("--error-429-every", type=int, default=0, help="lỗi 429 mỗi N yêu cầu")
    p.add_argument("--retry-after", type=float, default=1.0, help="Retry-After (giây) khi 429")
    p.add_argument("--malformed-every", type=int, default=0, help="JSON hỏng mỗi N yêu cầu")
    p.add_argument("--half-valid", action="store_true", help="khoảng 1/9 bản ghi bị lỗi")
    p.add_argument("--duplicates", action="store_true", help="lặp bản ghi giữa các trang")
    p.set_defaults(func=cmd_simulate_sources)

    p = sub.add_parser("template", help="ghi tệp Excel mẫu để nhập số liệu")
    p.add_argument("path", nargs="?", default="mau-nhap-so-lieu.xlsx")
    p.add_argument("--period", help="điền sẵn kỳ báo cáo, ví dụ 202611")
    p.set_defaults(func=cmd_template)
