"""Status words that tell the truth: met only when the target is met, on track or behind the
pro-rata path of a yearly target, at risk when the year-end projection misses it.

Pure functions of the values, the target and the indicator's rules; the words and the
colours come from one table (`STATUS_BAND`) so they always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coc.indicators.engine import completion

# status → colour band; the order is what the chairperson must act on first
STATUS_BAND: dict[str, str | None] = {
    "at_risk": "red",
    "missed": "red",
    "behind": "amber",
    "near": "amber",
    "provisional": None,
    "on_track": "green",
    "met": "green",
    "exceeded": "green",
    "no_target": None,
    "no_data": None,
}
URGENCY = {status: rank for rank, status in enumerate(STATUS_BAND)}


@dataclass(frozen=True)
class Verdict:
    status: str
    completion: float | None  # the real figure, may be above 100
    projection: float | None = None  # year-end projection, when one was made
    path: float | None = None  # where the pro-rata path stands at this month

    @property
    def band(self) -> str | None:
        return STATUS_BAND[self.status]

    @property
    def bar(self) -> float | None:
        """Completion for bars and gauges: capped at 100."""
        return None if self.completion is None else min(100.0, max(0.0, self.completion))


def projection_sum(monthly: Sequence[float], recent: int = 3) -> float | None:
    """Year-end total: the year to date plus the average of the last `recent` months times
    the months left. `monthly` holds the months of the year so far, in order."""
    if not monthly:
        return None
    tail = list(monthly)[-recent:]
    return float(sum(monthly)) + sum(tail) / len(tail) * (12 - len(monthly))


def projection_level(points: Sequence[tuple[int, float]]) -> float | None:
    """December's value on the least-squares line through (month number, value) points of
    the year so far; None with fewer than two months."""
    if len({m for m, _ in points}) < 2:
        return None
    n = len(points)
    mx = sum(m for m, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((m - mx) ** 2 for m, _ in points)
    slope = sum((m - mx) * (v - my) for m, v in points) / sxx
    return my + slope * (12 - mx)


def _better(a: float, b: float, direction: str) -> bool:
    """a is at least as good as b."""
    return a <= b if direction == "lower" else a >= b


def judge(
    *,
    value: float | None,
    target: float | None,
    direction: str = "higher",
    bands: tuple[float, float] = (50.0, 80.0),
    cumulative: bool = False,
    month: int | None = None,
    year_so_far: Sequence[tuple[int, float]] = (),
    partial: bool = False,
    final: bool = False,
    baseline: float | None = None,
) -> Verdict:
    """The status of one figure against a yearly target.

    `value` is what is compared with the target: the year to date for a cumulative
    (summed) indicator, the month's value otherwise. `month` is the month number the
    value is for (None for a quarter or a year: judged as final), `year_so_far` the
    (month number, month's own value) points of that year up to it. `partial` marks a
    month still in progress: never judged as final. `final` (December, a year, a snapshot)
    skips the path and the projection. `baseline` is a level's value at the end of the
    year before (month 0); a level with fewer than two points has no path and is judged
    by its completion bands.
    """
    if value is None:
        return Verdict("no_data", None)
    if target is None:
        return Verdict("no_target", None)
    pct = completion(value, target, direction)
    if partial:
        return Verdict("provisional", pct)
    if pct is not None and pct >= 100.0:
        return Verdict("exceeded" if pct > 100.0 else "met", pct)
    points = sorted(p for p in year_so_far if 0 < p[0] <= month)
    if not cumulative and baseline is not None:
        points.insert(0, (0, baseline))
    if final or month is None or month >= 12 or (not cumulative and len(points) < 2):
        if pct is None or pct < bands[0]:
            return Verdict("missed", pct)
        return Verdict("near", pct)
    if cumulative:
        path = target * month / 12
        projected = projection_sum([v for _, v in points])
    else:
        start = points[0]
        # a straight line from the year's first point to the target in December
        path = start[1] + (target - start[1]) * (month - start[0]) / (12 - start[0])
        projected = projection_level(points)
    if projected is not None and not _better(projected, target, direction):
        return Verdict("at_risk", pct, projected, path)
    if not _better(value, path, direction):
        return Verdict("behind", pct, projected, path)
    return Verdict("on_track", pct, projected, path)


def by_completion(pct: float | None, bands: tuple[float, float] = (50.0, 80.0)) -> str:
    """A verdict from a completion % alone (a province comparing communes' figures, or a
    mean completion): met or exceeded only at 100 % or more, missed below the lower band,
    near in between; no data without a figure."""
    if pct is None:
        return "no_data"
    if pct > 100.0:
        return "exceeded"
    if pct >= 100.0:
        return "met"
    return "missed" if pct < bands[0] else "near"
