"""docs/api.md stays true: every sync setting, endpoint and command is documented."""

from __future__ import annotations

import argparse
import re

from fixtures_base import ROOT
from fixtures_http import commune_settings

from coc.api.openapi import openapi_document
from coc.cli import sync as sync_cli
from coc.config import settings_reference

DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


def test_every_sync_setting_is_documented():
    keys = {
        re.sub(r"\[\]\..*$", "", key)
        for key, _default, _help in settings_reference()
        if key.split(".")[0] in ("feed", "upstream", "province")
    }
    missing = sorted(k for k in keys if f"`{k}`" not in DOC)
    assert missing == []


def test_every_endpoint_is_documented():
    paths = openapi_document(commune_settings())["paths"]

    def full(path: str) -> str:  # a path-level server (DHIS2's own path) replaces /api/v1
        servers = [s for op in paths[path].values() for s in op.get("servers", [])]
        return (servers[0]["url"].rstrip("/") if servers else "/api/v1") + path

    assert sorted(full(p) for p in paths if full(p) not in DOC) == []
    assert "/api/dataValueSets" in {full(p) for p in paths}


def test_every_command_is_documented():
    parser = argparse.ArgumentParser(prog="coc")
    sub = parser.add_subparsers()
    sync_cli.register(sub)
    province = sub.choices["province"]
    nested = next(a for a in province._actions if isinstance(a, argparse._SubParsersAction))
    commands = ["coc sync", "coc sync --status", "coc sync --new-token"] + [
        f"coc province {name}" for name in nested.choices
    ]
    assert [c for c in commands if f"`{c}" not in DOC] == []
