"""The registry of built-in measures, filled explicitly from the modules that define them.

No registration by import side effect: `facts`, `tthc` and `bulletins` each export a
`MEASURES` table and this module joins them, so importing a measure module never needs the
registry.
"""

from __future__ import annotations

from collections.abc import Mapping

from coc.indicators import bulletins, facts, fieldreports, tthc
from coc.indicators.context import BreakdownFn, MeasureContext, MeasureFn

__all__ = [
    "BREAKDOWNS", "REGISTRY", "MeasureContext", "MeasureFn", "breakdown", "dimensions", "get",
    "names",
]  # fmt: skip


def _join(*tables: Mapping[str, MeasureFn]) -> dict[str, MeasureFn]:
    joined: dict[str, MeasureFn] = {}
    for table in tables:
        for name, fn in table.items():
            if name in joined:
                raise ValueError(f"measure {name!r} defined twice")
            joined[name] = fn
    return joined


REGISTRY: Mapping[str, MeasureFn] = _join(
    facts.MEASURES, tthc.MEASURES, fieldreports.MEASURES, bulletins.MEASURES
)


def get(name: str) -> MeasureFn:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"không có phép đo '{name}'") from None


def names() -> list[str]:
    return sorted(REGISTRY)


# measure → (its breakdown, the dimensions it can be broken down by)
BREAKDOWNS: Mapping[str, tuple[BreakdownFn, frozenset[str]]] = {
    name: (fn, frozenset(fieldreports.DIMENSIONS)) for name, fn in fieldreports.BREAKDOWNS.items()
}


def dimensions(name: str) -> frozenset[str]:
    """The dimensions measure `name` can be broken down by (none for most)."""
    return BREAKDOWNS[name][1] if name in BREAKDOWNS else frozenset()


def breakdown(name: str, dimension: str) -> BreakdownFn:
    if dimension not in dimensions(name):
        raise KeyError(f"phép đo '{name}' không chia được theo '{dimension}'")
    return BREAKDOWNS[name][0]
