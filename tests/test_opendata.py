"""The public map layer, the exports and the feeds: filters, round trips, no personal data."""

from __future__ import annotations

import csv
import io
import math
import re
import xml.etree.ElementTree as ET
from itertools import pairwise

import pytest

from app.demo import DEMO_RESIDENTS
from app.platform.tables import Report


@pytest.fixture
async def demo(demo_data, client):
    return client


async def test_map_layer_clusters_when_zoomed_out_and_lists_when_in(demo):
    far = (await demo.get("/api/v1/map", params={"bbox": "102,8,118,24", "zoom": 5})).json()
    assert sum(c["count"] for c in far["clusters"]) == await Report.count()
    assert len(far["clusters"]) == 1  # from that far, a province is one spot
    wards = (await demo.get("/api/v1/map", params={"bbox": "106,20.5,107,21.2", "zoom": 9})).json()
    assert len(wards["clusters"]) == 5  # the five demo wards, at their centroids
    grid = (await demo.get("/api/v1/map", params={"bbox": "106.4,20.7,106.8,20.95", "zoom": 12})).json()
    assert sum(c["count"] for c in grid["clusters"]) == await Report.count()
    near = (await demo.get("/api/v1/map", params={"bbox": "106.4,20.7,106.8,20.95", "zoom": 16,
                                                  "status": "closed"})).json()  # fmt: skip
    closed = await Report.count().where(Report.status == "closed")
    assert len(near["reports"]) == closed and {r["status"] for r in near["reports"]} == {"closed"}
    assert (await demo.get("/api/v1/map", params={"zoom": 5})).status_code == 400
    assert (await demo.get("/api/v1/map", params={"bbox": "1,2,3", "zoom": 5})).status_code == 400


async def test_zoomed_out_clusters_are_the_wards_whose_centre_is_in_the_box(demo):
    """Cut boxes through the demo wards every way: each answer holds exactly the wards whose
    centroid lies inside, each with its reports recounted from the rows."""
    per_ward = {}
    for row in await Report.select(Report.ward.lat, Report.ward.lon):
        spot = (round(row["ward.lat"], 5), round(row["ward.lon"], 5))
        per_ward[spot] = per_ward.get(spot, 0) + 1
    lats, lons = sorted({lat for lat, _ in per_ward}), sorted({lon for _, lon in per_ward})
    held = 0  # boxes that held a ward
    edges_lat = [lats[0] - 0.1, *((a + b) / 2 for a, b in pairwise(lats)), lats[-1] + 0.1]
    edges_lon = [lons[0] - 0.1, *((a + b) / 2 for a, b in pairwise(lons)), lons[-1] + 0.1]
    for south, north in zip(edges_lat, edges_lat[2:], strict=False):  # each box two wards high, then one wide
        for west, east in [(edges_lon[0], edges_lon[-1]), *pairwise(edges_lon)]:
            answer = (await demo.get("/api/v1/map", params={
                "bbox": f"{west},{south},{east},{north}", "zoom": 9})).json()  # fmt: skip
            expected = {spot: n for spot, n in per_ward.items()
                        if south <= spot[0] <= north and west <= spot[1] <= east}  # fmt: skip
            assert {(c["lat"], c["lon"]): c["count"] for c in answer["clusters"]} == expected
            held += bool(expected)
    assert held, "some boxes must hold a demo ward"


@pytest.mark.parametrize("status", [None, "closed"])
async def test_the_grid_counts_every_report_in_the_cells_the_view_touches(demo, status):
    """Zoom 12, read from the kept cells: each cell the box touches, counted whole, with its
    reports' mean position, grouped here by hand from the rows."""
    answer = await _grid(demo, status=status)
    rows = await Report.select(Report.lat, Report.lon, Report.status)
    assert answer == _grouped(_in_touched_cells(rows), status=status)


async def test_the_grid_with_a_category_groups_only_the_reports_inside_the_view(demo):
    """A filter the cells do not keep (a category) groups the reports themselves: cut at the
    view's edge."""
    rows = await Report.select(Report.lat, Report.lon, Report.status).where(Report.category.code == "roads")
    inside = [
        r for r in rows if GRID_BOX[1] <= r["lat"] <= GRID_BOX[3] and GRID_BOX[0] <= r["lon"] <= GRID_BOX[2]
    ]
    assert len(inside) < len(_in_touched_cells(rows)), "the box must cut a cell for this to tell"
    assert await _grid(demo, category="roads") == _grouped(inside)


def test_the_kept_grid_is_the_map_s_grid():
    from app.reporting.api import BY_WARD_BELOW_ZOOM, SINGLE_MARKERS_FROM_ZOOM
    from app.reporting.counters import GRID_ZOOMS

    assert GRID_ZOOMS == range(BY_WARD_BELOW_ZOOM, SINGLE_MARKERS_FROM_ZOOM)


