"""The public field-report pages (no login), plain HTML so they work on any phone:

- `/phan-anh` the form: category, description, photos, a place on the offline commune
  map or the phone's GPS, hamlet, optional name and phone, a honeypot field;
- `/phan-anh/gui` where it posts (CSRF token, same origin), then `/phan-anh/ma/<code>`;
- `/phan-anh/tra-cuu` and `/phan-anh/ma/<code>`: state and published answer by code;
- `/phan-anh/anh/<code>/<id>.jpg` a published photo; `/phan-anh/anh-xu-ly/<id>.jpg` any
  photo, for clerks.

Nothing here shows or logs the reporter's name or phone.
"""

from __future__ import annotations

import json
import math
import secrets
from pathlib import Path
from typing import Any

import flask
import jinja2

from coc import fmt
from coc.fieldreports import abuse, queries, service
from coc.fieldreports.channels import Intake
from coc.ingest.records import Rejected
from dashboards import state
from dashboards.figures import _rings, boundary
from dashboards.i18n import t

STATIC = Path(__file__).resolve().parent / "fieldreports_static"
FORM_FIELDS = ("category", "description", "hamlet", "lat", "lon", "location_source", "name",
               "phone", "website")  # fmt: skip
STEPS = ("moi", "da_tiep_nhan", "dang_xu_ly", "da_xu_ly", "da_phan_hoi")
MAP_W = 360


def intake() -> Intake:
    """The app's intake (categories, limits, key), made once per app and kept on it."""
    app = state.get()
    held = getattr(app, "fieldreports_intake", None)
    if held is None or held.store is not app.store:
        held = Intake.from_settings(app.store, app.settings)
        app.fieldreports_intake = held  # type: ignore[attr-defined]
    return held


TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(STATIC),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def _page(lang: str, template: str, title: str, status: int = 200, **context: Any) -> Any:
    html = TEMPLATES.get_template(template).render(
        t=t, lang=lang, title=title, commune=state.get().settings.commune.name,
        error=context.pop("error", ""), typed=context.pop("typed", ""), **context,
    )  # fmt: skip
    response = flask.make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "same-origin"  # no-referrer would make Origin "null"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return response


