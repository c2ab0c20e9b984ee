"""Login, sessions and write protection on the Flask server the dashboard runs on.

A login creates a server-side session (coc.auth.sessions); the signed cookie carries only
its token, expires after settings.http.session_hours, and stops working when the session
is revoked (logout, passwd, disable). Failed logins are throttled per account and per
client address (coc.auth.throttle: 429 with Retry-After). The login form carries a CSRF
token; `next` must be a same-site path (coc.auth.redirects). Dash callbacks that write
check the clerk role and that the request is same-origin.
"""

from __future__ import annotations

import secrets
import time
from html import escape
from typing import Any
from urllib.parse import quote, urlparse

import flask

from coc.auth import authenticate, role_at_least, sessions, throttle
from coc.auth.redirects import safe_next
from coc.config import Settings
from dashboards import state
from dashboards.i18n import t

OPEN_PREFIXES = (
    "/login", "/logout", "/assets/", "/_dash-component-suites/", "/api/", "/_favicon",
    "/phan-anh",  # citizens' field reports: the public form and look-up by code
)  # fmt: skip


def current_user() -> dict[str, Any] | None:
    """The logged-in user as {username, name, role}, or None (expired or revoked too)."""
    if not flask.has_request_context():
        return None
    data = flask.session.get("user")
    if not isinstance(data, dict) or data.get("exp", 0) < time.time():
        return None
    cached = flask.g.get("coc_user", False)
    if cached is not False:
        return cached
    app = state.get()
    user = sessions.user_for(app.store, data.get("sid"), now=app.now())
    ok = user is not None and user.password_version == data.get("v")
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


def _throttled(lang: str, wait: float, next_url: str, failed: bool = False) -> Any:
    """429 with Retry-After: the login page says how long to wait."""
    seconds = throttle.retry_after(wait)
    shown = (
        t("wait_seconds", lang, n=seconds)
        if seconds < 120
        else t("wait_minutes", lang, n=-(-seconds // 60))
    )
    message = t("login_throttled", lang, wait=shown)
    if failed:
        message = f"{t('login_failed', lang)} {message}"
    response = flask.make_response(_login_page(lang, message, next_url), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def init_server(server: flask.Flask, settings: Settings) -> None:
    """Login/logout routes, session lifetime and cookies, the client address behind a
    proxy, the language cookie and the public-read gate."""
    from datetime import timedelta

    from werkzeug.middleware.proxy_fix import ProxyFix

    server.permanent_session_lifetime = timedelta(hours=settings.http.session_hours)
    server.config["SESSION_COOKIE_SECURE"] = settings.http.secure_cookies
    if settings.http.proxy_hops:
        hops = settings.http.proxy_hops
        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=hops, x_proto=hops
        )
    policy = throttle.Policy.from_settings(settings)

    @server.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        lang = state.lang()
        if flask.request.method == "GET":
            return _login_page(lang, next_url=safe_next(flask.request.args.get("next")))
        form = flask.request.form
        next_url = safe_next(form.get("next"))
        token = flask.session.get("csrf")
        if not token or not secrets.compare_digest(token, form.get("csrf_token", "")):
            return _login_page(lang, t("csrf_failed", lang), next_url), 400
        app = state.get()
        name, address = form.get("username", ""), flask.request.remote_addr
        wait = throttle.wait_s(app.store, name, address, now=app.now())
        if wait > 0:
            return _throttled(lang, wait, next_url)
        user = authenticate(app.store, name, form.get("password", ""))
        if user is None:
            wait = throttle.record_failure(app.store, name, address, now=app.now(), policy=policy)
            if wait > 0:
                return _throttled(lang, wait, next_url, failed=True)
            return _login_page(lang, t("login_failed", lang), next_url), 401
        throttle.record_success(app.store, user.username)
        sid = sessions.create(
            app.store,
            user.username,
            now=app.now(),
            hours=settings.http.session_hours,
            address=address,
        )
        flask.session.clear()
        flask.session.permanent = True
        flask.session["user"] = {
            "sid": sid,
            "v": user.password_version,
            "exp": time.time() + settings.http.session_hours * 3600,
        }
        return flask.redirect(next_url)

    @server.route("/logout")
    def logout() -> Any:
        data = flask.session.get("user")
        if isinstance(data, dict):
            app = state.get()
            sessions.revoke(app.store, data.get("sid"), now=app.now())
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
            wanted = quote(req.full_path.rstrip("?"), safe="/")
            return flask.redirect(f"/login?next={wanted}")
        return None

    @server.after_request
    def _remember_lang(response: flask.Response) -> flask.Response:
        chosen = flask.request.args.get("lang")
        if chosen in state.LANGS:
            response.set_cookie(
                state.LANG_COOKIE,
                chosen,
                max_age=365 * 86400,
                samesite="Lax",
                httponly=True,
                secure=settings.http.secure_cookies,
            )
        return response
