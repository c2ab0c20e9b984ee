"""`coc user add|list|passwd|disable`: an admin manages dashboard logins from the CLI."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from typing import Any

from coc import fmt
from coc.auth import (
    ROLES,
    AuthError,
    add_user,
    check_new_user,
    disable_user,
    existing_user,
    list_users,
    set_password,
    throttle,
)
from coc.cli.context import Context
from coc.timeutil import utcnow


def _password(args: argparse.Namespace) -> str:
    """From --password-stdin (scripts) or typed twice at a terminal prompt."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AuthError(
            "không có terminal để nhập mật khẩu; dùng --password-stdin "
            f"(ví dụ: printf '%s\\n' \"$MAT_KHAU\" | coc user {args.user_command} "
            f"{args.username} --password-stdin)"
        )
    try:
        first = getpass.getpass("Mật khẩu: ")
        again = getpass.getpass("Nhập lại mật khẩu: ")
    except EOFError:
        raise AuthError("chưa nhập mật khẩu") from None
    if again != first:
        raise AuthError("hai lần nhập mật khẩu không khớp")
    return first


def _add(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    check_new_user(ctx.store, args.username, args.role)
    user = add_user(ctx.store, args.username, _password(args), args.role, args.name or "")
    print(f"Đã tạo người dùng {user.username} (vai trò {user.role}).")
    return 0


def _lock_text(lock: throttle.Lock, now: datetime) -> str:
    if lock.wait_s(now) > 0:
        return f"tạm khóa đến {fmt.moment(lock.locked_until)} ({lock.failures} lần sai)"
    return f"{lock.failures} lần sai gần đây"


def _list(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    users = list_users(ctx.store)
    now = utcnow()
    locks = throttle.locks(ctx.store, now=now, policy=throttle.Policy.from_settings(ctx.settings))
    if not users:
        print("Chưa có người dùng nào. Tạo bằng: coc user add TÊN --role admin")
    else:
        print(
            f"{'Tên đăng nhập':<20} {'Vai trò':<8} {'Trạng thái':<11} {'Đăng nhập cuối':<17} Họ tên"
        )
    for u in users:
        status = "hoạt động" if u.active else "đã khóa"
        line = f"{u.username:<20} {u.role:<8} {status:<11} {fmt.moment(u.last_login):<17} {u.name}"
        lock = locks.get((throttle.USER, u.username))
        print(f"{line}  [{_lock_text(lock, now)}]" if lock else line)
    addresses = [lock for (scope, _), lock in sorted(locks.items()) if scope == throttle.ADDRESS]
    if addresses:
        print("Địa chỉ đăng nhập sai gần đây:")
    for lock in addresses:
        print(f"  {lock.key}: {_lock_text(lock, now)}")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    if throttle.unlock(ctx.store, args.username, actor=_cli_actor()):
        print(f"Đã mở khóa đăng nhập cho {args.username}.")
    else:
        print(f"{args.username} không bị tạm khóa.")
    return 0


def _cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _passwd(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    existing_user(ctx.store, args.username)
    set_password(ctx.store, args.username, _password(args))
    print(f"Đã đổi mật khẩu của {args.username}; các phiên đăng nhập cũ đã kết thúc.")
    return 0


def _disable(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    disable_user(ctx.store, args.username)
    print(f"Đã khóa người dùng {args.username}.")
    return 0


def _bind(args: argparse.Namespace) -> int:
    from coc.auth.units import bind_units

    ctx = Context.from_args(args)
    codes = bind_units(ctx.store, ctx.settings, args.username, args.org_units)
    shown = ", ".join(codes) if codes else "toàn bộ cây đơn vị (không gắn)"
    print(f"Người dùng {args.username} xem và sửa: {shown}.")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("user", help="quản lý người dùng bảng điều khiển")
    users = parser.add_subparsers(dest="user_command", metavar="LỆNH", required=True)

    add = users.add_parser("add", help="tạo người dùng")
    add.add_argument("username", help="tên đăng nhập (chữ thường không dấu)")
    add.add_argument("--role", choices=ROLES, default="viewer", help="vai trò (mặc định viewer)")
    add.add_argument("--name", help="họ tên hiển thị")
    add.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ stdin")
    add.set_defaults(func=_add)

    users.add_parser("list", help="liệt kê người dùng").set_defaults(func=_list)

    passwd = users.add_parser("passwd", help="đổi mật khẩu")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="đọc mật khẩu từ stdin")
    passwd.set_defaults(func=_passwd)

    disable = users.add_parser("disable", help="khóa người dùng")
    disable.add_argument("username")
    disable.set_defaults(func=_disable)

    unlock = users.add_parser("unlock", help="mở khóa tạm sau nhiều lần đăng nhập sai")
    unlock.add_argument("username")
    unlock.set_defaults(func=_unlock)

    bind = users.add_parser(
        "bind", help="gắn người dùng với các xã/huyện được xem và sửa (chế độ tỉnh, huyện)"
    )
    bind.add_argument("username")
    bind.add_argument(
        "org_units", nargs="*", metavar="MÃ", help="mã xã hoặc huyện; bỏ trống: bỏ gắn"
    )
    bind.set_defaults(func=_bind)