GRID_BOX = (106.62, 20.80, 106.70, 20.86)  # west, south, east, north: cuts through the demo's reports
CELL_12 = 360 / 2**12 / 256 * 60


def _cell(row: dict) -> tuple[int, int]:
    return math.floor((row["lat"] + 90) / CELL_12), math.floor((row["lon"] + 180) / CELL_12)


def _in_touched_cells(rows: list[dict]) -> list[dict]:
    west, south, east, north = GRID_BOX
    (lowest, leftmost), (highest, rightmost) = (
        _cell({"lat": south, "lon": west}),
        _cell({"lat": north, "lon": east}),
    )
    return [r for r in rows if lowest <= _cell(r)[0] <= highest and leftmost <= _cell(r)[1] <= rightmost]


def _grouped(rows: list[dict], status: str | None = None) -> dict:
    """{(mean lat, mean lon): count} of these rows (of this status) per zoom-12 cell."""
    grouped: dict[tuple, list] = {}
    for r in rows:
        if status in (None, r["status"]):
            grouped.setdefault(_cell(r), []).append((r["lat"], r["lon"]))
    assert grouped, "the box must hold some of the demo's reports"
    return {(round(sum(a for a, _ in v) / len(v), 5), round(sum(o for _, o in v) / len(v), 5)): len(v)
            for v in grouped.values()}  # fmt: skip


async def _grid(demo, **filters) -> dict:
    params = {"bbox": ",".join(map(str, GRID_BOX)), "zoom": 12} | {k: v for k, v in filters.items() if v}
    answer = (await demo.get("/api/v1/map", params=params)).json()
    return {(c["lat"], c["lon"]): c["count"] for c in answer["clusters"]}


