"""Building blocks shared by the pages: tiles, status badges, tables with export, live pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dash_ag_grid as dag
from dash import dcc, html

from coc import fmt
from coc.indicators.query import IndicatorRow
from coc.store.status import IngesterLiveness
from dashboards import periods
from dashboards.figures import BAND_ICONS, band_key, sparkline_svg
from dashboards.i18n import t

MIN_REFRESH_S = 5


def status_word(band: str | None, lang: str) -> str:
    return t(f"status_{band_key(band)}", lang)


def verdict_word(status: str, lang: str) -> str:
    """The word of a `coc.indicators.status` verdict ("Đạt" only when met)."""
    return t(f"calendar_status_{status}", lang)


def status_badge(band: str | None, lang: str, word: str | None = None) -> html.Span:
    """Icon + word + colour: readable by colour-blind viewers and on washed-out projectors."""
    return html.Span(
        [
            html.Span(BAND_ICONS.get(band, BAND_ICONS[None]), className="status-icon"),
            html.Span(word or status_word(band, lang), className="status-word"),
        ],
        className=f"status status-{band_key(band)}",
    )


def row_badge(row: IndicatorRow, lang: str) -> html.Span:
    """The status of an indicator row: its verdict's word in its band's colour and icon."""
    return status_badge(row.band, lang, verdict_word(row.status, lang))


def value_text(value: float | None, unit: str, lang: str, decimals: int = 1) -> str:
    if value is None:
        return "—"
    text = fmt.number(value, decimals, lang)
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}" if unit else text


def completion_text(row: IndicatorRow, lang: str) -> str:
    """The real completion figure; above 100 % it says so ("112,0% – vượt")."""
    text = fmt.percent(row.completion, lang)
    return f"{text} – {t('calendar_exceeded', lang)}" if row.exceeded else text


def _actual(row: IndicatorRow, lang: str, decimals: int) -> Any:
    """The big number; a unit other than % is set small so the number keeps its room."""
    if row.actual is None or row.unit in ("", "%"):
        return value_text(row.actual, row.unit, lang, decimals)
    return [
        fmt.number(row.actual, decimals, lang),
        html.Span(f" {row.unit}", className="tile-unit"),
    ]


def tile(row: IndicatorRow, lang: str, decimals: int = 1, href: str | None = None) -> html.Div:
    """One indicator: name, status, the value with its period (when not the page's), late
    and validation notes, target, completion % (year to date for sums) and a sparkline."""
    notes: list[Any] = []
    if label := periods.shown_label(row, lang):
        notes.append(html.Div(label, className="tile-period"))
    if late := periods.late_label(row, lang):
        notes.append(html.Div(f"⏱ {late}", className="tile-late"))
    if (row.show_ytd or row.cumulative) and row.ytd is not None:
        notes.append(
            html.Div(
                [html.Span(f"{t('calendar_ytd', lang)}: "),
                 html.B(value_text(row.ytd, row.unit, lang, decimals))],
                className="tile-ytd",
            )
        )  # fmt: skip
    for message in row.flags:
        notes.append(html.Div(f"⚠ {t('calendar_check', lang)}: {message}", className="tile-flag"))
    body = [
        html.Div(row.name, className="tile-name", title=row.code),
        row_badge(row, lang),
        html.Div(_actual(row, lang, decimals), className="tile-actual"),
        *notes,
        html.Div(
            [
                html.Div(
                    [
                        html.Span(f"{t('target', lang)}: "),
                        html.B(value_text(row.target, row.unit, lang, decimals)),
                    ],
                    className="meta-target",
                ),
                html.Div(
                    [
                        html.Span(f"{t('completion', lang)}: "),
                        html.B(completion_text(row, lang), className="tile-completion"),
                    ],
                    className="meta-completion",
                ),
            ],
            className="tile-meta",
        ),
        html.Img(
            src=sparkline_svg(row.trend, row.band),
            className="tile-spark",
            alt="",
        ),
    ]
    if href:
        body = [dcc.Link(body, href=href, className="tile-link")]
    classes = f"tile band-{band_key(row.band)} status-is-{row.status}"
    if row.held:
        classes += " tile-held"
    return html.Div(body, className=classes, id=f"tile-{row.code}")


GRID_LOCALE_VI = {
    "page": "Trang", "of": "/", "to": "–", "more": "nhiều", "firstPage": "Trang đầu",
    "lastPage": "Trang cuối", "nextPage": "Trang sau", "previousPage": "Trang trước",
    "pageSizeSelectorLabel": "Số dòng:", "noRowsToShow": "Không có dữ liệu",
    "loadingOoo": "Đang tải…", "filterOoo": "Lọc…", "searchOoo": "Tìm…",
    "contains": "Chứa", "notContains": "Không chứa", "equals": "Bằng", "notEqual": "Khác",
    "startsWith": "Bắt đầu bằng", "endsWith": "Kết thúc bằng", "blank": "Trống",
    "notBlank": "Không trống", "lessThan": "Nhỏ hơn", "greaterThan": "Lớn hơn",
    "lessThanOrEqual": "Không lớn hơn", "greaterThanOrEqual": "Không nhỏ hơn",
    "inRange": "Trong khoảng", "inRangeStart": "Từ", "inRangeEnd": "Đến",
    "andCondition": "VÀ", "orCondition": "HOẶC", "applyFilter": "Áp dụng",
    "resetFilter": "Đặt lại", "clearFilter": "Xoá", "cancelFilter": "Huỷ",
    "selectAll": "Chọn tất cả", "selectAllSearchResults": "Chọn mọi kết quả",
}  # fmt: skip


def grid_columns(
    columns: Sequence[tuple[str, str]],
    lang: str,
    markdown: Sequence[str] = (),
    numeric: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """AG Grid column definitions: headers as shown, numbers kept numeric (true sorting,
    numbers in the export) and shown 1.234,5 in Vietnamese, links rendered from markdown."""
    defs = []
    for cid, name in columns:
        col: dict[str, Any] = {"field": cid, "headerName": name}
        if cid in numeric:
            col |= {
                "type": "numericColumn",
                "filter": "agNumberColumnFilter",
                "valueFormatter": {"function": f"cocNumber(params.value, '{lang}', 1)"},
            }
        if cid in markdown:
            col |= {"cellRenderer": "markdown", "minWidth": 260}
        defs.append(col)
    return defs


def data_table(
    table_id: str,
    columns: Sequence[tuple[str, str]],
    rows: list[dict[str, Any]],
    lang: str,
    page_size: int = 25,
    markdown: Sequence[str] = (),
    row_selectable: bool = False,
    row_class_rules: dict[str, str] | None = None,
    cell_styles: dict[str, list[dict[str, Any]]] | None = None,
    numeric: Sequence[str] = (),
) -> html.Div:
    """A sortable, filterable grid (dash-ag-grid) with Excel and CSV export of what is shown
    (server-side: the export callback receives the grid's filtered, sorted rows).

    `cell_styles` maps a column to AG Grid style conditions (e.g. a band's colour).
    """
    defs = grid_columns(columns, lang, markdown, numeric)
    for col in defs:
        if cell_styles and col["field"] in cell_styles:
            col["cellStyle"] = {"styleConditions": cell_styles[col["field"]]}
    options: dict[str, Any] = {
        "pagination": True,
        "paginationPageSize": page_size,
        "paginationPageSizeSelector": False,
        "domLayout": "autoHeight",
        "enableCellTextSelection": True,
        "suppressDragLeaveHidesColumns": True,
    }
    if lang == "vi":
        options["localeText"] = GRID_LOCALE_VI
    if row_selectable:
        options["rowSelection"] = {"mode": "multiRow"}
    if row_class_rules:
        options["rowClassRules"] = row_class_rules
    if not rows:
        return html.Div([html.P(t("no_data", lang), className="no-data")], className="coc-table")
    return html.Div(
        [
            html.Div(
                [
                    html.Button(
                        t("export_xlsx", lang),
                        id={"type": "export-xlsx", "table": table_id},
                        className="btn btn-export",
                    ),
                    html.Button(
                        t("export_csv", lang),
                        id={"type": "export-csv", "table": table_id},
                        className="btn btn-export",
                    ),
                    dcc.Download(id={"type": "export-dl", "table": table_id}),
                ],
                className="table-tools",
            ),
            dag.AgGrid(
                id={"type": "coc-table", "table": table_id},
                columnDefs=defs,
                rowData=rows,
                defaultColDef={
                    "sortable": True,
                    "filter": True,
                    "floatingFilter": True,
                    "resizable": True,
                    "wrapText": True,
                    "autoHeight": True,
                    "minWidth": 90,
                },
                columnSize="responsiveSizeToFit",
                dashGridOptions=options,
                className="coc-grid",
                style={"width": "100%"},
            ),
        ],
        className="coc-table",
    )


def live_page(
    prefix: str,
    render: Callable[[dict[str, Any]], Any],
    params: dict[str, Any],
    default_refresh_s: int,
) -> html.Div:
    """A page body rendered now and re-rendered by one dcc.Interval (floor MIN_REFRESH_S)."""
    return html.Div(
        [
            dcc.Store(id=f"{prefix}-params", data=params),
            dcc.Interval(
                id=f"{prefix}-tick",
                interval=refresh_seconds(params, default_refresh_s) * 1000,
            ),
            html.Div(render(params), id=f"{prefix}-body"),
        ]
    )


def refresh_seconds(params: dict[str, Any], default: int) -> int:
    """`?refresh=` in seconds, never below the floor of MIN_REFRESH_S."""
    try:
        seconds = int(float(params.get("refresh", default)))
    except (TypeError, ValueError):
        seconds = default
    return max(MIN_REFRESH_S, seconds)


def no_data(lang: str, detail: str | None = None) -> html.Div:
    return html.Div(
        [html.P(t("no_data", lang), className="no-data"), html.Small(detail or "")],
        className="no-data-box",
    )


def live_callback(prefix: str, render: Callable[[dict[str, Any]], Any]) -> None:
    """The one refresh callback of a live page: re-render the body on each Interval tick."""
    from dash import Input, Output, State, callback

    @callback(
        Output(f"{prefix}-body", "children"),
        Input(f"{prefix}-tick", "n_intervals"),
        State(f"{prefix}-params", "data"),
        prevent_initial_call=True,
    )
    def _refresh(_n: int, params: dict[str, Any] | None) -> Any:
        return render(params or {})


def wall_table(
    columns: Sequence[tuple[str, str]],
    rows: list[dict[str, Any]],
    lang: str,
    limit: int,
    id_: str | None = None,
    wide: str | None = None,
) -> html.Div:
    """A plain table for the wall: the first `limit` rows in large type, one line each, and
    how many more there are (a wall page never scrolls; the desk page has the full grid).
    The `wide` column (a summary, a message) gets half the width."""
    if not rows:
        return html.Div(html.P(t("no_data", lang), className="no-data"), className="wall-table-box")
    head = html.Thead(
        html.Tr([html.Th(name, className="wide" if cid == wide else None) for cid, name in columns])
    )
    body = html.Tbody(
        [
            html.Tr([html.Td(_cell(r.get(cid)), title=_cell(r.get(cid))) for cid, _ in columns])
            for r in rows[:limit]
        ]
    )
    more = len(rows) - limit
    return html.Div(
        [
            html.Table([head, body], className="wall-table"),
            html.Div(t("wall_more", lang, n=fmt.number(more, 0, lang)), className="wall-more")
            if more > 0
            else None,
        ],
        className="wall-table-box",
        **({"id": id_} if id_ else {}),
    )


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def kpi(label: str, value: str, id_: str | None = None) -> html.Div:
    return html.Div(
        [html.Div(value, className="kpi-value"), html.Div(label, className="kpi-label")],
        className="kpi",
        **({"id": id_} if id_ else {}),
    )


def card(title: str, *children: Any, id_: str | None = None) -> html.Div:
    return html.Div([html.H3(title), *children], className="card", **({"id": id_} if id_ else {}))


def graph(figure: Any, id_: str) -> dcc.Graph:
    return dcc.Graph(figure=figure, id=id_, config={"displaylogo": False, "responsive": True})


INGEST_BANDS = {"ok": "green", "degraded": "amber", "down": "red", "stopped": "red"}


def ingester_status(live: IngesterLiveness, lang: str, id_: str) -> html.Div:
    """The MQTT ingester's liveness in words: state, what is wrong, last message, restarts."""
    band = INGEST_BANDS.get(live.state, "none")
    parts: list[Any] = [
        html.Strong(f"{t('ingester', lang)}: "),
        html.Span(t(f"ingest_{live.state}", lang), className=f"status status-{band}"),
    ]
    if live.detail and live.state != "ok":
        parts.append(html.Span(f" {live.detail}"))
    meta = []
    if live.state not in ("not_configured", "unknown"):
        meta.append(f"{t('ingest_last_received', lang)}: {fmt.moment(live.last_received_at, lang)}")
        meta.append(f"{t('ingest_last_stored', lang)}: {fmt.moment(live.last_stored_at, lang)}")
        if live.restarts:
            meta.append(t("ingest_restarts", lang).format(n=fmt.number(live.restarts, 0, lang)))
    return html.Div(
        [html.Div(parts), html.Div(" · ".join(meta), className="tile-meta")],
        className="card ingester-status",
        id=id_,
    )
