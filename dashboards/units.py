"""The logged-in person's org units (`coc.auth.units.scope_of`) and the one a page shows.

The shown unit is `?ou=` in the page URL, else the one chosen last (a cookie, like the
language), else the person's home unit; `coc.scope.Scope.pick` keeps it inside what the
person may see. A picker lists the choices when there is more than one. Writes pass the
scope to the core, which refuses an org unit outside it."""

from __future__ import annotations

from typing import Any

import flask
from dash import dcc, html

from coc.auth.units import scope_of, visible_tree
from coc.province.hierarchy import Hierarchy
from coc.scope import Scope
from dashboards import access, state
from dashboards.i18n import t
from dashboards.periods import url_picker

OU_COOKIE = "coc_ou"


def scope() -> Scope:
    """The person's scope, once per request."""
    cached = flask.g.get("coc_scope") if flask.has_request_context() else None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    st = state.get()
    user = access.current_user() or {}
    found = scope_of(st.store, st.settings, user.get("username"), user.get("role"))
    if flask.has_request_context():
        flask.g.coc_scope = found
    return found


def tree() -> Hierarchy:
    """The served tree as far as the person may see it (the province pages, the report)."""
    st = state.get()
    user = access.current_user() or {}
    return visible_tree(st.store, st.settings, user.get("username"), user.get("role"))


def wanted(params: dict[str, Any] | None = None) -> str | None:
    if params and params.get("ou"):
        return str(params["ou"])
    if not flask.has_request_context():
        return None
    return flask.request.args.get("ou") or flask.request.cookies.get(OU_COOKIE)


def chosen(params: dict[str, Any] | None = None) -> str:
    """The org unit the page shows (always one the person may see)."""
    return scope().pick(wanted(params))


def name(code: str) -> str:
    return scope().names.get(code) or state.get().settings.commune.name


def picker(page: str, params: dict[str, Any], lang: str, levels: tuple[str, ...] = ()) -> Any:
    """The unit dropdown (province and district mode, more than one choice), or the unit's
    name when there is one; nothing in commune mode. `levels` narrows the choices."""
    sc = scope()
    choices = [p for p in sc.choices if not levels or p.level in levels]
    if not choices:
        return html.Div(id=f"{page}-unit-bar")
    current = sc.pick(wanted(params))
    if current not in {p.code for p in choices}:
        current = choices[0].code
    label = html.Label(t("unit_label", lang), htmlFor=f"{page}-unit-picker")
    if len(choices) == 1:
        body: Any = html.Span(choices[0].name, className="unit-name", id=f"{page}-unit-name")
    else:
        body = dcc.Dropdown(
            [{"label": p.name, "value": p.code} for p in choices],
            current,
            id={"type": "unit-picker", "page": page},
            clearable=False,
            className="unit-picker",
            style={"minWidth": "260px"},
        )
    return html.Div(
        [label, body, dcc.Store(id={"type": "unit-nav", "page": page})],
        className="unit-bar",
        id=f"{page}-unit-bar",
    )


def install(server: flask.Flask, secure: bool) -> None:
    """Remember a chosen `?ou=` for the next pages (as the language is)."""

    @server.after_request
    def _remember_unit(response: flask.Response) -> flask.Response:
        ou = flask.request.args.get("ou")
        if ou and len(ou) <= 16 and flask.request.method == "GET":
            response.set_cookie(
                OU_COOKIE, ou, max_age=30 * 86400, samesite="Lax", httponly=True, secure=secure
            )
        return response


def register(app: Any) -> None:
    """Every unit picker reloads the page with `?ou=`."""
    url_picker(app, "ou", "unit")
