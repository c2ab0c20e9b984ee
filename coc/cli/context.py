"""What every command needs: settings, the store, the catalog."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import cached_property

from coc.config import Settings, load_settings
from coc.indicators.catalog import Catalog, load_catalog
from coc.store.db import Store, open_store


def port_number(text: str, lowest: int = 1) -> int:
    """argparse type for --port: a TCP port, 1–65535 (argparse makes it one usage line)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"cổng phải là số nguyên: {text!r}") from None
    if not lowest <= port <= 65535:
        raise argparse.ArgumentTypeError(f"cổng phải từ {lowest} đến 65535: {port}")
    return port


def any_port(text: str) -> int:
    """argparse type for a simulator's --port: 0 lets the system pick a free one."""
    return port_number(text, lowest=0)


@dataclass
class Context:
    settings: Settings

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        return cls(load_settings(getattr(args, "config", None)))

    @cached_property
    def store(self) -> Store:
        return open_store(self.settings)

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.settings.config_file(self.settings.indicators_file))

    @property
    def org_unit(self) -> str:
        return self.settings.commune.code