def _csrf() -> str:
    token = flask.session.get("fr_csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        flask.session["fr_csrf"] = token
    return token


def map_box() -> tuple[float, float, float, float, int, int]:
    """The commune boundary's bounding box (with a margin) and the SVG size it maps to."""
    points = [p for ring in _rings(boundary()) for p in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    pad_x, pad_y = (east - west) * 0.08, (north - south) * 0.08
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    ratio = (north - south) / ((east - west) * math.cos(math.radians((north + south) / 2)))
    return west, south, east, north, MAP_W, round(MAP_W * ratio)


def map_rings(box: tuple[float, float, float, float, int, int]) -> list[str]:
    """The boundary's rings as SVG polygon points in the box's pixel space."""
    west, south, east, north, width, height = box

    def xy(p: list[float]) -> str:
        x = (p[0] - west) / (east - west) * width
        y = (north - p[1]) / (north - south) * height
        return f"{x:.1f},{y:.1f}"

    return [" ".join(xy(p) for p in ring) for ring in _rings(boundary())]


def _mb(size: float, lang: str) -> str:
    return fmt.number(size / 2**20, 1, lang)


def form_page(lang: str, error: str = "", values: dict[str, str] | None = None,
              status: int = 200) -> Any:  # fmt: skip
    it = intake()
    box = map_box()
    n, mb = it.limits.max_photos, _mb(it.limits.max_photo_bytes, lang)
    return _page(
        lang, "form.html", t("fr_title", lang), status, error=error,
        v={k: (values or {}).get(k, "") for k in FORM_FIELDS}, csrf=_csrf(),
        categories=[(c.key, c.name(lang)) for c in it.categories.items],
        hamlets=list(it.categories.hamlets), max_description=it.limits.max_description,
        photos_label=t("fr_photos", lang, n=n, mb=mb), max_photos=n,
        max_photo_bytes=it.limits.max_photo_bytes,
        too_many=t("fr_photos_too_many", lang, n=n, k="{k}"),
        too_big=t("fr_photo_too_big", lang, mb=mb, name="{name}", size="{size}"),
        box=box, box_json=json.dumps([round(b, 6) for b in box]), rings=map_rings(box),
    )  # fmt: skip


def too_large(limit: int) -> Any:
    """The form's answer when its body passes the total cap (coc.api.limits): the form
    again, empty (the body is never read), saying in Vietnamese what the photo limits are."""
    lang = state.lang()
    it = intake()
    error = t("fr_photos_too_large", lang, n=it.limits.max_photos,
              mb=_mb(it.limits.max_photo_bytes, lang), total=_mb(limit, lang))  # fmt: skip
    return form_page(lang, error, None, 413)


def status_page(lang: str, s: queries.PublicStatus, fresh: bool) -> Any:
    cats = intake().categories
    steps = []
    if s.state in STEPS:
        reached = STEPS.index(s.state)
        steps = [(t("fr_state_" + st, lang), i <= reached) for i, st in enumerate(STEPS)]
    facts = [
        (t("fr_status", lang), t("fr_state_" + s.state, lang)),
        (t("fr_category", lang), cats.name(s.category, lang)),
        (t("fr_hamlet", lang), s.hamlet or "—"),
        (t("fr_received", lang), fmt.day(s.received_at, lang)),
        (t("fr_deadline", lang), fmt.day(s.deadline, lang)),
    ]
    return _page(lang, "status.html", t("fr_lookup", lang), s=s, fresh=fresh, steps=steps,
                 facts=facts, shown_code=service.shown_code(s.code))  # fmt: skip


def _message(lang: str, error: str, status: int, typed: str = "") -> Any:
    return _page(lang, "message.html", t("fr_lookup", lang), status, error=error, typed=typed)


def init_server(server: flask.Flask) -> None:
    """The public routes; `/phan-anh` is open without login (dashboards.access)."""

    @server.get("/phan-anh/static/<name>")
    def fr_static(name: str) -> Any:
        if name not in ("form.css", "form.js"):
            flask.abort(404)
        return flask.send_from_directory(STATIC, name, max_age=3600)

    @server.get("/phan-anh")
    def fr_form() -> Any:
        return form_page(state.lang())

    @server.post("/phan-anh/gui")
    def fr_submit() -> Any:
        from dashboards.access import same_origin

        lang = state.lang()
        form = flask.request.form
        if form.get("lang") in state.LANGS:
            lang = str(form["lang"])
        values = {k: form.get(k, "") for k in FORM_FIELDS if k not in ("website",)}
        token = flask.session.get("fr_csrf")
        if (
            not token
            or not secrets.compare_digest(token, form.get("csrf_token", ""))
            or not same_origin()
        ):
            return form_page(lang, t("fr_bad_form", lang), values, 400)
        it = intake()
        files = [f.stream.read(it.limits.max_photo_bytes + 1)
                 for f in flask.request.files.getlist("photos") if f and f.filename]  # fmt: skip
        fields = {k: form.get(k) for k in FORM_FIELDS}
        result = it.form(fields, files, address=flask.request.remote_addr, now=state.get().now())
        if isinstance(result, Rejected):
            return form_page(lang, t("fr_refused", lang, reason=result.reason), values, 400)
        if isinstance(result, service.Refused):
            minutes = max(1, round(result.retry_after_s / 60))
            response = form_page(lang, t("fr_try_later", lang, minutes=minutes), values, 429)
            response.headers["Retry-After"] = str(int(result.retry_after_s))
            return response
        return flask.redirect(f"/phan-anh/ma/{service.shown_code(result.code)}?moi=1", 303)

    @server.get("/phan-anh/tra-cuu")
    def fr_lookup() -> Any:
        lang = state.lang()
        typed = flask.request.args.get("ma", "")
        code = service.normalize_code(typed)
        if code is None:
            if not typed:
                return _message(lang, "", 200)
            return _message(lang, t("fr_lookup_none", lang), 404, typed[:40])
        return flask.redirect(f"/phan-anh/ma/{service.shown_code(code)}", 303)

    @server.get("/phan-anh/ma/<typed>")
    def fr_status(typed: str) -> Any:
        lang = state.lang()
        app = state.get()
        with app.store.write() as session:
            allowed = abuse.lookup_allowed(
                session, intake().rates, flask.request.remote_addr, app.now()
            )
        if not allowed:
            response = _message(lang, t("fr_lookup_busy", lang), 429)
            response.headers["Retry-After"] = str(int(abuse.HOUR))
            return response
        code = service.normalize_code(typed)
        found = queries.public_status(app.store, code) if code else None
        if found is None:
            return _message(lang, t("fr_lookup_none", lang), 404)
        return status_page(lang, found, fresh=flask.request.args.get("moi") == "1")

    @server.get("/phan-anh/anh/<typed>/<int:photo_id>.jpg")
    def fr_photo(typed: str, photo_id: int) -> Any:
        code = service.normalize_code(typed)
        data = queries.photo(state.get().store, photo_id, code=code) if code else None
        return _jpeg(data)

    @server.get("/phan-anh/anh-xu-ly/<int:photo_id>.jpg")
    def fr_photo_clerk(photo_id: int) -> Any:
        from dashboards import units
        from dashboards.access import has_role

        if not has_role("clerk"):
            flask.abort(403)
        return _jpeg(queries.photo(state.get().store, photo_id, clerk=True, scope=units.scope()))


def _jpeg(data: bytes | None) -> Any:
    if data is None:
        flask.abort(404)
    response = flask.make_response(data)
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "private, max-age=600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
