"""Request body limits on every route, enforced before the body is read.

Each request gets its limit from its route: the feed's POST (a commune's page of values),
a Dash callback of a logged-in clerk (an Excel upload travels base64 inside it), or the
default for everything else, anonymous Dash callbacks included. A declared
Content-Length above it is answered 413 with a reason before anything reads the body; a
chunked body is cut off at the limit by Werkzeug (`request.max_content_length`). The
server (waitress' `max_request_body_size`) stops at the largest of them. A raw query string
that is not UTF-8 is a 400 here too, before any view reads `request.args`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from coc.api.http import refuse
from coc.config import Settings

MB = 2**20
FEED_PATHS = ("/api/v1/dataValueSets", "/api/dataValueSets")
DASH_CALLBACK = "/_dash-update-component"
INTAKE_PATH = "/phan-anh/gui"  # the public field-report form with its photos


@dataclass(frozen=True)
class BodyLimits:
    default: int
    upload: int
    feed: int
    intake: int = 2 * MB

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        fr = settings.fieldreports
        return cls(
            default=int(settings.http.max_body_mb * MB),
            upload=int(settings.http.max_upload_mb * MB),
            feed=int(settings.feed.max_post_mb * MB),
            intake=int((fr.max_photos * fr.max_photo_mb + 1) * MB),
        )

    @property
    def largest(self) -> int:
        return max(self.default, self.upload, self.feed, self.intake)

    def for_request(self, method: str, path: str, clerk: Callable[[], bool]) -> int:
        """The limit of one request; `clerk` is asked only for a Dash callback."""
        if method == "POST" and path.rstrip("/") in FEED_PATHS:
            return self.feed
        if method == "POST" and path == INTAKE_PATH:
            return self.intake
        if path.endswith(DASH_CALLBACK) and clerk():
            return max(self.default, self.upload)
        return self.default


def _too_large(limit: int) -> Any:
    return refuse(413, f"nội dung yêu cầu quá lớn (tối đa {_size(limit)})", limit=limit)


def _size(limit: int) -> str:
    return f"{limit / MB:g} MB" if limit >= MB else f"{limit // 1024} KB"


BAD_QUERY = "chuỗi truy vấn (query string) không phải UTF-8"


def utf8_query(app: Any) -> Any:
    """WSGI wrapper: a raw query string that is not UTF-8 is a 400 before Flask starts.

    Werkzeug decodes it strictly the first time anything reads `request.args` (a view,
    an after_request hook), so the check must come before all of them."""

    def guarded(environ: dict[str, Any], start_response: Any) -> Any:
        try:
            environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8")
        except UnicodeError:
            body = json.dumps({"error": "bad_request", "reason": BAD_QUERY}).encode()
            return Response(body, status=400, mimetype="application/json")(environ, start_response)
        return app(environ, start_response)

    return guarded


def install(
    server: Flask,
    limits: BodyLimits,
    clerk: Callable[[], bool] = lambda: False,
    pages: Mapping[str, Callable[[int], Any]] | None = None,
) -> None:
    """Put the limits on `server`; call before any other before_request hook is added.

    `pages` answers a too-large POST to a path that people send from a browser (the public
    form) with a page of their own instead of the JSON reason; it is given the limit."""
    server.config["MAX_CONTENT_LENGTH"] = limits.largest
    server.wsgi_app = utf8_query(server.wsgi_app)  # type: ignore[method-assign]
    own = dict(pages or {})

    def too_large(limit: int) -> Any:
        page = own.get(request.path) if request.method == "POST" else None
        return page(limit) if page is not None else _too_large(limit)

    @server.before_request
    def _limit_body() -> Any:
        limit = limits.for_request(request.method, request.path, clerk)
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            return too_large(limit)
        return None

    @server.errorhandler(RequestEntityTooLarge)
    def _cut_off(_exc: RequestEntityTooLarge) -> Any:  # a chunked body ran past the limit
        return too_large(request.max_content_length or limits.largest)
