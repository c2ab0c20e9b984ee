"""Measures: named numbers computed from stored facts for one org unit and period.

Formulas in the catalog refer to measures as `measure:<name>`; modules register them with
`@measure("name")`. A measure returns a number, or None when it cannot be computed (no
facts), which the engine keeps distinct from zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from coc.periods import Period


@dataclass(frozen=True)
class MeasureContext:
    session: Session
    org_unit: str
    period: Period
    now: datetime  # "now" for judging open dossiers; fixed in tests


MeasureFn = Callable[[MeasureContext], float | None]
_REGISTRY: dict[str, MeasureFn] = {}


def measure(name: str) -> Callable[[MeasureFn], MeasureFn]:
    def register(fn: MeasureFn) -> MeasureFn:
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"measure {name!r} registered twice")
        _REGISTRY[name] = fn
        return fn

    return register


def get(name: str) -> MeasureFn:
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"không có phép đo '{name}'") from None


def names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def _load_builtin() -> None:
    """Import the modules that register the built-in measures."""
    from coc.indicators import facts  # noqa: F401
