"""Source commands (pull, import, quarantine, simulate sources): see connectors/."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Filled in by the connectors work (issue 3)."""
