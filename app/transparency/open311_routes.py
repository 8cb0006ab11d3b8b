"""Open311 GeoReport v2 at /open311/v2/, in JSON and XML, with the spec's error format.

Extensions beyond the core spec, as other cities offer them: page/page_size, updated_after/
updated_before, bbox, and extensions=true for our detailed status. POST takes a photo as a
`media` upload or fetches `media_url`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import httpx
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import FromPath

from app.platform import clock
from app.platform.errors import log_server_error, server_error_message
from app.platform.photos import MAX_UPLOAD_BYTES, media_stores
from app.platform.settings import Settings
from app.platform.text import LONG_TEXT, SHORT_TEXT, TextTooLong, clean_text
from app.reporting.filters import parse_bbox
from app.reporting.public import ReportFilter
from app.reporting.submission import MAX_ADDRESS, MAX_NAME, Submission, SubmissionError, submit
from app.transparency.open311 import (
    SPECIFICATION,
    RequestQuery,
    as_requests,
    code_for_token,
    find_requests,
    iso,
    key_is_valid,
    request_rows,
    service_exists,
    services,
)

MEDIA_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
DEFAULT_DAYS = 90
MAX_PAGE_SIZE = 1000


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status, self.description = status, description


def _split(name: str) -> tuple[str, str]:
    """'HP-2611-0001.json' → ('HP-2611-0001', 'json')."""
    stem, _, fmt = name.rpartition(".")
    if fmt not in MEDIA_TYPES or not stem:
        raise Open311Error(404, "Add .json or .xml to the resource name")
    return stem, fmt


def _xml(root_name: str, item_name: str, items: list[dict]) -> bytes:
    root = ET.Element(root_name)
    for item in items:
        node = ET.SubElement(root, item_name)
        _fill(node, item)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _fill(node: ET.Element, item: dict) -> None:
    for key, value in item.items():
        child = ET.SubElement(node, key)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            for entry in value:
                _fill(ET.SubElement(child, key.rstrip("s") or key), entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _answer(fmt: str, root: str, item: str, items: list[dict], status: int = 200) -> Response:
    body = items if fmt == "json" else _xml(root, item, items)
    return Response(body, status_code=status, media_type=MEDIA_TYPES[fmt])


def _error(fmt: str, error: Open311Error) -> Response:
    items = [{"code": error.status, "description": error.description}]
    return _answer(fmt if fmt in MEDIA_TYPES else "json", "errors", "error", items, status=error.status)


def _fmt_of(path: str) -> str:
    return path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else "json"


@get(["/discovery.json", "/discovery.xml"], summary="Open311 discovery")
async def discovery(request: Request, settings: NamedDependency[Settings]) -> Response:
    fmt = _fmt_of(request.url.path)
    base = settings.link("/open311/v2")
    changeset = iso(datetime(2026, 11, 21, tzinfo=clock.VIETNAM))
    doc = {
        "changeset": changeset, "contact": settings.public_url,
        "key_service": "API keys are issued by the installation's administrators.",
        "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": changeset,
                       "type": "production", "formats": ["application/json", "text/xml"]}],
    }  # fmt: skip
    if fmt == "json":
        return Response(doc, media_type=MEDIA_TYPES["json"])
    root = ET.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        ET.SubElement(root, key).text = doc[key]
    endpoints = ET.SubElement(root, "endpoints")
    for endpoint in doc["endpoints"]:
        node = ET.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            ET.SubElement(node, key).text = endpoint[key]
        formats = ET.SubElement(node, "formats")
        for media_type in endpoint["formats"]:
            ET.SubElement(formats, "format").text = media_type
    return Response(ET.tostring(root, encoding="utf-8", xml_declaration=True), media_type=MEDIA_TYPES["xml"])


@get(["/services.json", "/services.xml"], summary="Open311 service list")
async def service_list(request: Request) -> Response:
    return _answer(_fmt_of(request.url.path), "services", "service", await services())


@get("/services/{name:str}", summary="Open311 service definition")
async def service_definition(request: Request, name: FromPath[str]) -> Response:
    code, fmt = _split(name)
    if not await service_exists(code):
        raise Open311Error(404, f"No service has the code {code}")
    definition = {"service_code": code, "attributes": []}
    if fmt == "json":
        return Response(definition, media_type=MEDIA_TYPES["json"])
    root = ET.Element("service_definition")
    ET.SubElement(root, "service_code").text = code
    ET.SubElement(root, "attributes")
    return Response(ET.tostring(root, encoding="utf-8", xml_declaration=True), media_type=MEDIA_TYPES["xml"])


def _datetime(params, name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C datetime, e.g. 2026-11-01T00:00:00+07:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.VIETNAM)
    try:
        moment.astimezone(UTC)  # the database compares in UTC: year 1 at +07:00 is before year 1
    except OverflowError:
        raise Open311Error(400, f"{name} is out of range: give a date from year 2 to 9999") from None
    return moment


def _int(params, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise Open311Error(400, f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _request_query(params) -> RequestQuery:
    """The spec's query parameters and the common extensions, checked."""
    page_size = _int(params, "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = _int(params, "page", 1, 1, 1_000_000)
    if codes := [i.strip().upper() for i in (params.get("service_request_id") or "").split(",") if i.strip()]:
        return RequestQuery(codes=tuple(codes), page=page, page_size=page_size)
    start, end = _datetime(params, "start_date"), _datetime(params, "end_date")
    if not start and not end:
        start = clock.now() - timedelta(days=DEFAULT_DAYS)
    statuses = {s for s in (params.get("status") or "").split(",") if s}
    if not statuses <= {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both")
    try:
        bbox = parse_bbox(params.get("bbox"))
    except ValidationException:
        raise Open311Error(400, "bbox must be four numbers: west,south,east,north") from None
    chosen = ReportFilter(
        bbox=bbox, since=start, until=end,
        is_open=(statuses == {"open"}) if len(statuses) == 1 else None,
        categories=tuple(c for c in (params.get("service_code") or "").split(",") if c),
    )  # fmt: skip
    return RequestQuery(
        filter=chosen, updated_after=_datetime(params, "updated_after"),
        updated_before=_datetime(params, "updated_before"), page=page, page_size=page_size,
    )  # fmt: skip


@get(["/requests.json", "/requests.xml"], summary="Open311 service requests")
async def request_list(request: Request, settings: NamedDependency[Settings]) -> Response:
    fmt, params = _fmt_of(request.url.path), request.query_params
    rows = await find_requests(_request_query(params))
    items = await as_requests(rows, settings.link("/").rstrip("/"), params.get("extensions") == "true")
    return _answer(fmt, "service_requests", "request", items)


@get("/requests/{name:str}", summary="Open311 one service request")
async def request_one(request: Request, name: FromPath[str], settings: NamedDependency[Settings]) -> Response:
    code, fmt = _split(name)
    rows = await request_rows(code)
    if not rows:
        raise Open311Error(404, f"No service request has the id {code}")
    items = await as_requests(
        rows, settings.link("/").rstrip("/"), request.query_params.get("extensions") == "true"
    )
    return _answer(fmt, "service_requests", "request", items)


@get("/tokens/{name:str}", summary="Open311 token → service request id")
async def token(name: FromPath[str]) -> Response:
    value, fmt = _split(name)
    code = await code_for_token(value)
    if code is None:
        raise Open311Error(404, f"No request was made with the token {value}")
    return _answer(fmt, "service_requests", "request", [{"token": value, "service_request_id": code}])


# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits, as does the deprecated
# IPv4-compatible form; ipaddress counts both as global whatever the IPv4 address inside.
_EMBEDDING_IPV4 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: a site's own translator
MEDIA_FETCH_SECONDS = 20.0


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if not address.is_global:
        return False
    if address.version == 4:
        return True
    if address in _LOCAL_NAT64:
        return False
    embedded = address.ipv4_mapped or address.sixtofour
    if embedded is None and any(address in network for network in _EMBEDDING_IPV4):
        embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return embedded is None or embedded.is_global


async def _resolve(host: str, port: int) -> list[str]:
    """The host's addresses, looked up in the loop's executor (getaddrinfo blocks)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


async def _checked_address(host: str, port: int, allow_private: bool) -> str:
    """The one address to connect to, resolved once: a second lookup by the HTTP client could
    answer differently (DNS rebinding) and reach what the check refused."""
    try:
        addresses = await _resolve(host, port)
    except (OSError, UnicodeError):  # a label over 63 characters or an empty one is UnicodeError
        raise Open311Error(400, "media_url's host could not be found") from None
    if not addresses or not (
        allow_private or all(_is_public(ipaddress.ip_address(a.split("%")[0])) for a in addresses)
    ):
        raise Open311Error(400, "media_url must point to a public address")
    return addresses[0]


async def fetch_media(url: str, allow_private: bool, deadline: float = MEDIA_FETCH_SECONDS) -> bytes:
    """A partner's photo by URL: http(s), public addresses only (unless allowed for a private
    gateway), 20 MB and `deadline` seconds in all at most."""
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL:
        raise Open311Error(400, "media_url must be an http or https URL") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise Open311Error(400, "media_url must be an http or https URL")
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        async with asyncio.timeout(deadline):
            address = await _checked_address(target.host, port, allow_private)
            # The connection goes to the checked address; the Host header and, for TLS, the
            # server name and certificate check still use the URL's host.
            host_header = target.netloc.decode("ascii").rpartition("@")[2]
            async with httpx.AsyncClient(timeout=deadline, follow_redirects=False) as http:
                async with http.stream(
                    "GET", target.copy_with(host=address), headers={"Host": host_header},
                    extensions={"sni_hostname": target.host},
                ) as response:  # fmt: skip
                    if response.status_code != 200:
                        raise Open311Error(400, f"media_url answered {response.status_code}")
                    data = bytearray()
                    async for chunk in response.aiter_bytes():
                        data += chunk
                        if len(data) > MAX_UPLOAD_BYTES:
                            raise Open311Error(400, "the photo at media_url is larger than 20 MB")
                    return bytes(data)
    except TimeoutError:
        raise Open311Error(400, f"media_url took longer than {deadline:g} seconds to fetch") from None
    except httpx.HTTPError:
        raise Open311Error(400, "media_url could not be fetched") from None


@post(["/requests.json", "/requests.xml"], summary="Open311: create a service request", status_code=201)
async def create_request(request: Request, settings: NamedDependency[Settings]) -> Response:
    fmt = _fmt_of(request.url.path)
    form = await request.form()
    if not await key_is_valid(form.get("api_key")):
        raise Open311Error(403, "A valid api_key is required to create requests")
    code = clean_text(form.get("service_code"), SHORT_TEXT, "service_code")
    if not code:
        raise Open311Error(400, "service_code is required")
    photos = []
    media = form.get("media")
    if isinstance(media, UploadFile) and media.filename:
        photos.append(await media.read(MAX_UPLOAD_BYTES + 1))
    elif form.get("media_url"):
        photos.append(await fetch_media(form.get("media_url"), settings.open311_fetch_private))
    try:
        lat = float(form["lat"]) if form.get("lat") else None
        lon = float(form["long"]) if form.get("long") else None
    except ValueError:
        raise Open311Error(400, "lat and long must be numbers") from None
    if (lat is not None and not -90 <= lat <= 90) or (lon is not None and not -180 <= lon <= 180):
        raise Open311Error(400, "lat must be from -90 to 90 and long from -180 to 180")
    if (lat is None) != (lon is None):
        raise Open311Error(400, "give both lat and long, or address_string")
    request_token = uuid.uuid4().hex
    try:
        name = " ".join(p for p in (clean_text(form.get("first_name"), MAX_NAME, "first_name"),
                                    clean_text(form.get("last_name"), MAX_NAME, "last_name")) if p)
        submission = Submission(
            category=code, description=clean_text(form.get("description"), LONG_TEXT, "description",
                                                  multiline=True),
            lat=lat, lon=lon, address=clean_text(form.get("address_string"), MAX_ADDRESS, "address_string"),
            photos=photos, name=name, phone=clean_text(form.get("phone"), SHORT_TEXT, "phone"),
            email=clean_text(form.get("email"), SHORT_TEXT, "email"), channel="open311",
            idempotency_key=f"open311:{request_token}",
        )
    except TextTooLong as too_long:
        raise Open311Error(400, str(too_long)) from None
    try:
        outcome = await submit(submission, *media_stores(settings))
    except SubmissionError as error:
        raise Open311Error(400, " ".join(f"{k}: {v}" for k, v in error.errors.items())) from None
    item = {"service_request_id": outcome.report["code"], "token": request_token, "service_notice": "",
            "account_id": ""}  # fmt: skip
    return _answer(fmt, "service_requests", "request", [item], status=201)


def _on_error(request: Request, error: Exception) -> Response:
    """Every Open311 failure answers in the spec's error format, in the asked format (with the
    refusal's headers: Retry-After on a 429)."""
    headers = {}
    if isinstance(error, HTTPException):
        headers = error.headers or {}
        error = Open311Error(error.status_code, str(error.detail))
    elif not isinstance(error, Open311Error):
        error = Open311Error(500, server_error_message(log_server_error(request, error)))
    response = _error(_fmt_of(request.url.path), error)
    response.headers.update(headers)
    return response


open311_router = Router(
    path="/open311/v2",
    route_handlers=[
        discovery,
        service_list,
        service_definition,
        request_list,
        request_one,
        token,
        create_request,
    ],
    tags=["open311"],
    exception_handlers={Open311Error: _on_error, HTTPException: _on_error, Exception: _on_error},
)
