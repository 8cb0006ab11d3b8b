"""What the OpenAPI schema cannot learn from the handlers' signatures, added once at start-up.

Handlers that build their own Response (Open311 in JSON or XML by the name's suffix, the CSV
and GeoJSON exports, the Atom feeds) show up as "an object, in JSON"; the errors they answer in
their own format, and the 404s, 409s and 429s that come from lookups and middleware, do not
show up at all. A generated client then fails on the first list or the first refusal. This
fills in, by path, the media types and shapes that are really served and the 4xx answers.
"""

from __future__ import annotations

import re

from litestar.openapi.spec import OpenAPI, OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType

from app.platform.abuse_limits import LIMITED_PATHS

_STRING = Schema(type=OpenAPIType.STRING)
_TEXT_OR_NULL = Schema(one_of=[_STRING, Schema(type=OpenAPIType.NULL)])


def _object(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    return Schema(type=OpenAPIType.OBJECT, properties=properties, required=required or sorted(properties))


def _array(items: Schema) -> Schema:
    return Schema(type=OpenAPIType.ARRAY, items=items)


_NUMBER_OR_NULL = Schema(one_of=[Schema(type=OpenAPIType.NUMBER), Schema(type=OpenAPIType.NULL)])
OPEN311_SERVICE = _object({
    "service_code": _STRING, "service_name": _STRING, "description": _STRING,
    "metadata": Schema(type=OpenAPIType.BOOLEAN), "type": _STRING, "keywords": _STRING, "group": _STRING,
})  # fmt: skip
OPEN311_REQUEST = _object({
    "service_request_id": _STRING, "status": Schema(type=OpenAPIType.STRING, enum=["open", "closed"]),
    "status_notes": _STRING, "service_name": _STRING, "service_code": _STRING, "description": _STRING,
    "agency_responsible": _STRING, "service_notice": _STRING, "requested_datetime": _STRING,
    "updated_datetime": _STRING, "expected_datetime": _TEXT_OR_NULL, "address": _STRING,
    "address_id": _STRING, "zipcode": _STRING, "lat": _NUMBER_OR_NULL, "long": _NUMBER_OR_NULL,
    "media_url": _STRING,
}, required=["service_request_id", "status"])  # fmt: skip
OPEN311_CREATED = _object({"service_request_id": _STRING, "token": _STRING, "service_notice": _STRING,
                           "account_id": _STRING})  # fmt: skip
OPEN311_TOKEN = _object({"token": _STRING, "service_request_id": _STRING})
OPEN311_ERRORS = _array(_object({"code": Schema(type=OpenAPIType.INTEGER), "description": _STRING}))
OPEN311_DISCOVERY = _object({"changeset": _STRING, "contact": _STRING, "key_service": _STRING,
                             "endpoints": _array(Schema(type=OpenAPIType.OBJECT))})  # fmt: skip
GEOJSON = _object({"type": Schema(type=OpenAPIType.STRING, enum=["FeatureCollection"]),
                   "features": _array(Schema(type=OpenAPIType.OBJECT))})  # fmt: skip
# Our refusals (app.main._error_response): what was wrong, and per field when there are fields.
API_ERROR = Schema(
    type=OpenAPIType.OBJECT,
    properties={"status_code": Schema(type=OpenAPIType.INTEGER), "detail": _STRING,
                "errors": Schema(one_of=[Schema(type=OpenAPIType.OBJECT), Schema(type=OpenAPIType.ARRAY)])},
    required=["detail", "status_code"],
)  # fmt: skip

OPEN311_BODIES = {
    "/open311/v2/discovery": OPEN311_DISCOVERY,
    "/open311/v2/services": _array(OPEN311_SERVICE),
    "/open311/v2/services/{name}": _object({"service_code": _STRING, "attributes": _array(Schema())}),
    "/open311/v2/requests": _array(OPEN311_REQUEST),
    "/open311/v2/requests/{name}": _array(OPEN311_REQUEST),
    "/open311/v2/tokens/{name}": _array(OPEN311_TOKEN),
}
# Files served by suffix: the media type and the shape of the body.
FILE_TYPES = {
    ".csv": ("text/csv", _STRING),
    ".geojson": ("application/geo+json", GEOJSON),
    ".atom": ("application/atom+xml", _STRING),
}
REFUSALS = {
    400: "The request is malformed: the message says which parameter and why.",
    403: "A valid api_key is required.",
    404: "Nothing has this code or id.",
    409: "The resource is bound to someone else.",
    422: "Understood, but refused: the message (and `errors`, per field) says what to change.",
    429: "Too many requests from this device or network: wait as many seconds as Retry-After says.",
}
_LIMITED = re.compile("|".join(p for paths in LIMITED_PATHS.values() for p in paths))
# JSON API operations whose rules refuse with 422 (SubmissionRefused, participation's Refused).
_REFUSING = {("/api/v1/reports", "post"), ("/api/v1/wards/locate", "get"), ("/api/v1/proposals", "post"),
             ("/api/v1/ballots", "post")}  # fmt: skip


def _content(*media: tuple[str, Schema]) -> dict[str, OpenAPIMediaType]:
    return {media_type: OpenAPIMediaType(schema=schema) for media_type, schema in media}


def _success(operation: Operation) -> OpenAPIResponse | None:
    for status in ("200", "201"):
        if status in (operation.responses or {}):
            return operation.responses[status]  # type: ignore[return-value]
    return None


def _open311(path: str, operation: Operation, method: str) -> None:
    stem, _, suffix = path.rpartition(".")
    key = stem if suffix in ("json", "xml") else path
    body = _array(OPEN311_CREATED) if method == "post" else OPEN311_BODIES.get(key)
    if (success := _success(operation)) is None or body is None:
        return
    if suffix == "xml":
        success.content = _content(("text/xml", _STRING))
    elif suffix == "json":
        success.content = _content(("application/json", body))
    else:  # {name} carries its own suffix: either
        success.content = _content(("application/json", body), ("text/xml", _STRING))
    errors = {400, 404} | ({403} if method == "post" else set())
    media = [("application/json", OPEN311_ERRORS)] if suffix != "xml" else []
    media += [("text/xml", _STRING)] if suffix != "json" else []
    for status in errors:
        refusal = OpenAPIResponse(description=REFUSALS[status], content=_content(*media))
        operation.responses[str(status)] = refusal


def _refusals(path: str, operation: Operation, method: str) -> None:
    statuses = {400}
    if "{" in path:
        statuses.add(404)
    if (path, method) in _REFUSING:
        statuses.add(422)
    for status in statuses:
        operation.responses.setdefault(str(status), OpenAPIResponse(
            description=REFUSALS[status], content=_content(("application/json", API_ERROR))))  # fmt: skip


def complete_openapi(openapi: OpenAPI) -> OpenAPI:
    """Fill in, in place, what the handlers' signatures do not say."""
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "post", "put", "patch", "delete"):
            operation: Operation | None = getattr(item, method)
            if operation is None:
                continue
            operation.responses = operation.responses or {}
            if path.startswith("/open311/"):
                _open311(path, operation, method)
            else:
                _refusals(path, operation, method)
                suffix = "." + path.rpartition(".")[2] if "." in path.rsplit("/", 1)[-1] else ""
                if suffix in FILE_TYPES and (success := _success(operation)) is not None:
                    success.content = _content(FILE_TYPES[suffix])
            concrete = re.sub(r"\{[^}]+\}", "1", path)  # a path as requested, to match LIMITED_PATHS
            if method == "post" and _LIMITED.fullmatch(concrete):
                media = "text/xml" if path.endswith(".xml") else "application/json"
                schema = _STRING if media == "text/xml" else (OPEN311_ERRORS if path.startswith("/open311/")
                                                             else API_ERROR)  # fmt: skip
                operation.responses["429"] = OpenAPIResponse(description=REFUSALS[429],
                                                             content=_content((media, schema)))  # fmt: skip
    return openapi
