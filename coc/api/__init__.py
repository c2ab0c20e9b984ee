"""The HTTP API under `/api/v1`: health, catalog, the dataValueSets feed and the receiving
side, device and alert summaries, and the OpenAPI document. Mounted on the dashboard's
Flask server by the CLI (`mount`), with `/api/dataValueSets` beside it for DHIS2 clients;
`create_app` serves it alone (tests, tools).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import HTTPException

from coc.api import alerts, approvals, bulletins, feed, fieldreports, http, limits, status
from coc.api.auth import TokenBook
from coc.api.openapi import openapi_document
from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.store.db import Store

log = logging.getLogger(__name__)
PREFIX = "/api/v1"
DHIS2_PREFIX = "/api"  # DHIS2's own paths: data values, registrations and approvals
DHIS2_PATHS = tuple(
    DHIS2_PREFIX + p for p in ("/dataValueSets", "/completeDataSetRegistrations", "/dataApprovals")
)


def create_blueprint(store: Store, settings: Settings, catalog: Catalog) -> Blueprint:
    """All API routes on one blueprint; register it with url_prefix `/api/v1`."""
    bp = Blueprint("coc_api", __name__)
    tokens = TokenBook(settings.feed.tokens, settings.province.push_tokens)
    feed.register(bp, store, settings, catalog, tokens)
    status.register(bp, store, settings, catalog, tokens)
    approvals.register(bp, store, settings, tokens)
    alerts.register(bp, store, settings, tokens, catalog)
    if settings.role == "commune":  # citizens' field reports are a commune's own
        fieldreports.register(bp, store, settings)
    bulletins.register(bp, store, settings, tokens)

    @bp.get("/openapi.json")
    def openapi() -> Any:
        return openapi_document(settings)

    _handlers(bp)
    return bp


def create_dhis2_blueprint(store: Store, settings: Settings, catalog: Catalog) -> Blueprint:
    """`/api/dataValueSets` as DHIS2 serves it, for DHIS2 clients that cannot be pointed at
    `/api/v1`: the same feed and receiving side, imports answered in DHIS2's envelope."""
    bp = Blueprint("coc_api_dhis2", __name__)
    tokens = TokenBook(settings.feed.tokens, settings.province.push_tokens)
    feed.register(bp, store, settings, catalog, tokens, envelope=True)
    _handlers(bp)
    return bp


def mount(app: Flask, store: Store, settings: Settings, catalog: Catalog) -> None:
    """Register both API blueprints on a Flask app (the dashboard's server or its own)."""
    app.register_blueprint(create_blueprint(store, settings, catalog), url_prefix=PREFIX)
    app.register_blueprint(
        create_dhis2_blueprint(store, settings, catalog), url_prefix=DHIS2_PREFIX
    )
    app.register_blueprint(approvals.dhis2_blueprint(store, settings), url_prefix=DHIS2_PREFIX)
    install_json_errors(app)


def _handlers(bp: Blueprint) -> None:

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


def create_app(store: Store, settings: Settings, catalog: Catalog) -> Flask:
    """A Flask app serving only the API (the dashboard mounts the blueprint instead)."""
    app = Flask("coc.api")
    limits.install(app, limits.BodyLimits.from_settings(settings))
    mount(app, store, settings, catalog)
    return app


def install_json_errors(app: Flask) -> None:
    """404/405 under /api/ as JSON (routing errors never reach a blueprint's handlers)."""

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _routing(exc: HTTPException) -> Any:
        if request.path.startswith(PREFIX) or request.path.startswith(DHIS2_PATHS):
            return http.refuse(exc.code or 404, exc.description or exc.name)
        return exc
