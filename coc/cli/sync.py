"""`coc sync` (push upward now) and `coc province …` (pull, roll up, reporting)."""

from __future__ import annotations

import argparse
import secrets

from coc.api.auth import digest
from coc.cli.context import Context
from coc.errors import ConfigError
from coc.fmt import percent
from coc.periods import parse_period
from coc.province.completeness import reporting
from coc.province.hierarchy import Hierarchy, sync_org_units
from coc.province.rollup import rollup_all
from coc.sync.pull import pull_all
from coc.sync.push import push_once
from coc.sync.status import sync_status


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sync", help="gửi số liệu đã thay đổi lên cấp trên ngay (COC_UPSTREAM_URL)")
    p.add_argument("--status", action="store_true", help="chỉ xem lần đồng bộ gần nhất")
    p.add_argument(
        "--new-token", action="store_true", help="tạo một mã truy cập mới và dạng sha256 của nó"
    )
    p.set_defaults(func=cmd_sync)

    prov = sub.add_parser("province", help="chế độ tỉnh/huyện: kéo số liệu các xã, tổng hợp")
    psub = prov.add_subparsers(dest="province_command", metavar="LỆNH", required=True)
    pull = psub.add_parser("pull", help="kéo nguồn cấp dữ liệu của các xã ngay")
    pull.add_argument("codes", nargs="*", help="mã xã (mặc định: mọi xã đã cấu hình)")
    pull.set_defaults(func=cmd_pull)
    roll = psub.add_parser("rollup", help="tính lại số liệu tổng hợp theo cây đơn vị")
    roll.set_defaults(func=cmd_rollup)
    rep = psub.add_parser("completeness", help="tình hình báo cáo của các xã theo kỳ")
    rep.add_argument("periods", nargs="+", help="kỳ báo cáo, ví dụ 202610 202611")
    rep.set_defaults(func=cmd_completeness)


def cmd_sync(args: argparse.Namespace) -> int:
    if args.new_token:
        token = secrets.token_urlsafe(32)
        print(f"Mã truy cập: {token}")
        print(f"Dạng lưu trong cấu hình: sha256:{digest(token)}")
        return 0
    ctx = Context.from_args(args)
    if args.status:
        info = sync_status(ctx.store, ctx.settings)
        push = info["push"]
        run = push["last_run"]
        print(f"Cấp trên: {push['url'] or 'chưa cấu hình'}")
        print(f"Mốc đồng bộ (watermark): {push['watermark'] or 'chưa có'}")
        print(f"Lần gửi gần nhất: {run['message'] if run else 'chưa chạy'}")
        for pull in info["pulls"]:
            last = pull["last_run"]
            print(f"Kéo {pull['code']} {pull['name']}: {last['message'] if last else 'chưa chạy'}")
        return 0
    if not ctx.settings.upstream.url:
        raise ConfigError("chưa cấu hình upstream.url (biến môi trường COC_UPSTREAM_URL)")
    result = push_once(ctx.store, ctx.settings)
    print(result.line())
    return 0 if result.ok else 1


def _province(ctx: Context) -> Hierarchy:
    if ctx.settings.role not in ("province", "district"):
        raise ConfigError("lệnh này chỉ dùng ở chế độ tỉnh/huyện (role: province hoặc district)")
    sync_org_units(ctx.store, ctx.settings)
    return Hierarchy.from_settings(ctx.settings)


def cmd_pull(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    _province(ctx)
    known = {c.code for c in ctx.settings.province.communes}
    unknown = [c for c in args.codes if c not in known]
    if unknown:
        raise ConfigError(f"không có xã {', '.join(unknown)} trong province.communes")
    results = pull_all(ctx.store, ctx.settings, ctx.catalog, codes=args.codes or None)
    for r in results:
        print(r.line())
    return 0 if all(r.status in ("ok", "partial", "skipped") for r in results) else 1


def cmd_rollup(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    changed = rollup_all(ctx.store, ctx.catalog, _province(ctx))
    print(f"Đã tính lại số liệu tổng hợp: {changed} giá trị thay đổi.")
    return 0


def cmd_completeness(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    hierarchy = _province(ctx)
    try:
        periods = [parse_period(p).code for p in args.periods]
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    with ctx.store.session() as session:
        rows = reporting(session, hierarchy, periods, ctx.settings.province.timely_days)
    print("Mã xã  Tên xã                          Tỷ lệ báo cáo  Đúng hạn  Chưa báo cáo")
    for r in rows:
        late = ", ".join(p.period for p in r.periods if not p.reported) or "—"
        rate = "—" if r.rate is None else percent(r.rate)
        timely = "—" if r.on_time_rate is None else percent(r.on_time_rate)
        print(f"{r.code:<6} {r.name:<31} {rate:>13}  {timely:>8}  {late}")
    return 0
