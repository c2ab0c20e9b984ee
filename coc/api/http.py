"""Response helpers shared by the API views: JSON refusals, ETag / If-None-Match, gzip."""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

from flask import Request, Response, jsonify

from coc import jsonsafe
from coc.jsonsafe import JsonRejected

GZIP_MIN_BYTES = 512


def refuse(status: int, reason: str, **extra: Any) -> Response:
    """A 4xx with a JSON reason; 401 also names the expected scheme."""
    codes = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        413: "too_large",
    }
    body = {"error": codes.get(status, "error"), "reason": reason, **extra}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="coc", ApiToken realm="coc"'
    return response


def json_body(request: Request) -> Any:
    """The request's JSON body through coc.jsonsafe (depth and number limits); a wrong
    Content-Type or bad JSON raises JsonRejected with the reason."""
    if not request.is_json:
        raise JsonRejected("Content-Type phải là application/json")
    return jsonsafe.loads(request.get_data(cache=False))


def _etag_matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = tag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == bare for t in header.split(","))


def finish(request: Request, response: Response) -> Response:
    """Add an ETag to a 200 GET (304 when the client has it), then gzip when asked."""
    if request.method != "GET" or response.status_code != 200 or response.direct_passthrough:
        return response
    body = response.get_data()
    tag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response.headers["ETag"] = tag
    response.headers["Vary"] = "Accept-Encoding, Authorization"
    if _etag_matches(request.headers.get("If-None-Match"), tag):
        not_modified = Response(status=304)
        not_modified.headers["ETag"] = tag
        not_modified.headers["Vary"] = response.headers["Vary"]
        return not_modified
    accepts = request.headers.get("Accept-Encoding", "")
    if "gzip" in accepts.lower() and len(body) >= GZIP_MIN_BYTES:
        response.set_data(gzip.compress(body, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
    return response
