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
from coc.api.alerts import (
    AcknowledgeIn,
    ActionDone,
    AlertQuery,
    AssignIn,
    ClearIn,
    ExplanationAnswerIn,
    ExplanationCreated,
    ExplanationIn,
    ExplanationList,
)
from coc.api.approval_models import (
    ApprovalQuery,
    ApprovalsIn,
    ApprovalStatusList,
    ApprovalStatusOut,
    CompleteRegistrations,
    CompleteRegistrationsIn,
    RegistrationQuery,
)
from coc.api.models import (
    AlertList,
    BulletinList,
    DeliveryReportAnswer,
    DeviceSummary,
    FieldReportAccepted,
    FieldReportIn,
    FieldReportStatus,
    Health,
    IndicatorCatalog,
)
from coc.config import Settings
from coc.wire import DataValueSet, DataValueSetIn, ImportSummary, Refusal, WebMessage

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
    conflict: type[BaseModel] | None = None  # the 409 answer of an import storing nothing
    server: str | None = None  # a path served outside /api/v1 (DHIS2's own)
    path_params: tuple[tuple[str, str], ...] = ()  # (name, description), strings
    commune_only: bool = False  # citizens' field reports are a commune's own


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
        "Import summary (OK, or WARNING with conflicts)",
        body=DataValueSetIn,
        refusals=(400, 401, 403, 413),
        conflict=ImportSummary,
    ),
    Operation(
        "/api/dataValueSets",
        "get",
        "The feed at DHIS2's own path (for DHIS2 clients; Bearer or ApiToken).",
        DataValueSet,
        "A page of the feed",
        query=FeedQuery,
        refusals=(400, 401),
        extra={"304": {"description": "Not modified (If-None-Match)"}},
        server="/",
    ),
    Operation(
        "/api/dataValueSets",
        "post",
        "Receive values at DHIS2's own path, answered in DHIS2's WebMessage envelope "
        "(409 whenever there are conflicts, as DHIS2 does).",
        WebMessage,
        "WebMessage around the import summary (status OK)",
        body=DataValueSetIn,
        refusals=(400, 401, 403, 413),
        conflict=WebMessage,
        server="/",
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
        "Alerts of every kind with their lifecycle, unacknowledged first, then by "
        "severity and newest; a feed token or an alert token.",
        AlertList,
        "Alerts",
        query=AlertQuery,
        refusals=(400, 401),
    ),
    Operation(
        "/alerts/acknowledge",
        "post",
        "Acknowledge alerts with an optional comment (an alert token of a clerk or above).",
        ActionDone,
        "How many changed (already acknowledged ones are left as they were)",
        body=AcknowledgeIn,
        refusals=(400, 401, 403, 404, 413),
    ),
    Operation(
        "/alerts/assign",
        "post",
        "Assign an alert to a user, or unassign it with null.",
        ActionDone,
        "Assigned",
        body=AssignIn,
        refusals=(400, 401, 403, 404, 413),
    ),
    Operation(
        "/alerts/clear",
        "post",
        "Clear an active alert by hand, with a reason.",
        ActionDone,
        "Cleared",
        body=ClearIn,
        refusals=(400, 401, 403, 404, 413),
    ),
    Operation(
        "/explanations",
        "get",
        "Open explanation requests (yêu cầu giải trình), overdue first (a feed or alert token).",
        ExplanationList,
        "Open requests",
        refusals=(401,),
    ),
    Operation(
        "/explanations",
        "post",
        "Ask an indicator's responsible person to explain it by a due date; they are notified"
        " (an alert token of a clerk or above).",
        ExplanationCreated,
        "The new request",
        body=ExplanationIn,
        refusals=(400, 401, 403, 413),
    ),
    Operation(
        "/explanations/answer",
        "post",
        "Answer an explanation request (its responsible person, or an approver or admin).",
        ActionDone,
        "Answered",
        body=ExplanationAnswerIn,
        refusals=(400, 401, 403, 413),
    ),
    Operation(
        "/fieldReports",
        "post",
        "A citizen's field report from a hotline system (201; 200 when callId was seen).",
        FieldReportAccepted,
        "The report's short code; moderation when held as suspected spam",
        body=FieldReportIn,
        refusals=(400, 401, 403, 429),
        commune_only=True,
    ),
    Operation(
        "/fieldReports/zalo",
        "post",
        "Zalo Official Account webhook (user_send_text, user_send_image, user_send_location), "
        "signed with X-ZEvent-Signature; other events are answered 200 and ignored.",
        FieldReportAccepted,
        "The report the event started or added to",
        secured=False,
        refusals=(400, 401, 429),
        commune_only=True,
    ),
    Operation(
        "/fieldReports/{code}",
        "get",
        "A field report's state and published answer (no personal data).",
        FieldReportStatus,
        "The report",
        refusals=(401, 403, 404),
        path_params=(("code", "The report's short code, e.g. PA-7K3M9Q."),),
        commune_only=True,
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
CONFLICT = {"409": {"description": "Nothing stored: the import summary with its conflicts"}}
APPROVAL_OPERATIONS = (
    Operation(
        "/completeDataSetRegistrations",
        "get",
        "Completeness registrations (DHIS2 shape); also served at /api/….",
        CompleteRegistrations,
        "Registrations",
        query=RegistrationQuery,
        refusals=(400, 401),
    ),
    Operation(
        "/completeDataSetRegistrations",
        "post",
        "Receive registrations from a commune (province/district mode).",
        ImportSummary,
        "Import summary",
        body=CompleteRegistrationsIn,
        refusals=(400, 401, 403, 413),
        extra=CONFLICT,
    ),
    Operation(
        "/dataApprovals",
        "get",
        "The approval state of one org unit's period (DHIS2 shape).",
        ApprovalStatusOut,
        "Approval state",
        query=ApprovalQuery,
        refusals=(400, 401),
    ),
    Operation(
        "/dataApprovals/approvals",
        "get",
        "Approval states of several org units and periods.",
        ApprovalStatusList,
        "Approval states",
        query=ApprovalQuery,
        refusals=(400, 401),
    ),
    Operation(
        "/dataApprovals/approvals",
        "post",
        "Receive a commune's approvals (province/district mode), DHIS2's bulk body.",
        ImportSummary,
        "Import summary",
        body=ApprovalsIn,
        refusals=(400, 401, 403, 413),
        extra=CONFLICT,
    ),
    Operation(
        "/dataApprovals/unapprovals",
        "post",
        "Receive a commune's un-approvals (province/district mode).",
        ImportSummary,
        "Import summary",
        body=ApprovalsIn,
        refusals=(400, 401, 403, 413),
        extra=CONFLICT,
    ),
)
OPERATIONS = (*OPERATIONS[:-1], *APPROVAL_OPERATIONS, OPERATIONS[-1])
REFUSALS = {
    400: "Bad query or body",
    401: "Missing or unknown token",
    403: "Token not allowed here",
    404: "Not found (no such alert, report, bulletin or audio file)",
    413: "Body too large",
    429: "Too many reports from this sender: try later (Retry-After)",
    503: "Database down",
}


def _schemas() -> dict[str, Any]:
    models: list[type[BaseModel]] = [Refusal]
    for op in OPERATIONS:
        models += [
            m for m in (op.answer, op.body, op.conflict) if m is not None and m not in models
        ]
    inputs = (
        DataValueSetIn,
        CompleteRegistrationsIn,
        ApprovalsIn,
        AcknowledgeIn,
        AssignIn,
        ClearIn,
        FieldReportIn,
        ExplanationIn,
        ExplanationAnswerIn,
    )
    pairs = [(m, "validation" if m in inputs else "serialization") for m in models]
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
        "security": [{"bearer": []}, {"apiToken": []}] if op.secured else [],
    }
    params = [
        {"name": n, "in": "path", "required": True, "description": d, "schema": {"type": "string"}}
        for n, d in op.path_params
    ]
    if op.query is not None:
        params += _parameters(op.query, settings)
    if params:
        out["parameters"] = params
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
    if op.conflict is not None:
        out["responses"]["409"] = _json(
            _ref(op.conflict), "Conflicts: nothing stored (ERROR), or in DHIS2's envelope any"
        )
    if op.server is not None:
        out["servers"] = [{"url": op.server}]
    return out


def openapi_document(settings: Settings) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        if op.commune_only and settings.role != "commune":
            continue
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
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "DHIS2's `ApiToken <token>`, the same tokens as bearer.",
                },
            },
            "schemas": _schemas(),
        },
        "paths": paths,
    }
