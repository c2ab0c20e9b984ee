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
        self.exit(EXIT_USAGE, f"coc: lỗi tham số: {message} (xem: coc --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from coc.cli import core, demo, devices, runtime, sources, sync, users, web

    parser = _Parser(
        prog="coc",
        description="COC — Trung tâm giám sát, điều hành thông minh cấp xã.",
    )
    parser.add_argument("--version", action="version", version=f"coc {__version__}")
    parser.add_argument("--config", help="site config file (or COC_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (demo, core, runtime, web, sources, sync, devices, users):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
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
