"""Core operator commands: init, refresh, backup, settings."""

from __future__ import annotations

import argparse

from coc import bootstrap
from coc.cli.context import Context
from coc.config import settings_reference
from coc.errors import CocError
from coc.indicators.engine import Engine
from coc.keys import backup_keys
from coc.periods import months_between, recent_months, with_enclosing
from coc.store.backup import backup
from coc.timeutil import utcnow


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="tạo/nâng cấp cơ sở dữ liệu, nạp danh mục chỉ tiêu")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("refresh", help="tính lại các chỉ tiêu từ dữ liệu đã lưu")
    p.add_argument("--from", dest="first", help="tháng đầu, ví dụ 202511 (mặc định: 12 tháng)")
    p.add_argument("--to", dest="last", help="tháng cuối, ví dụ 202611 (mặc định: tháng này)")
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("backup", help="sao lưu nhất quán cơ sở dữ liệu khi hệ thống đang chạy")
    p.add_argument("path", help="tệp hoặc thư mục đích")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("settings", help="liệt kê mọi thiết lập, giá trị mặc định và ý nghĩa")
    p.add_argument("--check", action="store_true", help="chỉ kiểm tra tệp cấu hình")
    p.set_defaults(func=cmd_settings)


def prepare(ctx: Context) -> None:
    """Schema, org units, catalog and targets (`coc.bootstrap.prepare`) as of now."""
    bootstrap.prepare(ctx.store, ctx.settings, ctx.catalog, utcnow())


def cmd_init(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    prepare(ctx)
    print(f"Đã sẵn sàng: {ctx.store.engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    prepare(ctx)
    months = recent_months(utcnow())
    if args.first or args.last:
        try:
            months = [
                m.code for m in months_between(args.first or months[0], args.last or months[-1])
            ]
        except ValueError as exc:
            raise CocError(str(exc)) from None
    result = Engine(ctx.catalog).refresh(ctx.store, ctx.org_unit, with_enclosing(months))
    print(
        f"Đã tính lại: {result.inserted} mới, {result.updated} thay đổi, "
        f"{result.unchanged} không đổi."
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    target = backup(ctx.store, args.path)
    keys = backup_keys(ctx.settings, target)
    print(f"Đã sao lưu vào {target}")
    if keys:
        names = ", ".join(k.name for k in keys)
        print(f"Đã chép khóa của hệ thống cạnh bản sao lưu ({names}): giữ chúng cùng nhau.")
    return 0


def cmd_settings(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    if args.check:
        print(f"Cấu hình hợp lệ: {ctx.settings.commune.name} ({ctx.settings.commune.code})")
        return 0
    for key, default, help_text in settings_reference():
        print(f"{key}\t{default}\t{help_text}")
    return 0
