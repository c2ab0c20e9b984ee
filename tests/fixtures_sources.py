"""Shared helpers for connector tests: a real SQLite store, the catalog, and settings that
point the three connectors at a simulator over real HTTP with short backoffs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coc.config import DEFAULT_CONFIG_DIR, ROOT, Settings, SourceSettings
from coc.indicators.catalog import Catalog, load_catalog
from coc.store.db import Store, sqlite_url

SAMPLE_DIR = ROOT / "sample_data"
KINDS = ("documents", "tthc", "reporting")


def make_store(tmp_path: Path) -> Store:
    return Store.from_url(sqlite_url(tmp_path)).init()


def catalog() -> Catalog:
    return load_catalog(DEFAULT_CONFIG_DIR / "indicators.yaml")


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
