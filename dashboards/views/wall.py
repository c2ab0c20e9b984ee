"""The chairperson's wall screen: dark, large, no interaction; tiles, ticker, device counts.

Sized for 1920×1080 read from 3 m: a fixed header (place, time, device counts, freshness),
one alert at a time in the ticker, and a grid of WALL_COLUMNS × WALL_ROWS cells. Tiles that
do not fit go to further pages of the wall's playlist (`tile_pages`), so nothing scrolls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from dash import html

from coc import fmt
from coc.store.runs import stale_sources
from dashboards import access, data, state, units
from dashboards.components import tile
from dashboards.i18n import PILLAR_ORDER, t
from dashboards.labels import source_name
from dashboards.views import bulletins
from dashboards.views.overview import act_first, period_title

ICONS = {"critical": "⛔", "warning": "⚠", "info": "ℹ"}
WALL_COLUMNS = 5  # ~360 px a tile: a long name takes 3 lines of 24 px, with room to spare
WALL_ROWS = 3
PAGE_CELLS = WALL_COLUMNS * WALL_ROWS

T = TypeVar("T")


@dataclass(frozen=True)
class Label:
    """A cell that opens a group on a page (`continued` when the group began on a page before)."""

    group: str
    continued: bool = False


def paginate(groups: Sequence[tuple[str, Sequence[T]]], per_page: int) -> list[list[Label | T]]:
    """Pages of at most `per_page` grid cells: each group is a label cell then its items, in
    the order given; a group that runs over a page repeats its label on the next one, and a
    label never ends a page. Pure: the caller builds the items (tiles) and their order."""
    if per_page < 2:
        raise ValueError("a page needs room for a label and one item")
    pages: list[list[Label | T]] = []
    page: list[Label | T] = []
    for group, items in groups:
        rest = list(items)
        continued = False
        while rest:
            if per_page - len(page) < 2:
                pages.append(page)
                page = []
            room = per_page - len(page) - 1
            page.append(Label(group, continued))
            page.extend(rest[:room])
            rest = rest[room:]
            continued = True
    if page or not pages:
        pages.append(page)
    return pages


ACT_FIRST = "act_first"  # the group of missed and at-risk tiles, before the pillars


def _groups(period: str, lang: str, org_unit: str | None) -> list[tuple[str, list[Any]]]:
    """Missed and at-risk tiles first under their own label (what the chairperson must act
    on), then the others by pillar, the most urgent first in each."""
    urgent, rest = act_first(data.rows_for(period, lang, org_unit))
    groups: list[tuple[str, list[Any]]] = [(ACT_FIRST, urgent)] if urgent else []
    for pillar in PILLAR_ORDER:
        items = [r for r in rest if r.pillar == pillar]
        if items:
            groups.append((pillar, items))
    return groups


def tile_pages(period: str, lang: str, org_unit: str | None = None) -> list[list[Any]]:
    """The overview's indicator rows split into wall pages (labels and rows, not yet built)."""
    return paginate(_groups(period, lang, org_unit), PAGE_CELLS)


def page_count(params: dict[str, Any]) -> int:
    return len(tile_pages(data.period_param(params), state.lang(params), units.chosen(params)))


def ticker(lang: str, stale: Sequence[str] = ()) -> html.Div:
    """Every open alert, one at a time (assets/wall.js moves to the next every few seconds);
    stale-source warnings ride along as items, so they never take room from the tiles."""
    alerts = data.open_alerts(lang)
    items = [
        f"{ICONS.get(a.level, '⚠')} {a.text}"
        + (f" ({fmt.moment(a.since, lang)})" if a.since else "")
        for a in alerts
    ]
    items += [f"⚠ {text}" for text in stale]
    if not items:
        return html.Div(
            html.Span(f"✔ {t('wall_no_alerts', lang)}", className="ticker-item active"),
            className="ticker calm",
            id="wall-ticker",
        )
    n = len(items)
    return html.Div(
        [
            html.Div(
                [
                    html.Span(
                        f"{t('wall_alerts', lang)} {i + 1}/{n}"
                        if n > 1
                        else t("wall_alerts", lang),
                        className="ticker-count",
                    ),
                    html.Span(text, className="ticker-text"),
                ],
                className="ticker-item active" if i == 0 else "ticker-item",
                id=f"wall-ticker-{i}",
            )
            for i, text in enumerate(items)
        ],
        className="ticker",
        id="wall-ticker",
        **{"data-count": str(n)},
    )


