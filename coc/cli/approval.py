"""`coc complete`, `coc approve`, `coc unapprove` and `coc approval`: completeness and the
chairperson's approval of a month, from the command line (errors are one line)."""

from __future__ import annotations

import argparse

from coc.approval import approve as appr
from coc.approval.complete import mark_complete
from coc.cli.context import Context
from coc.cli.sources import _actor
from coc.errors import ConfigError
from coc.fmt import moment
from coc.periods import parse_period, recent_months
from coc.timeutil import utcnow

STATE_WORDS = {
    appr.APPROVED: "đã phê duyệt",
    appr.READY: "chờ phê duyệt",
    appr.WAITING: "còn cảnh báo kiểm tra số liệu",
    appr.UNAPPROVABLE: "chưa phê duyệt được",
}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("complete", help="đánh dấu một kỳ đã báo cáo xong (hoàn thành)")
    p.add_argument("period", help="kỳ, ví dụ 202610")
    p.add_argument("--reopen", action="store_true", help="bỏ đánh dấu hoàn thành")
    p.add_argument("--actor", help="người đánh dấu; mặc định: người dùng máy")
    p.set_defaults(func=cmd_complete)
    p = sub.add_parser("approve", help="chủ tịch phê duyệt số liệu một kỳ (khóa số liệu)")
    p.add_argument("period", help="kỳ, ví dụ 202610")
    p.add_argument("--actor", help="người phê duyệt; mặc định: người dùng máy")
    p.set_defaults(func=cmd_approve)
    p = sub.add_parser("unapprove", help="hủy phê duyệt một kỳ để sửa số liệu (cần lý do)")
    p.add_argument("period", help="kỳ, ví dụ 202610")
    p.add_argument("--reason", required=True, help="lý do hủy phê duyệt (ghi vào nhật ký)")
    p.add_argument("--actor", help="người hủy phê duyệt; mặc định: người dùng máy")
    p.set_defaults(func=cmd_unapprove)
    p = sub.add_parser("approval", help="tình trạng phê duyệt các tháng gần đây")
    p.add_argument("periods", nargs="*", help="kỳ (mặc định: 6 tháng gần nhất)")
    p.set_defaults(func=cmd_status)


def _commune(ctx: Context) -> str:
    if ctx.settings.role != "commune":
        raise ConfigError("phê duyệt và hoàn thành chỉ làm ở xã (role: commune)")
    return ctx.org_unit


def _line(st: appr.ApprovalStatus) -> str:
    label = parse_period(st.period).label()
    text = f"{label}: {STATE_WORDS[st.state]} ({st.values} giá trị)"
    if st.approved:
        text += f", {st.approved_by} lúc {moment(st.approved_at)}"
    elif st.reason:
        text += f"; lần hủy gần nhất: {st.reason}"
    if st.blocking:
        text += f"; {st.blocking[0]}"
    return text


def cmd_complete(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    ou = _commune(ctx)
    reg = mark_complete(
        ctx.store, ctx.settings, ou, args.period, _actor(args), utcnow(), completed=not args.reopen
    )
    label = parse_period(reg.period).label()
    print(f"{label}: {'đã đánh dấu hoàn thành' if reg.completed else 'đã bỏ đánh dấu hoàn thành'}")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    st = appr.approve(ctx.store, ctx.settings, _commune(ctx), args.period, _actor(args), utcnow())
    print(_line(st))
    return 0


def cmd_unapprove(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    st = appr.unapprove(
        ctx.store, ctx.settings, _commune(ctx), args.period, _actor(args), args.reason, utcnow()
    )
    print(_line(st))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    now = utcnow()
    try:
        periods = [parse_period(p).code for p in args.periods] or recent_months(now, 6)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    for st in appr.months(ctx.store, ctx.settings, _commune(ctx), periods, now):
        print(_line(st))
    return 0
