"""Shared helpers for connector tests: settings that point the three connectors at the
source simulator over real HTTP with short backoffs, the sample records, and the counts a
pull of them must end with, computed from the sample files (never typed in)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fixtures_base import SAMPLE_DIR

from coc.config import Settings, SourceSettings
from connectors import simulator

KINDS = ("documents", "tthc", "reporting")
# The simulator's endpoint of each record kind, and the source (connector) that pulls it.
ENDPOINTS = {
    "documents": ("/qlvb/api/v1/documents", "documents"),
    "work_files": ("/qlvb/api/v1/work-files", "documents"),
    "dossiers": ("/dvc/api/v1/hoso", "tthc"),
    "data_values": ("/baocao/api/v1/dataValues", "reporting"),
}


def settings_for(url: str, tmp_path: Path, **source: Any) -> Settings:
    """Settings with the three sources at `url`; `source` overrides every source's fields."""
    defaults: dict[str, Any] = {
        "auth": "none",
        "page_size": 250,
        "timeout_s": 5.0,
        "max_retries": 4,
        "backoff_s": 0.01,
        "backoff_max_s": 0.05,
    }
    defaults.update(source)
    return Settings(
        store={"data_dir": str(tmp_path)},
        sources=[SourceSettings(name=k, kind=k, url=url, **defaults) for k in KINDS],
    )


def sample(name: str) -> list[dict[str, Any]]:
    return json.loads((SAMPLE_DIR / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Served:
    """What the simulator serves of one record kind: how many records, and how many of
    them its half-valid mode corrupts (the same ones every time)."""

    total: int
    corrupted: int

    @property
    def valid(self) -> int:
        return self.total - self.corrupted


@cache
def served() -> dict[str, Served]:
    """Per record kind (documents, work_files, dossiers, data_values), from the sample."""
    apis = simulator.build_apis(SAMPLE_DIR)
    out = {}
    for kind, (path, _source) in ENDPOINTS.items():
        idents = [ident for _, ident, _ in apis[path].records]
        bad = sum(simulator.is_corrupted(ident) is not None for ident in idents)
        out[kind] = Served(len(idents), bad)
    return out


def write_config(path: Path, tmp_path: Path, url: str, **source: Any) -> Path:
    """A site config file for child processes and CLI tests."""
    import yaml

    settings = settings_for(url, tmp_path, **source)
    data = {
        "store": {"data_dir": str(tmp_path)},
        "sources": [s.model_dump() for s in settings.sources],
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path