def device_count(kind: str, key: str, lang: str) -> html.Div:
    """Online/total; coloured red when not every device of the kind is online."""
    online, total = data.device_counts().get(kind, (0, 0))
    band = "ok" if online == total else "bad"
    return html.Div(
        [html.Span(t(key, lang) + ": "), html.B(f"{online}/{total}")],
        className=f"wall-count wall-count-{band}",
        id=f"wall-count-{kind}",
    )


def stale_texts(lang: str) -> list[str]:
    st = state.get()
    out = []
    for item in stale_sources(st.store, st.settings, st.now()):
        name = source_name(item.source, st.settings, lang)
        out.append(
            t("stale", lang, source=name, when=fmt.moment(item.last_ok, lang))
            if item.last_ok
            else t("stale_never", lang, source=name)
        )
    return out


def header(params: dict[str, Any], subtitle: str | None = None) -> list[html.Div]:
    """The wall's fixed-height header row and ticker, the same on every wall page."""
    lang = state.lang(params)
    st = state.get()
    stale = stale_texts(lang)
    now = fmt.moment(st.now(), lang)
    unit = units.chosen(params)
    fresh: list[Any] = [
        html.Div(
            f"{t('updated', lang)}: {fmt.moment(data.last_updated(unit), lang)}",
            className="last-updated",
            id="last-updated",
        )
    ]
    if stale:
        fresh.append(
            html.Div(
                f"⚠ {t('wall_stale_sources', lang, n=len(stale))}",
                className="stale-warning",
                id="wall-stale",
                title=" · ".join(stale),
            )
        )
    return [
        html.Div(
            [
                html.Div(
                    [
                        html.H1(units.name(unit), className="page-title"),
                        html.Div(" · ".join(x for x in (subtitle, now) if x), className="wall-sub"),
                    ],
                    className="wall-title",
                ),
                device_count("camera", "cameras_online", lang),
                device_count("speaker", "speakers_online", lang),
                bulletins.wall_strip(lang, access.has_role("approver")),
                html.Div(fresh, className="freshness"),
            ],
            className="wall-bar",
        ),
        ticker(lang, stale),
    ]


def wall_tiles(period: str, lang: str, part: int = 0, org_unit: str | None = None) -> html.Div:
    """One page of the overview grid: pillar label cells and the tiles that follow them."""
    pages = tile_pages(period, lang, org_unit)
    page = pages[part % len(pages)]
    cells = [_label(c, lang) if isinstance(c, Label) else _tile(c, lang) for c in page]
    tiles = sum(1 for c in page if not isinstance(c, Label))
    grid = {
        "gridTemplateColumns": f"repeat({WALL_COLUMNS}, minmax(0, 1fr))",
        "gridTemplateRows": f"repeat({WALL_ROWS}, minmax(0, 1fr))",
    }
    return html.Div(
        cells, className="wall-tiles", id="wall-tiles", style=grid, **{"data-tiles": str(tiles)}
    )


def _label(cell: Label, lang: str) -> html.Div:
    name = (
        t("calendar_act_first", lang)
        if cell.group == ACT_FIRST
        else state.get().catalog.pillar_name(cell.group, lang)
    )
    if cell.continued:
        name = f"{name} ({t('wall_continued', lang)})"
    return html.Div(name, className="pillar-cell")


def _tile(row: Any, lang: str) -> html.Div:
    return tile(row, lang, state.get().catalog.get(row.code).decimals)


def part_of(params: dict[str, Any]) -> int:
    try:
        return max(0, int(params.get("part", 0)))
    except (TypeError, ValueError):
        return 0


def render_overview(params: dict[str, Any]) -> Any:
    """Header and ticker, then one page of tiles (`params["part"]`, from the playlist)."""
    lang = state.lang(params)
    period = data.period_param(params)
    part, parts = part_of(params), page_count(params)
    subtitle = f"{t('overview_heading', lang)} – {period_title(period, lang)}"
    if parts > 1:
        subtitle += f" · {t('wall_page', lang, n=part % parts + 1, of=parts)}"
    return [*header(params, subtitle), wall_tiles(period, lang, part, units.chosen(params))]


def framed(render: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    """A desk page's wall version: the wall header above the page's own content."""

    def wall_render(params: dict[str, Any]) -> Any:
        return [*header(params), html.Div(render(params), className="wall-content")]

    return wall_render
