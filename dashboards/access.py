"""Login, sessions and write protection on the Flask server the dashboard runs on.

Sessions are signed cookies that expire after settings.http.session_hours and end when the
user's password_version changes (passwd, disable). The login form carries a CSRF token;
Dash callbacks that write check the clerk role and that the request is same-origin.
"""

from __future__ import annotations

import secrets
import time
from html import escape
from typing import Any
from urllib.parse import urlparse

import flask

from coc.auth import authenticate, get_user, role_at_least
from coc.config import Settings
from dashboards import state
from dashboards.i18n import t

OPEN_PREFIXES = ("/login", "/logout", "/assets/", "/_dash-component-suites/", "/api/", "/_favicon")


def current_user() -> dict[str, Any] | None:
    """The logged-in user as {username, name, role}, or None (expired or revoked too)."""
    if not flask.has_request_context():
        return None
    data = flask.session.get("user")
    if not data or data.get("exp", 0) < time.time():
        return None
    cached = flask.g.get("coc_user", False)
    if cached is not False:
        return cached
    user = get_user(state.get().store, data["username"])
    ok = user is not None and user.active and user.password_version == data.get("v")
    result = {"username": user.username, "name": user.name, "role": user.role} if ok else None
    flask.g.coc_user = result
    return result


def has_role(wanted: str) -> bool:
    user = current_user()
    return bool(user) and role_at_least(user["role"], wanted)  # type: ignore[index]


def same_origin() -> bool:
    """Origin (or else Referer) must name this host; browsers always send one on POST.

    Only host:port is compared, so a TLS-terminating proxy (https outside, http inside)
    that keeps the Host header still passes.
    """
    req = flask.request
    source = req.headers.get("Origin") or req.headers.get("Referer")
    if not source:
        return False
    return urlparse(source).netloc.lower() == req.host.lower()


def write_denied(lang: str) -> str | None:
    """None when this request may write data; otherwise the Vietnamese (or English) reason."""
    if not has_role("clerk"):
        return t("need_clerk", lang)
    if not same_origin():
        return t("bad_origin", lang)
    return None


def actor() -> str:
    user = current_user()
    return user["username"] if user else "anonymous"


def _csrf_token() -> str:
    token = flask.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        flask.session["csrf"] = token
    return token


def _login_page(lang: str, error: str = "", next_url: str = "/") -> str:
    message = f'<p class="login-error" id="login-error">{escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{t("login", lang)}</title>
<link rel="stylesheet" href="/assets/style.css"></head>
<body class="login-body"><form method="post" action="/login" class="login-form">
<h1>{t("app_title", lang)}</h1><h2>{t("login", lang)}</h2>{message}
<input type="hidden" name="csrf_token" value="{_csrf_token()}">
<input type="hidden" name="next" value="{escape(next_url)}">
<label>{t("username", lang)}<input name="username" id="username" autocomplete="username"
 required></label>
<label>{t("password", lang)}<input name="password" id="password" type="password"
 autocomplete="current-password" required></label>
<button type="submit" id="login-submit">{t("login", lang)}</button></form></body></html>"""


def _safe_next(value: str | None) -> str:
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def init_server(server: flask.Flask, settings: Settings) -> None:
    """Login/logout routes, session lifetime, language cookie and the public-read gate."""
    from datetime import timedelta

    server.permanent_session_lifetime = timedelta(hours=settings.http.session_hours)

    @server.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        lang = state.lang()
        if flask.request.method == "GET":
            return _login_page(lang, next_url=_safe_next(flask.request.args.get("next")))
        form = flask.request.form
        next_url = _safe_next(form.get("next"))
        token = flask.session.get("csrf")
        if not token or not secrets.compare_digest(token, form.get("csrf_token", "")):
            return _login_page(lang, t("csrf_failed", lang), next_url), 400
        user = authenticate(state.get().store, form.get("username", ""), form.get("password", ""))
        if user is None:
            return _login_page(lang, t("login_failed", lang), next_url), 401
        flask.session.clear()
        flask.session.permanent = True
        flask.session["user"] = {
            "username": user.username,
            "v": user.password_version,
            "exp": time.time() + settings.http.session_hours * 3600,
        }
        return flask.redirect(next_url)

    @server.route("/logout")
    def logout() -> Any:
        flask.session.clear()
        return flask.redirect("/")

    @server.before_request
    def _gate() -> Any:
        req = flask.request
        if req.method == "POST" and req.path.endswith("/_dash-update-component"):
            origin = req.headers.get("Origin")
            if origin and not same_origin():
                return flask.abort(403)
        if settings.http.public_read or req.path.startswith(OPEN_PREFIXES):
            return None
        if current_user() is None:
            if req.path.startswith("/_dash"):
                return flask.abort(401)
            return flask.redirect(f"/login?next={req.full_path.rstrip('?')}")
        return None

    @server.after_request
    def _remember_lang(response: flask.Response) -> flask.Response:
        chosen = flask.request.args.get("lang")
        if chosen in state.LANGS:
            response.set_cookie(
                state.LANG_COOKIE, chosen, max_age=365 * 86400, samesite="Lax", httponly=True
            )
        return response
