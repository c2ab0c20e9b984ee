"""`python -m connectors …`: the source commands without the rest of the `coc` CLI.

Same commands and options as `coc pull|import|quarantine|simulate sources|template`;
handy for scripts and for tests that run a pull in a child process.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from coc.cli import sources
from coc.errors import CocError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m connectors")
    parser.add_argument("--config", help="site config file (or COC_CONFIG)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sources.register(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CocError as exc:
        print(f"coc: lỗi: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
