"""The HTTP API under `/api/v1`: health, catalog, the dataValueSets feed and the receiving
side, device and alert summaries, and the OpenAPI document. Mounted on the dashboard's
Flask server by the CLI (`create_blueprint`); `create_app` serves it alone (tests, tools).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

from coc.api import bulletins, feed, http, limits, status
from coc.api.auth import TokenBook
from coc.api.openapi import openapi_document
from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.store.db import Store

log = logging.getLogger(__name__)
PREFIX = "/api/v1"


def create_blueprint(store: Store, settings: Settings, catalog: Catalog) -> Blueprint:
    """All API routes on one blueprint; register it with url_prefix `/api/v1`."""
    bp = Blueprint("coc_api", __name__)
    tokens = TokenBook(settings.feed.tokens, settings.province.push_tokens)
    feed.register(bp, store, settings, catalog, tokens)
    status.register(bp, store, settings, catalog, tokens)
    bulletins.register(bp, store, settings, tokens)

    @bp.get("/openapi.json")
    def openapi() -> Any:
        return openapi_document(settings)

    @bp.after_request
    def _finish(response: Response) -> Response:
        return http.finish(request, response)

    @bp.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        return http.refuse(exc.code or 500, exc.description or exc.name)

    @bp.errorhandler(Exception)
    def _crash(exc: Exception) -> Response:
        log.exception("API error on %s %s", request.method, request.path)
        return http.refuse(500, "lỗi máy chủ; xem nhật ký")

    return bp


def create_app(store: Store, settings: Settings, catalog: Catalog) -> Flask:
    """A Flask app serving only the API (the dashboard mounts the blueprint instead)."""
    app = Flask("coc.api")
    limits.install(app, limits.BodyLimits.from_settings(settings))
    app.register_blueprint(create_blueprint(store, settings, catalog), url_prefix=PREFIX)
    install_json_errors(app)
    return app


def install_json_errors(app: Flask) -> None:
    """404/405 under /api/ as JSON (routing errors never reach a blueprint's handlers)."""

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _routing(exc: HTTPException) -> Any:
        if request.path.startswith(PREFIX):
            return http.refuse(exc.code or 404, exc.description or exc.name)
        return exc