async def test_csv_export_round_trips_and_honours_filters(demo):
    response = await demo.get("/export/reports.csv", params={"ward": "11446"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    stored = {r["code"]: r for r in await Report.select(Report.code, Report.lat, Report.status)
              .where(Report.ward.code == "11446")}  # fmt: skip
    assert {r["code"] for r in rows} == set(stored)
    for row in rows:
        assert float(row["lat"]) == pytest.approx(stored[row["code"]]["lat"])
        assert row["status"] == stored[row["code"]]["status"] and row["ward"] == "Phường Phù Liễn"


async def test_geojson_export_round_trips(demo):
    collection = (await demo.get("/export/reports.geojson", params={"category": "waste"})).json()
    assert collection["type"] == "FeatureCollection"
    codes = {f["properties"]["code"] for f in collection["features"]}
    assert codes == {
        r["code"] for r in await Report.select(Report.code).where(Report.category.code == "waste")
    }
    lon, lat = collection["features"][0]["geometry"]["coordinates"]
    assert 106 < lon < 107 and 20 < lat < 21


async def test_atom_feeds_per_ward_and_category(demo):
    atom = "{http://www.w3.org/2005/Atom}"
    ward = ET.fromstring((await demo.get("/wards/11446/feed.atom")).content)
    entries = ward.findall(f"{atom}entry")
    assert entries and all("Phù Liễn" in e.find(f"{atom}title").text for e in entries)
    published = [e.find(f"{atom}published").text for e in entries]
    assert published == sorted(published, reverse=True)
    category = ET.fromstring((await demo.get("/categories/roads/feed.atom")).content)
    assert category.find(f"{atom}title").text.endswith("Đường sá, cầu cống, vỉa hè")
    assert (await demo.get("/categories/nope/feed.atom")).status_code == 404


async def test_no_open_data_surface_carries_personal_data(demo):
    rows = await Report.select(Report.reporter_name, Report.show_name)
    # Names that no report shows publicly (a resident may show their name on another report).
    reporter_names = {r["reporter_name"] for r in rows} - {r["reporter_name"] for r in rows if r["show_name"]}
    codes = [r["code"] for r in await Report.select(Report.code)]
    from app.platform.tables import Comment, Consultation

    consultation_ids = [c["id"] for c in await Consultation.select(Consultation.id)]
    # The demo's residents answered and commented: their comments are public, they are not.
    assert consultation_ids and await Comment.count() >= 3
    paths = ["/map", "/export/reports.csv", "/export/reports.geojson", "/wards/11446/feed.atom",
             "/categories/roads/feed.atom", "/api/v1/map?bbox=106,20,107,21&zoom=16", "/wards/11446",
             "/provinces/31", "/api/v1/reports?limit=1000", "/", "/actions", "/open311/v2/requests.json",
             "/open311/v2/requests.xml?extensions=true",
             *[f"/r/{c}" for c in codes], *[f"/api/v1/reports/{c}" for c in codes],
             "/wards/11446/participation", "/wards/11446/consultations.atom",
             "/api/v1/consultations?ward=11446",
             *[p for c in consultation_ids for p in (f"/consultations/{c}", f"/api/v1/consultations/{c}",
                                                      f"/api/v1/consultations/{c}/comments")]]  # fmt: skip
    from app.platform.tables import InspectionRequest, Person, Proposal

    # Proposals and the inspection board: who proposed, supported or asked is never shown.
    proposal_ids = [p["id"] for p in await Proposal.select(Proposal.id)]
    request_ids = [r["id"] for r in await InspectionRequest.select(InspectionRequest.id)]
    assert proposal_ids and request_ids
    states = ("open", "due", "answered", "in_progress", "done", "expired")
    participation = [*[f"/wards/11446/proposals?state={s}" for s in states],
                     "/wards/11446/proposals.atom", "/wards/11446/inspection", "/api/v1/proposals?ward=11446",
                     "/api/v1/inspection-requests?ward=11446",
                     *[f"/proposals/{i}" for i in proposal_ids],
                     *[f"/api/v1/proposals/{i}" for i in proposal_ids],
                     *[f"/api/v1/proposals/{i}/comments" for i in proposal_ids],
                     *[f"/api/v1/inspection-requests/{i}" for i in request_ids]]  # fmt: skip
    paths += participation
    from app.participation.survey import answered_periods
    from app.platform.tables import SurveyAnswer, Ward

    # The satisfaction survey: its comments are for the ward's staff, never on a public surface.
    ward_id = (await Ward.select(Ward.id).where(Ward.code == "11446").first())["id"]
    periods = [p.key for p, _ in await answered_periods(ward_id)]
    survey_comments = {r["comment"] for r in await SurveyAnswer.select(SurveyAnswer.comment)} - {""}
    assert len(periods) >= 2 and survey_comments
    survey_paths = ["/wards/11446/survey", "/api/v1/wards/11446/survey",
                    *[f"/wards/11446/survey?period={k}" for k in periods],
                    *[f"/api/v1/wards/11446/survey?period={k}" for k in periods]]  # fmt: skip
    paths += survey_paths
    for path in [*survey_paths, "/wards/11446", "/wards/11446/participation", "/provinces/31"]:
        text = (await demo.get(path)).text
        assert not any(comment in text for comment in survey_comments), path
    proposer_rows = await Proposal.select(Proposal.proposer.display_name)
    proposers = {p["proposer.display_name"] for p in proposer_rows} - {""}
    assert proposers
    # Residents discussed a proposal; the comment three of them flagged awaits the moderator.
    assert await Comment.count().where(Comment.target_kind == "proposal") == 3
    for path in participation:
        text = (await demo.get(path)).text
        assert not any(name in text for name in proposers), path
        assert "sim số đẹp" not in text, path

    # What the ward lead redacted from a description and the photo they hid (demo data).
    from app.reporting.moderation import withheld_photos

    moderated = await Report.select().where(Report.idempotency_key == "demo-moderation-11446").first()
    assert moderated["description_state"] == "redacted"
    removed = ["15C-123.45", "0987654321", "anh Tuấn"]
    hidden = sorted(withheld_photos(moderated))
    assert len(hidden) == 1
    assert (await demo.get(f"/media/{hidden[0][:2]}/{hidden[0]}.jpg")).status_code == 410
    assert (await demo.get(f"/media/{hidden[0][:2]}/{hidden[0]}.thumb.jpg")).status_code == 410

    from app.platform.tables import BallotCode, Household, HouseholdDecision

    # Household decisions: no household, code (or its hash) or voter on any public surface.
    decision_ids = [d["id"] for d in await HouseholdDecision.select(HouseholdDecision.id)]
    assert len(decision_ids) >= 2
    voting = ["/api/v1/decisions?ward=11446", "/vote", *[f"/decisions/{i}" for i in decision_ids],
              *[f"/api/v1/decisions/{i}" for i in decision_ids]]  # fmt: skip
    paths += voting
    hashes = [c["code_hash"] for c in await BallotCode.select(BallotCode.code_hash) if c["code_hash"]]
    labels = {h["label"] for h in await Household.select(Household.label)}
    assert hashes and labels
    for path in voting:
        response = await demo.get(path)
        assert response.status_code == 200, path
        text = response.text
        assert not any(h in text for h in hashes), path
        assert not any(re.search(rf"\b{re.escape(label)}\b", text) for label in labels), path

    device_ids = [p["device_identity"] for p in await Person.select(Person.device_identity)
                  .where(Person.device_identity.is_not_null())]  # fmt: skip
    assert device_ids
    for path in paths:
        text = (await demo.get(path)).text
        digits = re.sub(r"\D", "", text)
        for name, phone, email in DEMO_RESIDENTS:
            assert re.sub(r"\D", "", phone) not in digits, path
            assert not email or email not in text, path
            if name in reporter_names:
                assert name not in text, path
        assert not any(device in text for device in device_ids), path
        assert not any(part in text for part in removed[::2]) and removed[1] not in digits, path
        assert hidden[0] not in text, path
