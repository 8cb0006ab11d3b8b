"""Open311 GeoReport v2: every resource in JSON and XML against the spec's structure,
errors included; POST with an API key, a photo upload or a media_url."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from app.platform.tables import Report
from app.transparency.open311 import issue_key
from tests.photos_for_tests import jpeg
from tests.workspace_helpers import new_report

REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
                  "description", "agency_responsible", "service_notice", "requested_datetime",
                  "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
                  "long", "media_url"}  # fmt: skip
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}


@pytest.fixture
async def key(categories):
    return await issue_key("Test partner")


def xml(response) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml")
    return ET.fromstring(response.content)


def assert_offset(value: str) -> None:
    assert value[-6] in "+-" and value[-3] == ":", value  # 2026-11-20T09:00:00+07:00


async def test_discovery_and_services_in_both_formats(client, categories):
    discovery = (await client.get("/open311/v2/discovery.json")).json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2")
    root = xml(await client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery" and root.find("endpoints/endpoint/formats/format") is not None
    services = (await client.get("/open311/v2/services.json")).json()
    assert len(services) == 9 and all(set(s) == SERVICE_FIELDS for s in services)
    assert {s["service_code"] for s in services} >= {"roads", "lighting", "drainage"}
    root = xml(await client.get("/open311/v2/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == 9
    assert {c.tag for c in root.find("service")} == SERVICE_FIELDS
    definition = (await client.get("/open311/v2/services/roads.json")).json()
    assert definition == {"service_code": "roads", "attributes": []}


async def test_requests_list_and_one_in_both_formats(client, categories):
    report = await new_report()
    listed = (await client.get("/open311/v2/requests.json")).json()
    assert len(listed) == 1 and set(listed[0]) == REQUEST_FIELDS
    item = listed[0]
    assert item["service_request_id"] == report["code"] and item["status"] == "open"
    assert item["agency_responsible"] == "Phường Phù Liễn"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert_offset(item[field])
    assert "0912345678" not in str(listed)
    one = (
        await client.get(f"/open311/v2/requests/{report['code']}.json", params={"extensions": "true"})
    ).json()
    assert one[0]["extended_attributes"] == {"detailed_status": "received"}
    root = xml(await client.get("/open311/v2/requests.xml"))
    assert root.tag == "service_requests"
    assert {c.tag for c in root.find("request")} == REQUEST_FIELDS
    assert root.find("request/status").text == "open"


async def test_request_filters(client, categories):
    roads, lights = await new_report(), await new_report(category="lighting")
    get = client.get
    by_code = (await get("/open311/v2/requests.json", params={"service_code": "lighting"})).json()
    assert [r["service_request_id"] for r in by_code] == [lights["code"]]
    by_id = (await get("/open311/v2/requests.json", params={"service_request_id": roads["code"]})).json()
    assert [r["service_request_id"] for r in by_id] == [roads["code"]]
    assert (await get("/open311/v2/requests.json", params={"status": "closed"})).json() == []
    page = (await get("/open311/v2/requests.json", params={"page_size": 1, "page": 2})).json()
    assert len(page) == 1
    far = (await get("/open311/v2/requests.json", params={"bbox": "102,10,103,11"})).json()
    assert far == []
    old = (await get("/open311/v2/requests.json", params={"end_date": "2020-01-01T00:00:00+07:00"})).json()
    assert old == []


@pytest.mark.parametrize(
    ("path", "status"),
    [("/open311/v2/requests/HP-0000-0000.json", 404), ("/open311/v2/requests.json?status=maybe", 400),
     ("/open311/v2/requests.json?start_date=yesterday", 400), ("/open311/v2/services/nope.json", 404),
     ("/open311/v2/requests.json?page_size=5000", 400)],
)  # fmt: skip
async def test_errors_use_the_spec_format(client, categories, path, status):
    response = await client.get(path)
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    as_xml = await client.get(path.replace(".json", ".xml"))
    root = xml(as_xml)
    assert root.tag == "errors" and root.find("error/code").text == str(status)


async def test_post_needs_a_valid_key_and_creates_a_request(client, key, settings):
    fields = {"service_code": "roads", "lat": "20.7916", "long": "106.636", "description": "Ổ gà trước số 12",
              "email": "doi.tac@example.vn", "first_name": "Lan"}  # fmt: skip
    refused = await client.post("/open311/v2/requests.json", data={**fields, "api_key": "wrong"})
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    created = await client.post("/open311/v2/requests.json", data={**fields, "api_key": key},
                                files=[("media", ("a.jpg", jpeg(), "image/jpeg"))])  # fmt: skip
    assert created.status_code == 201
    answer = created.json()[0]
    row = await Report.select(Report.channel, Report.reporter_email, Report.ward.code).first()
    assert row == {"channel": "open311", "reporter_email": "doi.tac@example.vn", "ward.code": "11446"}
    token = (await client.get(f"/open311/v2/tokens/{answer['token']}.json")).json()
    assert token == [{"token": answer["token"], "service_request_id": answer["service_request_id"]}]
    public = (await client.get(f"/open311/v2/requests/{answer['service_request_id']}.json")).json()[0]
    assert public["media_url"].endswith(".jpg") and "doi.tac" not in str(public)
    bad = await client.post(
        "/open311/v2/requests.xml", data={**fields, "api_key": key, "service_code": "nope"}
    )
    assert bad.status_code == 400 and xml(bad).find("error/description").text


class _PhotoServer(BaseHTTPRequestHandler):
    body = jpeg()

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


async def test_post_fetches_media_url_only_where_allowed(client, client_with, key):
    server = HTTPServer(("127.0.0.1", 0), _PhotoServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/photo.jpg"
    fields = {"api_key": key, "service_code": "waste", "lat": "20.7916", "long": "106.636",
              "description": "Rác tràn ra đường", "media_url": url}  # fmt: skip
    try:
        private = await client.post("/open311/v2/requests.json", data=fields)
        assert private.status_code == 400 and "public address" in private.json()[0]["description"]
        async with client_with(open311_fetch_private=True) as gateway:
            fetched = await gateway.post("/open311/v2/requests.json", data=fields)
            assert fetched.status_code == 201, fetched.text
            code = fetched.json()[0]["service_request_id"]
            assert (await gateway.get(f"/open311/v2/requests/{code}.json")).json()[0]["media_url"]
    finally:
        server.shutdown()
