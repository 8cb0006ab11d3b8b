"""HTTP details (issue #14, item 11): HEAD wherever GET is, Allow on every 405, and an OpenAPI
schema that says what the operations really answer (lists as arrays, XML, CSV, GeoJSON and
Atom where they are served, the 4xx answers), so a generated client works."""

from __future__ import annotations

import pytest

from app.platform.tables import Report

# Pages and files a link checker or monitor may HEAD, with the status GET gives.
GET_ROUTES = [
    "/", "/map", "/reports/new", "/actions", "/login", "/me/", "/healthz", "/wards/11446",
    "/provinces/31", "/manifest.webmanifest", "/sw.js", "/favicon.ico", "/schema/openapi.json",
    "/api/v1/categories", "/api/v1/reports", "/open311/v2/services.json", "/open311/v2/services.xml",
    "/export/reports.csv", "/export/reports.geojson", "/wards/11446/feed.atom", "/no-such-page",
]  # fmt: skip


async def test_head_is_answered_wherever_get_is_with_its_status_and_headers_and_no_body(client, demo_data):
    code = (await Report.select(Report.code).first())["code"]
    for path in [*GET_ROUTES, f"/r/{code}", f"/api/v1/reports/{code}"]:
        got = await client.get(path)
        head = await client.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path


async def test_every_405_names_the_allowed_methods(client, categories):
    # path, method, the methods Allow must name (HEAD wherever GET is)
    cases = [
        ("/api/v1/categories", "DELETE", {"GET", "HEAD", "OPTIONS"}),
        ("/r/HP-2611-0001/support", "GET", {"POST", "OPTIONS"}),
        ("/open311/v2/requests.json", "PUT", {"GET", "HEAD", "POST", "OPTIONS"}),
    ]
    for path, method, allowed in cases:
        for accept in ("application/json", "text/html"):
            answer = await client.request(method, path, headers={"accept": accept})
            assert answer.status_code == 405, (path, method)
            assert {m.strip() for m in answer.headers["allow"].split(",")} == allowed, (path, accept)


@pytest.fixture
async def schema(client):
    return (await client.get("/schema/openapi.json")).json()


def _content(operation: dict, status: str) -> dict:
    return operation["responses"][status].get("content") or {}


async def test_openapi_declares_lists_as_arrays_and_the_formats_served(schema):
    paths = schema["paths"]
    for path in ("/open311/v2/services.json", "/open311/v2/requests.json"):
        body = _content(paths[path]["get"], "200")["application/json"]["schema"]
        assert body["type"] == "array", path
    created = _content(paths["/open311/v2/requests.json"]["post"], "201")["application/json"]["schema"]
    assert created["type"] == "array"
    for path in ("/open311/v2/services.xml", "/open311/v2/requests.xml", "/open311/v2/discovery.xml"):
        assert set(_content(paths[path]["get"], "200")) == {"text/xml"}, path
    for path in ("/open311/v2/services/{name}", "/open311/v2/requests/{name}", "/open311/v2/tokens/{name}"):
        assert set(_content(paths[path]["get"], "200")) == {"application/json", "text/xml"}, path
    assert set(_content(paths["/export/reports.csv"]["get"], "200")) == {"text/csv"}
    assert set(_content(paths["/export/reports.geojson"]["get"], "200")) == {"application/geo+json"}
    assert set(_content(paths["/wards/{code}/feed.atom"]["get"], "200")) == {"application/atom+xml"}


async def test_openapi_declares_the_4xx_answers(schema):
    paths = schema["paths"]
    # operation → the 4xx statuses it can answer, written out by hand
    expected = {
        ("/api/v1/reports", "post"): {"400", "422", "429"},
        ("/api/v1/reports/{code}", "get"): {"400", "404"},
        ("/api/v1/devices", "post"): {"400", "409", "429"},
        ("/api/v1/proposals/{proposal_id}/supports", "post"): {"400", "404", "429"},
        ("/open311/v2/requests.json", "post"): {"400", "403", "429"},
        ("/open311/v2/requests/{name}", "get"): {"400", "404"},
    }
    for (path, method), statuses in expected.items():
        declared = {s for s in paths[path][method]["responses"] if s.startswith("4")}
        assert statuses <= declared, (path, method, declared)


async def test_ids_past_an_id_column_in_any_path_are_a_400_not_a_500(client, categories):
    """Found by the schemathesis run: participation's {id:int} paths passed any integer to
    the database."""
    huge = "1534101116483232636183657007416344576"
    for path in (f"/api/v1/consultations/{huge}", f"/api/v1/inspection-requests/{huge}",
                 f"/api/v1/proposals/{huge}", f"/consultations/{huge}", f"/proposals/{huge}"):  # fmt: skip
        answer = await client.get(path, headers={"accept": "application/json"})
        assert answer.status_code == 400, path
        assert "2147483647" in answer.json()["detail"], path
    # In range but absent: still a 404.
    assert (await client.get("/api/v1/consultations/2147483647")).status_code == 404
