"""The OpenAPI 3.0 document of `/api/v1` (hand-written: the API is small and stable)."""

from __future__ import annotations

from typing import Any

from coc import __version__
from coc.config import Settings

_ERROR = {
    "type": "object",
    "required": ["error", "reason"],
    "properties": {"error": {"type": "string"}, "reason": {"type": "string"}},
}
_STR_NUM = {"type": "string", "description": "A number as text, as DHIS2 sends values."}
DATA_VALUE = {
    "type": "object",
    "required": ["dataElement", "period", "orgUnit"],
    "properties": {
        "dataElement": {"type": "string", "example": "TTHC_DUNG_HAN"},
        "period": {"type": "string", "example": "202611"},
        "orgUnit": {"type": "string", "example": "10237"},
        "value": _STR_NUM,
        "numerator": _STR_NUM,
        "denominator": _STR_NUM,
        "lastUpdated": {"type": "string", "format": "date-time"},
        "deleted": {"type": "boolean"},
    },
}
_SUMMARY = {
    "type": "object",
    "required": ["status", "importCount", "conflicts"],
    "properties": {
        "status": {"type": "string", "enum": ["OK", "WARNING", "ERROR"]},
        "importCount": {
            "type": "object",
            "properties": {
                k: {"type": "integer"} for k in ("imported", "updated", "ignored", "deleted")
            },
        },
        "conflicts": {"type": "array", "items": {"type": "object"}},
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _refusals(*codes: int) -> dict[str, Any]:
    text = {
        400: "Bad query or body",
        401: "Missing or unknown token",
        403: "Token not allowed here",
        503: "Database down",
    }
    return {str(c): _json(_ERROR, text[c]) for c in codes}


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def openapi_document(settings: Settings) -> dict[str, Any]:
    secured = [{"bearer": []}]
    obj = {"type": "object"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "COC API",
            "version": __version__,
            "description": "Feed and status of a COC (commune, district or province IOC).",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"DataValue": DATA_VALUE, "ImportSummary": _SUMMARY, "Error": _ERROR},
        },
        "paths": {
            "/health": {
                "get": {
                    "summary": "Database, broker, ingester, connector and sync state (public).",
                    "security": [],
                    "responses": {"200": _json(obj, "Health"), **_refusals(503)},
                }
            },
            "/indicators": {
                "get": {
                    "summary": "The indicator catalog with the year's targets (public).",
                    "security": [],
                    "parameters": [
                        _param(
                            "year",
                            "Target year",
                            {"type": "integer", "minimum": 2000, "maximum": 2100},
                        )
                    ],
                    "responses": {"200": _json(obj, "Catalog"), **_refusals(400)},
                }
            },
            "/dataValueSets": {
                "get": {
                    "summary": "Data values in (lastUpdated, id) order, paged by `next`.",
                    "security": secured,
                    "parameters": [
                        _param(
                            "lastUpdated",
                            "Only values updated at or after this time",
                            {"type": "string", "format": "date-time"},
                        ),
                        _param(
                            "period",
                            "Only this period (2026, 2026Q3, 202611, 20261122)",
                            {"type": "string"},
                        ),
                        _param("orgUnit", "Only this org unit", {"type": "string"}),
                        _param(
                            "limit",
                            "Values per page",
                            {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": settings.feed.max_page_size,
                            },
                        ),
                        _param("next", "Opaque cursor from the previous page", {"type": "string"}),
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["orgUnit", "dataValues", "next"],
                                "properties": {
                                    "orgUnit": {"type": "string"},
                                    "dataValues": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/DataValue"},
                                    },
                                    "next": {"type": "string", "nullable": True},
                                },
                            },
                            "A page of the feed",
                        ),
                        "304": {"description": "Not modified (If-None-Match)"},
                        **_refusals(400, 401),
                    },
                },
                "post": {
                    "summary": "Receive values from a commune (province/district mode).",
                    "security": secured,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["dataValues"],
                                    "properties": {
                                        "dataValues": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/DataValue"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json(
                            {"$ref": "#/components/schemas/ImportSummary"}, "Import summary"
                        ),
                        **_refusals(400, 401, 403),
                    },
                },
            },
            "/devices": {
                "get": {
                    "summary": "Cameras, loudspeakers and sensors: online/offline counts.",
                    "security": secured,
                    "responses": {"200": _json(obj, "Device summary"), **_refusals(401)},
                }
            },
            "/alerts": {
                "get": {
                    "summary": "Open device and sensor alerts, most severe first.",
                    "security": secured,
                    "responses": {"200": _json(obj, "Alerts"), **_refusals(401)},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": _json(obj, "OpenAPI document")},
                }
            },
        },
    }
