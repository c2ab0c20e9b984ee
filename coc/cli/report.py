"""`coc report`: the monthly report of a period as an A4 PDF (or its HTML page)."""

from __future__ import annotations

import argparse
from pathlib import Path

from coc.cli.context import Context
from coc.errors import CocError
from coc.files import replace_atomic
from coc.reports.generate import default_period, render
from coc.timeutil import utcnow


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="báo cáo tháng phục vụ giao ban (PDF khổ A4)")
    p.add_argument("period", nargs="?", help="kỳ báo cáo, ví dụ 202611 (mặc định: tháng trước)")
    p.add_argument("--out", required=True, help="tệp kết quả, ví dụ bao-cao.pdf")
    p.add_argument("--html", action="store_true", help="ghi trang HTML thay cho PDF")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="ngôn ngữ (mặc định vi)")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    ctx = Context.from_args(args)
    now = utcnow()
    period = args.period or default_period(now)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CocError(f"không có thư mục để ghi báo cáo: {out.parent}")
    data = render(
        ctx.store, ctx.catalog, ctx.settings, period, now, args.lang, "html" if args.html else "pdf"
    )
    try:
        replace_atomic(out, data)
    except OSError as exc:
        raise CocError(f"không ghi được {out}: {exc.strerror or exc}") from None
    print(f"Đã lập báo cáo {period}: {out} ({len(data) // 1024} KB)")
    return 0
