"""User-facing strings of each feature, one module per feature (Vietnamese, English).

Each module here defines `STRINGS: dict[str, tuple[str, str]]`; `dashboards.i18n` merges
them all into its table at import and refuses a key defined twice, so features add their
words without editing one shared file.
"""

from __future__ import annotations

import importlib
import pkgutil


def feature_strings() -> dict[str, tuple[str, str]]:
    """Every feature module's strings, merged; a key defined twice is a ValueError."""
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, value in module.STRINGS.items():
            if key in merged:
                raise ValueError(f"string '{key}' is defined twice (dashboards.texts.{info.name})")
            merged[key] = value
    return merged
