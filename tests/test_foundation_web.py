"""The running application: health, pages in both languages, static files, schema."""

from __future__ import annotations

from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

from app.demo import DEMO_RESIDENTS


async def test_healthz_answers_200_when_the_database_answers(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_answers_503_when_the_database_is_gone(client, settings):
    engine = engine_finder()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
        dsn = engine.config["dsn"]
        engine.config["dsn"] = dsn.rsplit("/", 1)[0] + "/gandan_no_such_database"
        try:
            response = await client.get("/healthz")
        finally:
            engine.config["dsn"] = dsn
            await engine.start_connection_pool()
    else:
        path = settings.sqlite_path
        moved = path.with_suffix(".away")
        path.rename(moved)
        try:
            response = await client.get("/healthz")
        finally:
            moved.rename(path)
        assert not path.with_suffix(".away").exists()
    assert response.status_code == 503
    assert response.json()["database"] == "not answering"
    assert (await client.get("/healthz")).status_code == 200


async def test_home_page_in_vietnamese_names_the_demo_wards_and_reports(demo_data, client):
    response = await client.get("/")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="vi">' in html
    assert "Phản ánh vấn đề ở xã, phường của bạn" in html
    for ward in ("Phù Liễn", "Kiến An", "An Hải", "Thiên Hương", "An Trường"):
        assert ward in html
    assert html.count('class="report-card"') == 12
    assert "HP-" in html


async def test_home_page_in_english_by_query_cookie_and_browser(demo_data, client):
    response = await client.get("/?lang=en")
    assert '<html lang="en">' in response.text
    assert "Report a problem in your ward" in response.text
    assert "lang=en" in response.headers["set-cookie"]
    # The choice is remembered by the cookie on the next visit.
    assert '<html lang="en">' in (await client.get("/")).text
    client.cookies.clear()
    browser = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Report a problem in your ward" in browser.text
    client.cookies.clear()
    assert '<html lang="vi">' in (await client.get("/")).text


async def test_public_report_page_shows_progress_but_no_contact_data(demo_data, client):
    from app.platform.tables import Report

    for report in await Report.select(Report.code, Report.show_name, Report.reporter_name):
        html = (await client.get(f"/r/{report['code']}")).text
        assert report["code"] in html
        for _name, phone, email in DEMO_RESIDENTS:
            assert phone not in html
            assert not email or email not in html
        if not report["show_name"]:
            assert report["reporter_name"] not in html


async def test_unknown_report_is_a_404_page_that_says_what_was_asked(client, database):
    response = await client.get("/r/HP-0000-9999", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "HP-0000-9999" in response.text and "<html" in response.text
    api_style = await client.get("/r/HP-0000-9999")
    assert api_style.json()["detail"] == "Không có phản ánh nào mang mã HP-0000-9999."


async def test_vendored_htmx_and_photos_are_served(demo_data, client):
    htmx = await client.get("/static/vendor/htmx-2.0.11.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text[:2000]
    html = (await client.get("/")).text
    thumbnail = html.split('src="/media/', 1)[1].split('"', 1)[0]
    photo = await client.get(f"/media/{thumbnail}")
    assert thumbnail.endswith(".thumb.jpg")
    assert photo.status_code == 200 and photo.content[:3] == b"\xff\xd8\xff"


async def test_openapi_schema_is_published(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["info"]["title"] == "Gần Dân API"
    assert "/healthz" in schema["paths"]
