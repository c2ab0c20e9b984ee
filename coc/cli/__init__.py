"""The `coc` command line: the composition root that wires core, edges and web together.

Each group of commands lives in its own module with a `register(subparsers)` function.
Errors caused by the user (arguments, config, database) print one line and exit non-zero.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from coc import __version__
from coc.errors import CocError

EXIT_ERROR = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line instead of the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        for english, vietnamese in _ARGPARSE_VI:
            message = message.replace(english, vietnamese)
        self.exit(EXIT_USAGE, f"coc: lỗi tham số: {message} (xem: coc --help)\n")


_ARGPARSE_VI = (
    ("the following arguments are required", "thiếu tham số bắt buộc"),
    ("unrecognized arguments", "tham số không hợp lệ"),
    ("invalid choice", "lựa chọn không hợp lệ"),
    ("choose from", "chọn một trong"),
    ("expected one argument", "cần một giá trị"),
    ("invalid int value", "không phải số nguyên"),
    ("invalid float value", "không phải số"),
    ("argument ", "tham số "),
)


def build_parser() -> argparse.ArgumentParser:
    from coc.cli import approval, core, demo, devices, report, runtime, sources, sync, users, web

    parser = _Parser(
        prog="coc",
        description="COC — Trung tâm giám sát, điều hành thông minh cấp xã.",
    )
    parser.add_argument("--version", action="version", version=f"coc {__version__}")
    parser.add_argument("--config", help="tệp cấu hình của đơn vị (hoặc COC_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="ghi nhật ký chi tiết")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (demo, core, runtime, web, sources, sync, approval, devices, users, report):
        module.register(sub)
    _share_global_options(parser)
    return parser


def _share_global_options(parser: argparse.ArgumentParser) -> None:
    """Accept --config and -v after the subcommand too (`coc run --config site.yaml`)."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for child in action.choices.values():
            known = child._option_string_actions
            if "--config" not in known:
                child.add_argument(
                    "--config",
                    default=argparse.SUPPRESS,
                    help="tệp cấu hình của đơn vị (hoặc COC_CONFIG)",
                )
            if "--verbose" not in known and "-v" not in known:
                child.add_argument(
                    "-v",
                    "--verbose",
                    action="store_true",
                    default=argparse.SUPPRESS,
                    help="ghi nhật ký chi tiết",
                )
            _share_global_options(child)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:  # routine library chatter only with -v
        for noisy in ("alembic", "apscheduler", "waitress.queue"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except CocError as exc:
        print(f"coc: lỗi: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("coc: đã dừng.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
