"""`GET /dataValueSets` (the feed an upstream pulls) and `POST` (the province receiving),
under `/api/v1` and, for DHIS2 clients, `/api` (there imports answer DHIS2's envelope)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from coc.api import cursor
from coc.api.auth import TokenBook, bearer
from coc.api.http import json_body, refuse
from coc.approval.approve import annotate
from coc.config import Settings
from coc.indicators.catalog import Catalog
from coc.ingest.records import Rejected
from coc.jsonsafe import JsonRejected
from coc.keys import secret_key
from coc.periods import parse_period
from coc.province.hierarchy import Hierarchy
from coc.province.receive import import_values
from coc.province.rollup import rollup
from coc.store.db import Store
from coc.store.upsert import UpsertResult
from coc.sync.values import Position, page, to_wire
from coc.timeutil import as_utc, iso_utc, parse_datetime
from coc.wire import DataValueSetIn, ImportSummary, read_body


def cursor_key(settings: Settings) -> str:
    """The site key: stable across restarts, so a client's `next` survives a reboot."""
    return secret_key(settings)


def feed_org_unit(settings: Settings) -> str:
    if settings.role == "commune":
        return settings.commune.code
    return Hierarchy.from_settings(settings).root.code


class BadQuery(ValueError):
    pass


def _filters(settings: Settings, key: str) -> dict[str, Any]:
    args = request.args
    if args.get("next"):
        try:
            state = cursor.decode(args["next"], key)
        except ValueError as exc:
            raise BadQuery(str(exc)) from None
        if not isinstance(state.get("at"), list) or len(state["at"]) != 2:
            raise BadQuery("next không hợp lệ")
    else:
        state = {"since": None, "period": None, "ou": None, "at": None}
        if args.get("lastUpdated"):
            try:
                state["since"] = iso_utc(parse_datetime(args["lastUpdated"]))
            except (ValueError, OverflowError):
                bad = args["lastUpdated"]
                raise BadQuery(f"lastUpdated không phải thời điểm ISO: {bad!r}") from None
        if args.get("period"):
            try:
                state["period"] = parse_period(args["period"]).code
            except ValueError as exc:
                raise BadQuery(str(exc)) from None
        state["ou"] = args.get("orgUnit") or None
    limit_text = args.get("limit", str(settings.feed.page_size))
    if not _digits(limit_text) or not 1 <= int(limit_text) <= settings.feed.max_page_size:
        raise BadQuery(f"limit phải là số nguyên từ 1 đến {settings.feed.max_page_size}")
    state["limit"] = int(limit_text)
    return state


def _digits(text: str) -> bool:
    """ASCII digits only ("²".isdigit() is true, and int() refuses it)."""
    return text.isascii() and text.isdigit() and len(text) <= 9


def _position(state: dict[str, Any]) -> Position | None:
    if not state.get("at"):
        return None
    try:
        stamp = parse_datetime(state["at"][0])
        return Position(stamp, int(state["at"][1])) if stamp else None
    except (TypeError, ValueError):
        raise BadQuery("next không hợp lệ") from None


def register(
    bp: Blueprint,
    store: Store,
    settings: Settings,
    catalog: Catalog,
    tokens: TokenBook,
    *,
    envelope: bool = False,
) -> None:
    """GET and POST /dataValueSets on `bp`. `envelope`: answer imports in DHIS2's
    WebMessage envelope (the `/api/dataValueSets` route) rather than the short summary."""
    key = cursor_key(settings)
    hierarchy = Hierarchy.from_settings(settings)
    receiving = settings.role in ("province", "district")

    @bp.get("/dataValueSets")
    def feed_get() -> Any:
        token = bearer(request.headers.get("Authorization"))
        if token is None:
            return refuse(401, "cần Authorization: Bearer <mã truy cập> để đọc dữ liệu")
        if not tokens.is_feed(token):
            return refuse(401, "mã truy cập không hợp lệ")
        try:
            state = _filters(settings, key)
            since = parse_datetime(state["since"]) if state["since"] else None
            after = _position(state)
        except BadQuery as exc:
            return refuse(400, str(exc))
        with store.session() as session:
            rows = page(
                session,
                since=since,
                after=after,
                period=state["period"],
                org_unit=state["ou"],
                limit=state["limit"],
            )
        token_next = None
        if len(rows) == state["limit"]:
            last = rows[-1]
            state = {**state, "at": [as_utc(last.last_updated).isoformat(), last.id]}
            state.pop("limit")
            token_next = cursor.encode(state, key)
        values = [to_wire(dv) for dv in rows]
        annotate(store, values)  # approvalState of each value
        return jsonify(
            {
                "orgUnit": feed_org_unit(settings),
                "dataValues": values,
                "next": token_next,
            }
        )

    @bp.post("/dataValueSets")
    def feed_post() -> Any:
        token = bearer(request.headers.get("Authorization"))
        if token is None:
            return refuse(401, "cần Authorization: Bearer <mã truy cập> để gửi dữ liệu")
        commune = tokens.pusher(token)
        if commune is None:
            if tokens.is_feed(token):
                return refuse(403, "mã truy cập này chỉ được đọc; gửi số liệu cần mã của xã")
            return refuse(401, "mã truy cập không hợp lệ")
        if not receiving:
            return refuse(403, "máy chủ này ở chế độ xã, không nhận số liệu gửi lên")
        try:  # the body limit (coc.api.limits) has been checked before this reads it
            raw = json_body(request)
        except JsonRejected as exc:
            return refuse(400, exc.reason)
        body = read_body(raw)
        if isinstance(body, Rejected):
            return refuse(400, body.reason)
        summary = receive_push(store, catalog, hierarchy, commune, body)
        return import_answer(ImportSummary.of(summary), envelope=envelope)


def receive_push(
    store: Store, catalog: Catalog, hierarchy: Hierarchy, sender: str, body: DataValueSetIn
) -> UpsertResult:
    """Import a pushed dataValueSet as the token's org unit may write it: its own commune,
    or a district's subtree. A value (or the set's orgUnit) naming any other org unit is a
    conflict (E7617), never stored under the sender's commune; then roll up what changed."""
    own = {sender, *hierarchy.leaves_under(sender)}
    summary = import_values(
        store,
        catalog,
        body.values(),
        source="upstream",
        default_org_unit=sender,
        allowed=own.__contains__,
    )
    rollup(store, catalog, hierarchy, {(c, p) for _ou, p, c, *_combos in summary.changed_keys})
    return summary


def import_answer(summary: ImportSummary, *, envelope: bool) -> Response:
    """The import summary, short or in DHIS2's envelope; HTTP 409 when nothing was stored
    (status ERROR), and in the envelope whenever there are conflicts, as DHIS2 answers."""
    if envelope:
        message = summary.web_message()
        response = jsonify(message.model_dump(mode="json"))
        response.status_code = message.httpStatusCode
        return response
    body = summary.model_dump(mode="json")
    for conflict in body["conflicts"]:
        if conflict["errorCode"] is None:
            del conflict["errorCode"]
    response = jsonify(body)
    response.status_code = summary.http_status
    return response
