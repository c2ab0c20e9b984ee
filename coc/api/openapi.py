"""The OpenAPI 3.1 document of `/api/v1`, generated from the typed models: the answers and
bodies (`coc.wire`, `coc.api.models`) and the query parameters (the `*Query` models below)
become JSON Schema with pydantic's `models_json_schema`; only the list of operations is
written here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from coc import __version__
from coc.api.models import (
    AlertList,
    BulletinList,
    DeliveryReportAnswer,
    DeviceSummary,
    Health,
    IndicatorCatalog,
)
from coc.config import Settings
from coc.wire import DataValueSet, DataValueSetIn, ImportSummary, Refusal

REF = "#/components/schemas/{model}"


class FeedQuery(BaseModel):
    lastUpdated: str | None = Field(
        None,
        description="Only values updated at or after this time (ISO 8601).",
        json_schema_extra={"format": "date-time"},
    )
    period: str | None = Field(
        None, description="Only this period (2026, 2026Q3, 202611, 20261122)."
    )
    orgUnit: str | None = Field(None, description="Only this org unit.")
    limit: int | None = Field(
        None, ge=1, description="Values per page (at most feed.max_page_size)."
    )
    next: str | None = Field(None, description="Opaque cursor from the previous page.")


class CatalogQuery(BaseModel):
    year: int | None = Field(
        None, ge=2000, le=2100, description="Target year (default: this year)."
    )


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    summary: str
    answer: type[BaseModel] | None
    answer_text: str
    secured: bool = True
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    refusals: tuple[int, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    path_params: tuple[tuple[str, str], ...] = ()  # (name, description)


OPERATIONS = (
    Operation(
        "/health",
        "get",
        "Database, broker, ingester, connector and sync state (public).",
        Health,
        "Health",
        secured=False,
        refusals=(503,),
    ),
    Operation(
        "/indicators",
        "get",
        "The indicator catalog with the year's targets (public).",
        IndicatorCatalog,
        "Catalog",
        secured=False,
        query=CatalogQuery,
        refusals=(400,),
    ),
    Operation(
        "/dataValueSets",
        "get",
        "Data values in (lastUpdated, id) order, paged by `next`.",
        DataValueSet,
        "A page of the feed",
        query=FeedQuery,
        refusals=(400, 401),
        extra={"304": {"description": "Not modified (If-None-Match)"}},
    ),
    Operation(
        "/dataValueSets",
        "post",
        "Receive values from a commune (province/district mode); a bad value is a "
        "conflict of the summary, not a failed request.",
        ImportSummary,
        "Import summary (OK, WARNING with conflicts, or ERROR: nothing stored)",
        body=DataValueSetIn,
        refusals=(400, 401, 403, 413),
    ),
    Operation(
        "/devices",
        "get",
        "Cameras, loudspeakers and sensors: online/offline counts.",
        DeviceSummary,
        "Device summary",
        refusals=(401,),
    ),
    Operation(
        "/alerts",
        "get",
        "Open device and sensor alerts, most severe first.",
        AlertList,
        "Alerts",
        refusals=(401,),
    ),
    Operation(
        "/bulletins",
        "get",
        "Loudspeaker bulletins, newest first, with clusters per delivery state.",
        BulletinList,
        "Bulletins",
        refusals=(401,),
    ),
    Operation(
        "/bulletins/{bulletin}/deliveries",
        "get",
        "One bulletin's per-cluster delivery report.",
        DeliveryReportAnswer,
        "Delivery report",
        refusals=(401, 404),
        path_params=(("bulletin", "Bulletin id."),),
    ),
    Operation(
        "/bulletins/audio/{file}",
        "get",
        "A bulletin's audio, as loudspeaker clusters fetch it (public; the name is a hash).",
        None,
        "Audio",
        secured=False,
        refusals=(404,),
        path_params=(("file", "<40 hex digits>.ogg or .wav, from a command's audio_url."),),
        extra={
            "200": {
                "description": "The audio file",
                "content": {
                    m: {"schema": {"type": "string", "format": "binary"}}
                    for m in ("audio/ogg", "audio/wav")
                },
            }
        },
    ),
    Operation("/openapi.json", "get", "This document.", None, "OpenAPI document", secured=False),
)
REFUSALS = {
    400: "Bad query or body",
    401: "Missing or unknown token",
    403: "Token not allowed here",
    404: "Not found",
    413: "Body too large",
    503: "Database down",
}


def _schemas() -> dict[str, Any]:
    models: list[type[BaseModel]] = [Refusal]
    for op in OPERATIONS:
        models += [m for m in (op.answer, op.body) if m is not None]
    pairs = [(m, "validation" if m is DataValueSetIn else "serialization") for m in models]
    _refs, top = models_json_schema(pairs, ref_template=REF)
    return dict(sorted(top.get("$defs", {}).items()))


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _parameters(query: type[BaseModel], settings: Settings) -> list[dict[str, Any]]:
    schema = query.model_json_schema()
    out = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", "")
        prop.pop("default", None)
        prop.pop("title", None)
        options = prop.pop("anyOf", None)  # X | None: a query parameter is simply left out
        if options:
            prop.update(next(o for o in options if o.get("type") != "null"))
        if name == "limit" and query is FeedQuery:
            prop["maximum"] = settings.feed.max_page_size
        out.append(
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": prop,
            }
        )
    return out


def _operation(op: Operation, settings: Settings) -> dict[str, Any]:
    out: dict[str, Any] = {
        "summary": op.summary,
        "security": [{"bearer": []}] if op.secured else [],
    }
    if op.query is not None:
        out["parameters"] = _parameters(op.query, settings)
    if op.path_params:
        out["parameters"] = [
            {"name": n, "in": "path", "required": True, "description": d,
             "schema": {"type": "string"}}
            for n, d in op.path_params
        ]  # fmt: skip
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    answer = _ref(op.answer) if op.answer else {"type": "object"}
    out["responses"] = {
        "200": _json(answer, op.answer_text),
        **op.extra,
        **{str(c): _json(_ref(Refusal), REFUSALS[c]) for c in op.refusals},
    }
    return out


def openapi_document(settings: Settings) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, settings)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "COC API",
            "version": __version__,
            "description": "Feed and status of a COC (commune, district or province IOC).",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
        },
        "paths": paths,
    }
