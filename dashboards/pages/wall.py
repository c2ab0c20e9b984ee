"""Màn hình lớn: the chairperson's wall screen, with an optional rotating playlist.

/wall?pages=tong-quan,thu-tuc,cam-bien&interval=30&kiosk=1 shows each page for `interval`
seconds (floor 5), then loads the next; a full reload keeps a kiosk browser's memory flat.
The overview takes as many playlist steps as its tiles need pages (`wall.tile_pages`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import Input, Output, State, dcc, html

from dashboards import periods, state
from dashboards.components import MIN_REFRESH_S, live_callback, live_page, refresh_seconds
from dashboards.views import devices, documents, fieldreports, sensors, tthc, wall

dash.register_page(
    __name__, nav="nav_wall", path="/wall", name="Màn hình lớn", title="Màn hình lớn", order=1
)
P = "wall"

SLUGS = {
    "tong-quan": wall.render_overview,
    "thu-tuc": wall.framed(tthc.render),
    "van-ban": wall.framed(documents.render),
    "cam-bien": wall.framed(sensors.render),
    "thiet-bi": wall.framed(devices.render),
    "phan-anh": wall.framed(fieldreports.render),
}


def playlist(params: dict[str, Any]) -> list[str]:
    """?pages=, else dashboard.wall_pages; unknown names are skipped."""
    raw = str(params.get("pages") or state.get().settings.dashboard.wall_pages)
    return [s for s in (p.strip() for p in raw.split(",")) if s in SLUGS] or ["tong-quan"]


def steps(params: dict[str, Any]) -> list[tuple[str, int]]:
    """The playlist as (page, part) steps: the overview once per page of tiles."""
    out: list[tuple[str, int]] = []
    for slug in playlist(params):
        parts = wall.page_count(params) if slug == "tong-quan" else 1
        out.extend((slug, part) for part in range(parts))
    return out


def next_url(params: dict[str, Any], pages: list[Any], index: int) -> str:
    query = {k: v for k, v in params.items() if k in ("pages", "interval", "kiosk", "lang",
                                                      "refresh", "period", "ou")}  # fmt: skip
    query["i"] = str((index + 1) % len(pages))
    return "/wall?" + urlencode(query, safe=",")


def render(params: dict[str, Any]) -> Any:
    pages = steps(params)
    slug, part = pages[_index(params, len(pages))]
    return SLUGS[slug]({**params, "wall": True, "part": part})


def _index(params: dict[str, Any], n: int) -> int:
    try:
        return int(params.get("i", 0)) % n
    except (TypeError, ValueError):
        return 0


def layout(**kwargs: Any) -> html.Div:
    params = dict(kwargs)
    pages = steps(params)
    index = _index(params, len(pages))
    settings = state.get().settings.dashboard
    seconds = refresh_seconds({"refresh": params.get("interval", settings.wall_interval_s)},
                              settings.wall_interval_s)  # fmt: skip
    rotation: list[Any] = []
    if len(pages) > 1:
        rotation = [
            dcc.Store(id="wall-next", data=next_url(params, pages, index)),
            dcc.Interval(id="wall-rotate", interval=seconds * 1000, max_intervals=1),
        ]
    picker = [] if params.get("kiosk") == "1" else [periods.picker(P, params, state.lang(params))]
    return html.Div(
        [*rotation, *picker, live_page(P, render, params, max(MIN_REFRESH_S, settings.refresh_s))],
        className="wall",
        id="wall-root",
        **{"data-page": pages[index][0], "data-part": str(pages[index][1])},
    )


live_callback(P, render)

dash.clientside_callback(
    """function(n, url) {
        if (n && url) { window.location.assign(url); }
        return window.dash_clientside.no_update;
    }""",
    Output("wall-next", "data"),
    Input("wall-rotate", "n_intervals"),
    State("wall-next", "data"),
    prevent_initial_call=True,
)
