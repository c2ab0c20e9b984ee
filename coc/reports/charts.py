"""Small SVG charts for the printed report: a trend sparkline and a horizontal bar chart.

Plain SVG text (no browser, no plotting stack) so a PDF renders the same everywhere;
labels are escaped, values None are gaps.
"""

from __future__ import annotations

from html import escape

from coc import fmt


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def sparkline(
    values: tuple[float | None, ...] | list[float | None],
    target: float | None = None,
    width: int = 80,
    height: int = 26,
) -> str:
    """A line of the values (left to right), a dashed target line when given, the last
    point marked. An empty frame when there is nothing to draw."""
    known = [v for v in values if v is not None]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="spark" role="img">'
    ]
    if known:
        scale = [*known, *([target] if target is not None else [])]
        low, high = min(scale), max(scale)
        if high == low:
            low, high = low - 1, high + 1
        step = (width - 8) / max(1, len(values) - 1)

        def y(v: float) -> float:
            return height - 4 - (v - low) * (height - 8) / (high - low)

        if target is not None:
            parts.append(
                f'<line x1="4" x2="{width - 4}" y1="{_fmt(y(target))}" y2="{_fmt(y(target))}" '
                'stroke="#555" stroke-dasharray="3,2" stroke-width="1"/>'
            )
        run: list[str] = []
        for i, v in enumerate(values):
            if v is None:
                if len(run) > 1:
                    parts.append(_polyline(run))
                run = []
                continue
            run.append(f"{_fmt(4 + i * step)},{_fmt(y(v))}")
        if len(run) > 1:
            parts.append(_polyline(run))
        last = max(i for i, v in enumerate(values) if v is not None)
        parts.append(
            f'<circle cx="{_fmt(4 + last * step)}" cy="{_fmt(y(values[last]))}" r="2.5" '  # type: ignore[arg-type]
            'fill="#0b4f8a"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _polyline(points: list[str]) -> str:
    return (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#0b4f8a" stroke-width="1.5"/>'
    )


def bars(
    rows: list[tuple[str, float | None, float]],
    width: int = 640,
    row_height: int = 22,
    lang: str = "vi",
) -> str:
    """Horizontal bars of (label, value, maximum): the value's share of its maximum, the
    maximum as a light track, '—' for a value that could not be computed."""
    label_w = 330
    track = width - label_w - 70
    height = row_height * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" class="bars" role="img">'
    ]
    for i, (label, value, maximum) in enumerate(rows):
        top = 2 + i * row_height
        mid = top + row_height / 2 + 4
        parts.append(
            f'<text x="0" y="{_fmt(mid)}" font-size="10">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{top + 4}" width="{track}" height="{row_height - 8}" '
            'fill="#e3e8ee"/>'
        )
        if value is not None and maximum > 0:
            share = max(0.0, min(1.0, value / maximum))
            parts.append(
                f'<rect x="{label_w}" y="{top + 4}" width="{_fmt(track * share)}" '
                f'height="{row_height - 8}" fill="#0b4f8a"/>'
            )
        text = f"{fmt.number(value, 1, lang)} / {fmt.number(maximum, 1, lang)}"
        parts.append(
            f'<text x="{label_w + track + 6}" y="{_fmt(mid)}" font-size="10">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
