"""Pure figure builders: data in, `plotly.graph_objects` figure out; no I/O, no Dash.

Kept free of plotly.express so hot callbacks stay fast, and unit-tested without a browser.
Every trace is capped at MAX_POINTS; longer series are downsampled here, on the server.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import plotly.graph_objects as go

from coc import fmt

MAX_POINTS = 3000
BAND_COLOURS = {"green": "#1a9850", "amber": "#e6a000", "red": "#d73027", None: "#8c8c8c"}
BAND_ICONS = {"green": "✔", "amber": "⚠", "red": "✖", None: "○"}
ASSETS = Path(__file__).resolve().parent / "assets"
BOUNDARY_FILE = ASSETS / "chuong-duong.geojson"


def band_key(band: str | None) -> str:
    return band if band in ("green", "amber", "red") else "none"


def _base_layout(dark: bool = False, height: int | None = None) -> dict[str, Any]:
    fg = "#e8e8e8" if dark else "#222"
    # no named template: resolving one costs tens of ms per figure in a hot callback
    return {
        "template": None,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {
            "color": fg,
            "family": "Inter, Roboto, 'Noto Sans', sans-serif",
            **({"size": 18} if dark else {}),  # the wall, read from 3 m
        },
        "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
        "height": height,
    }


def sparkline_svg(
    values: Sequence[float | None], band: str | None = None, width: int = 160, height: int = 40
) -> str:
    """A 12-month trend as an inline SVG data URI: no Plotly, so a wall of tiles loads fast.

    Missing months break the line; a single known month is drawn as a dot.
    """
    colour = BAND_COLOURS.get(band, BAND_COLOURS[None])
    known = [v for v in values if v is not None]
    parts: list[str] = []
    if known and len(values) > 0:
        low, high = min(known), max(known)
        span = (high - low) or 1.0
        step = width / max(1, len(values) - 1)
        segment: list[str] = []
        for i, v in enumerate([*values, None]):
            if v is None:
                if len(segment) > 1:
                    parts.append(f'<polyline points="{" ".join(segment)}"/>')
                elif segment:
                    x, y = segment[0].split(",")
                    parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
                segment = []
                continue
            y = 4 + (height - 8) * (1 - (v - low) / span) if high != low else height / 2
            segment.append(f"{i * step:.1f},{y:.1f}")
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><g fill="none" stroke="{colour}" stroke-width="3" '
        f'stroke-linejoin="round" stroke-linecap="round">{"".join(parts)}</g></svg>'
    )
    return "data:image/svg+xml;utf8," + quote(svg)


def month_label(code: str) -> str:
    """'202611' → '11/2026' (Vietnamese month form)."""
    return f"{code[4:6]}/{code[:4]}" if len(code) == 6 else code


def series_chart(
    points: Sequence[tuple[str, float | None]],
    target: float | None,
    name: str,
    target_label: str,
    unit: str = "",
    title: str = "",
    cumulative: bool = False,
) -> go.Figure:
    """Monthly values as a line against a dashed target line. A summed indicator with a
    yearly target is drawn year to date against the planned year-to-date path (target ×
    month ÷ 12), never a month's own value against the year's total."""
    x = [month_label(p) for p, _ in points]
    ys: list[float | None] = [v for _, v in points]
    if cumulative:
        ys, running, year = [], 0.0, ""
        for p, v in points:
            if p[:4] != year:
                running, year = 0.0, p[:4]
            running += v or 0.0
            ys.append(running if v is not None else None)
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=ys,
            mode="lines+markers",
            name=name,
            line={"color": "#2c7fb8", "width": 3},
            connectgaps=False,
        )
    )
    if target is not None and x and cumulative:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[target * int(p[4:6]) / 12 for p, _ in points],
                mode="lines",
                name=target_label,
                line={"color": "#d73027", "dash": "dash", "width": 2},
            )
        )
    elif target is not None and x:
        fig.add_trace(
            go.Scatter(
                x=[x[0], x[-1]],
                y=[target, target],
                mode="lines",
                name=f"{target_label}: {fmt.number(target, 2)}",
                line={"color": "#d73027", "dash": "dash", "width": 2},
            )
        )
    fig.update_layout(
        **_base_layout(height=360),
        title={"text": title},
        yaxis={"title": unit, "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
        separators=",.",
    )
    return fig


def downsample(
    xs: Sequence[Any], ys: Sequence[float | None], limit: int = MAX_POINTS
) -> tuple[list[Any], list[float | None]]:
    """At most `limit` points: min and max of each bucket, so spikes survive the cut."""
    n = len(xs)
    if n <= limit:
        return list(xs), list(ys)
    buckets = max(1, limit // 2)
    size = n / buckets
    out_x: list[Any] = []
    out_y: list[float | None] = []
    for b in range(buckets):
        lo, hi = int(b * size), min(n, int((b + 1) * size))
        if lo >= hi:
            continue
        idx = [i for i in range(lo, hi) if ys[i] is not None]
        if not idx:
            out_x.append(xs[lo])
            out_y.append(None)
            continue
        i_min = min(idx, key=lambda i: ys[i])  # type: ignore[arg-type, return-value]
        i_max = max(idx, key=lambda i: ys[i])  # type: ignore[arg-type, return-value]
        for i in sorted({i_min, i_max}):
            out_x.append(xs[i])
            out_y.append(ys[i])
    return out_x, out_y


def sensor_chart(
    times: Sequence[datetime],
    values: Sequence[float | None],
    title: str,
    unit: str = "",
    thresholds: Sequence[tuple[str, float]] = (),
    dark: bool = False,
    lang: str = "vi",
) -> go.Figure:
    """A sensor series (roll-up averages or raw) with horizontal threshold lines; times
    read 14:30 20/11 in Vietnamese (dd/mm), never plotly's English month names."""
    xs, ys = downsample(list(times), list(values))
    fig = go.Figure(
        go.Scattergl(x=xs, y=ys, mode="lines", name=title, line={"color": "#2c7fb8", "width": 2})
    )
    # shapes and annotations as plain dicts: fig.add_hline costs ~20 ms per line
    shapes = [
        {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": level,
         "y1": level, "line": {"color": "#d73027", "dash": "dash"}}
        for _label, level in thresholds
    ]  # fmt: skip
    notes = [
        {"xref": "paper", "x": 0, "xanchor": "left", "yref": "y", "y": level,
         "yanchor": "bottom", "showarrow": False,
         "text": f"{label}: {level:g}".replace(".", ",")}  # the figure's separators
        for label, level in thresholds
    ]  # fmt: skip
    fig.update_layout(
        **_base_layout(dark, 320),
        shapes=shapes,
        annotations=notes,
        title={"text": title},
        xaxis=time_axis(lang),
        yaxis={"title": unit},
        showlegend=False,
        separators=",." if lang == "vi" else ".,",
    )
    return fig


