"""The Dash app: one multi-page app on one Flask server that the HTTP API also mounts on.

`create_app` fills `dashboards.state`, so the page modules (imported by Dash from
`dashboards/pages`) read the store, settings and catalog at call time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import dash
import flask
import pandas as pd
from dash import MATCH, Input, Output, State, dcc, html

from coc import exports
from coc.api import limits
from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.keys import secret_key
from coc.store.db import Store
from coc.timeutil import utcnow
from dashboards import state
from dashboards.i18n import t
from dashboards.jobs import Jobs

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
ASSETS = HERE / "assets"

PROVINCE_ROLES = ("province", "district")


def nav_pages() -> list[dict[str, Any]]:
    """The pages that registered a `nav` label (dash.register_page(..., nav=<i18n key>)),
    in their `order`; `clerk_only` and `province_only` say who sees the link."""
    pages = [p for p in dash.page_registry.values() if p.get("nav")]
    return sorted(pages, key=lambda p: (p.get("order") or 0, p["path"]))


def _nav(lang: str) -> html.Header:
    from dashboards import access

    user = access.current_user()
    province = state.get().settings.role in PROVINCE_ROLES
    links = [
        dcc.Link(t(page["nav"], lang), href=page["path"],
                 className="nav-link nav-province" if page.get("province_only") else "nav-link")
        for page in nav_pages()
        if (not page.get("clerk_only") or access.has_role("clerk"))
        and (province or not page.get("province_only"))
    ]  # fmt: skip
    other = "en" if lang == "vi" else "vi"
    account: list[Any]
    if user:
        account = [
            html.Span(
                f"{t('logged_in_as', lang)} {user['name']} ({t('role_' + user['role'], lang)})"
            ),
            html.A(t("logout", lang), href="/logout", className="nav-link", id="nav-logout"),
        ]
    else:
        account = [html.A(t("login", lang), href="/login", className="nav-link", id="nav-login")]
    return html.Header(
        [
            html.Div(
                [
                    html.Span(t("app_title", lang), className="brand-title"),
                    html.Span(state.get().settings.commune.name, className="brand-place"),
                ],
                className="brand",
            ),
            html.Nav(links, className="nav-links"),
            html.Div(
                [
                    html.A(t("other_lang", lang), href=f"?lang={other}", id="nav-lang"),
                    *account,
                ],
                className="nav-account",
            ),
        ],
        id="app-nav",
        className="app-nav",
    )


def _shell() -> html.Div:
    """Evaluated per page load, so the nav follows the language and the login."""
    lang = state.lang()
    return html.Div(
        [
            dcc.Location(id="app-url"),
            _nav(lang),
            html.Main(dash.page_container, className="app-main"),
        ],
        id="app-root",
        lang=lang,
    )


def _register_callbacks(app: dash.Dash) -> None:
    from dashboards import periods, units

    periods.register(app)
    units.register(app)
    app.clientside_callback(
        """function(search) {
            const kiosk = new URLSearchParams(search || "").get("kiosk") === "1";
            document.body.classList.toggle("kiosk", kiosk);
            return kiosk ? {"display": "none"} : {};
        }""",
        Output("app-nav", "style"),
        Input("app-url", "search"),
    )

    @app.callback(
        Output({"type": "export-dl", "table": MATCH}, "data"),
        Input({"type": "export-xlsx", "table": MATCH}, "n_clicks"),
        Input({"type": "export-csv", "table": MATCH}, "n_clicks"),
        State({"type": "coc-table", "table": MATCH}, "virtualRowData"),
        State({"type": "coc-table", "table": MATCH}, "columnDefs"),
        prevent_initial_call=True,
    )
    def _export(_x: Any, _c: Any, rows: list[dict] | None, columns: list[dict]) -> Any:
        trigger = dash.ctx.triggered_id or {}
        return export_payload(
            str(trigger.get("table", "bang")), trigger.get("type", ""), rows or [], columns
        )


def export_payload(name: str, kind: str, rows: list[dict], columns: list[dict]) -> dict:
    """A dcc.Download payload of the rows the grid shows (filtered and sorted), headers as
    shown, links as plain text; `columns` are the grid's column definitions. Written by
    coc.exports, so no cell opens as a formula."""
    frame = export_frame(rows, columns)
    header, body = list(frame.columns), frame.to_numpy(dtype=object).tolist()
    if kind == "export-csv":
        return dcc.send_string(exports.csv_text(header, body), f"{name}.csv")
    return dcc.send_bytes(exports.xlsx_bytes(name, header, body), f"{name}.xlsx")


def export_frame(rows: list[dict], columns: list[dict]) -> pd.DataFrame:
    import re

    link = re.compile(r"\[([^\]]*)\]\([^)]*\)")
    data = [
        {
            c["headerName"]: link.sub(r"\1", v) if isinstance(v := row.get(c["field"]), str) else v
            for c in columns
        }
        for row in rows
    ]
    return pd.DataFrame(data, columns=[c["headerName"] for c in columns])


def create_app(
    store: Store, settings: Settings, catalog: Catalog, clock: Callable[[], datetime] | None = None
) -> dash.Dash:
    """The dashboard on a fresh Flask server; mount the API blueprint on `app.server`.

    `clock` fixes "now" (open dossiers are judged against it) for tests and benchmarks.
    """
    jobs = Jobs(settings.data_path / "jobs")
    app_state = state.AppState(store, settings, catalog, clock or utcnow, jobs)
    state.set_state(app_state)
    server = flask.Flask("coc")
    server.secret_key = secret_key(settings)
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="coc_session",
    )
    from dashboards import access, fieldreports_public

    body_limits = limits.BodyLimits.from_settings(settings)
    limits.install(server, body_limits, clerk=lambda: access.has_role("clerk"),
                   pages={limits.INTAKE_PATH: fieldreports_public.too_large})  # fmt: skip
    access.init_server(server, settings)
    from dashboards import reports, units

    reports.install(server)
    units.install(server, settings.http.secure_cookies)
    fieldreports_public.init_server(server)
    app = dash.Dash(
        "dashboards",
        server=server,
        use_pages=True,
        pages_folder=str(PAGES),
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,
        title=t("app_title", settings.language),
        update_title=None,
    )
    app.layout = _shell
    app.coc_state = app_state  # type: ignore[attr-defined]  (tests re-select an app)
    _register_callbacks(app)
    # Dash executes the page modules per app but keeps their @callback registrations in one
    # global list that the first app to serve a request takes. Bind them to this app now,
    # so a second app in the same process (tests, benchmarks) does not take them away.
    with server.test_request_context("/"):
        app._setup_server()
    return app