def _wrap(name: str, width: int = 18) -> str:
    """'2. Tiến độ, kết quả giải quyết' → '2. Tiến độ, kết<br>quả giải quyết' (two lines at
    most, broken at the space nearest the middle)."""
    if len(name) <= width or " " not in name:
        return name
    spaces = [i for i, c in enumerate(name) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return f"{name[:cut]}<br>{name[cut + 1 :]}"


def time_axis(lang: str = "vi") -> dict[str, Any]:
    """Tick labels and hover times of a date axis in the page's language (dd/mm/yyyy)."""
    if lang == "en":
        return {"hoverformat": "%Y-%m-%d %H:%M"}
    stops = [
        {"dtickrange": [None, 86_400_000], "value": "%H:%M<br>%d/%m"},
        {"dtickrange": [86_400_000, 28 * 86_400_000], "value": "%d/%m"},
        {"dtickrange": [28 * 86_400_000, None], "value": "%m/%Y"},
    ]
    return {"tickformatstops": stops, "hoverformat": "%H:%M %d/%m/%Y"}


def scorecard_chart(
    groups: Sequence[tuple[str, float | None, float]],
    title: str,
    dark: bool = False,
    lang: str = "vi",
) -> go.Figure:
    """Decision 766 points per group as bars of points over the maximum ("—" if unknown).
    Long group names wrap onto two lines (automargin) so the bars keep room on a phone."""
    names = [_wrap(g[0]) for g in groups]
    top = max((g[2] for g in groups), default=1.0)
    labels = [
        f"{'—' if g[1] is None else f'{g[1]:.1f}'.replace('.', ',' if lang == 'vi' else '.')}"
        f"/{g[2]:g}"
        for g in groups
    ]
    fig = go.Figure(
        [
            go.Bar(
                y=names,
                x=[g[2] for g in groups],
                orientation="h",
                marker={"color": "#5f6b7a" if dark else "#d9d9d9"},
                name="max",
                hoverinfo="skip",
            ),
            go.Bar(
                y=names,
                x=[g[1] or 0.0 for g in groups],
                orientation="h",
                marker={"color": "#2c7fb8"},
                name="points",
                hoverinfo="skip",
            ),
            go.Scatter(
                y=names,
                x=[g[2] for g in groups],
                mode="text",
                text=labels,
                textposition="middle right",
                textfont={"size": 20 if dark else 14},
                hoverinfo="skip",
            ),
        ]
    )
    fig.update_layout(
        **{
            **_base_layout(dark, height=60 + 50 * len(groups)),
            "margin": {"l": 10, "r": 20, "t": 40 if title else 10, "b": 30},
        },
        title={"text": title},
        barmode="overlay",
        showlegend=False,
        yaxis={
            "autorange": "reversed",
            "automargin": True,
            "tickfont": {"size": 20 if dark else 14},
        },
        xaxis={"range": [0, top * 1.25], "showgrid": False},
    )
    return fig


@lru_cache(maxsize=1)
def boundary() -> dict[str, Any]:
    return json.loads(BOUNDARY_FILE.read_text(encoding="utf-8"))


def _rings(geojson: dict[str, Any]) -> list[list[list[float]]]:
    rings = []
    for feature in geojson.get("features", []):
        geom = feature["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        rings.extend(poly[0] for poly in polys)
    return rings


def device_map(
    devices: Sequence[dict[str, Any]], labels: dict[str, str], dark: bool = False
) -> go.Figure:
    """Devices over the bundled commune boundary on plain lon/lat axes: no tiles, no internet.

    Each device dict: name, kind, lat, lon, online.
    """
    traces: list[Any] = []
    for ring in _rings(boundary()):
        traces.append(
            go.Scatter(
                x=[p[0] for p in ring],
                y=[p[1] for p in ring],
                mode="lines",
                fill="toself",
                fillcolor="rgba(44,127,184,0.08)",
                line={"color": "#2c7fb8", "width": 2},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    symbols = {"camera": "square", "speaker": "diamond", "sensor": "circle"}
    for kind, symbol in symbols.items():
        for online in (True, False):
            items = [d for d in devices if d["kind"] == kind and bool(d.get("online")) == online]
            items = [d for d in items if d.get("lat") is not None and d.get("lon") is not None]
            if not items:
                continue
            state = labels["online"] if online else labels["offline"]
            traces.append(
                go.Scatter(
                    x=[d["lon"] for d in items],
                    y=[d["lat"] for d in items],
                    mode="markers",
                    name=f"{labels[kind]} – {state}",
                    text=[d["name"] for d in items],
                    hovertemplate="%{text}<extra></extra>",
                    marker={
                        "symbol": symbol if online else f"{symbol}-open",
                        "size": 14,
                        "color": BAND_COLOURS["green" if online else "red"],
                        "line": {"width": 2, "color": BAND_COLOURS["green" if online else "red"]},
                    },
                )
            )
    fig = go.Figure(traces)
    fig.update_layout(
        **_base_layout(dark, height=520),
        xaxis={"title": "", "showgrid": False, "zeroline": False},
        yaxis={"title": "", "showgrid": False, "zeroline": False, "scaleanchor": "x"},
        legend={"orientation": "h", "y": -0.08},
        separators=",.",
    )
    return fig


def ranking_chart(
    names: Sequence[str],
    values: Sequence[float | None],
    bands: Sequence[str | None],
    unit: str = "",
    target: float | None = None,
    dark: bool = False,
    cap: float | None = None,
) -> go.Figure:
    """Communes as horizontal bars, best at the top, coloured by band; a dashed target line.

    A commune without a value keeps its row (an empty bar labelled —). With `cap` (100 for
    completion %) a bar stops at the cap while its label keeps the real figure.
    """
    ys = list(names)[::-1]
    xs = [(min(v, cap) if cap is not None else v) if v is not None else 0.0 for v in values]
    xs = xs[::-1]
    labels = ["—" if v is None else fmt.number(v, 1) for v in values][::-1]
    colours = [BAND_COLOURS.get(b, BAND_COLOURS[None]) for b in bands][::-1]
    fig = go.Figure(
        go.Bar(
            x=xs, y=ys, orientation="h", marker={"color": colours}, text=labels,
            textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )  # fmt: skip
    if target is not None:
        fig.add_vline(x=target, line={"color": "#d73027", "dash": "dash"})
    fig.update_layout(
        **_base_layout(dark, height=max(240, 34 * len(ys) + 80)),
        xaxis={"title": unit, "rangemode": "tozero"},
        yaxis={"automargin": True},
        showlegend=False,
        separators=",.",
    )
    return fig


def commune_map(
    points: Sequence[dict[str, Any]], labels: dict[str | None, str], dark: bool = False
) -> go.Figure:
    """Communes at their centres on plain lon/lat axes (no tiles, works offline), one trace
    per completion band so the legend names the colours. Each point: name, lat, lon, band,
    text (hover)."""
    traces = []
    for band in ("green", "amber", "red", None):
        items = [p for p in points if p.get("band") == band]
        if not items:
            continue
        traces.append(
            go.Scatter(
                x=[p["lon"] for p in items], y=[p["lat"] for p in items], mode="markers+text",
                name=f"{BAND_ICONS[band]} {labels[band]}", text=[p["name"] for p in items],
                textposition="top center", customdata=[p.get("text", "") for p in items],
                hovertemplate="%{customdata}<extra></extra>",
                marker={"size": 18, "color": BAND_COLOURS[band], "line": {"width": 1,
                        "color": "#333"}},
            )
        )  # fmt: skip
    fig = go.Figure(traces)
    fig.update_layout(
        **_base_layout(dark, height=560),
        xaxis={"title": "", "showgrid": True, "zeroline": False},
        yaxis={"title": "", "showgrid": True, "zeroline": False, "scaleanchor": "x"},
        legend={"orientation": "h", "y": -0.08},
    )
    return fig


DELIVERY_COLOURS = {
    "done": "#1a9850",
    "playing": "#2c7fb8",
    "received": "#74add1",
    "sent": "#74add1",
    "pending": "#e6a000",
    "stopping": "#e6a000",
    "failed": "#d73027",
    "expired": "#8c8c8c",
    "cancelled": "#8c8c8c",
    "none": "#c7c7c7",
}


def delivery_map(clusters: Sequence[dict[str, Any]], labels: dict[str, str]) -> go.Figure:
    """Loudspeaker clusters over the commune boundary, coloured by their delivery state of
    one bulletin (offline clusters drawn open). Each dict: name, lat, lon, state, online;
    `labels` names each state as shown."""
    fig = device_map([], {"online": "", "offline": ""})
    for state, colour in DELIVERY_COLOURS.items():
        items = [c for c in clusters if c["state"] == state and c.get("lat") is not None]
        if not items:
            continue
        fig.add_trace(
            go.Scatter(
                x=[c["lon"] for c in items],
                y=[c["lat"] for c in items],
                mode="markers+text",
                name=labels[state],
                text=[c["name"] for c in items],
                textposition="top center",
                hovertemplate="%{text}<extra>" + labels[state] + "</extra>",
                marker={
                    "symbol": ["diamond" if c.get("online") else "diamond-open" for c in items],
                    "size": 20,
                    "color": colour,
                    "line": {"width": 2, "color": colour},
                },
            )
        )
    fig.update_layout(height=460)
    return fig
