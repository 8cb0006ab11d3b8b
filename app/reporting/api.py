"""The JSON API, /api/v1, as DESIGN.md fixes it. Public views only: no contact data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import Body, FromPath, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_422_UNPROCESSABLE_ENTITY

from app.accounts.residents import device_person_id
from app.casework.live import announce_new
from app.platform.i18n import gettext as _
from app.platform.params import Offset
from app.platform.photos import media_stores
from app.platform.settings import Settings
from app.reporting.filters import provide_report_filter
from app.reporting.forms import read_submission
from app.reporting.lookups import public_report
from app.reporting.public import (
    BY_WARD_BELOW_ZOOM,
    ReportFilter,
    category_list,
    clusters,
    list_reports,
    report_view,
    unit_clusters,
)
from app.reporting.routing import OutsideVietnam, locator
from app.reporting.submission import SubmissionError, submit


@dataclass
class ReportUpload:
    """The multipart fields of a new report, as the OpenAPI schema shows them. The handler
    reads the form itself, so that every problem comes back as one message per field."""

    category: str
    description: str
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    ward_code: str | None = None
    photos: list[UploadFile] = field(default_factory=list)
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    show_name: bool = False


FILTERED = {"report_filter": Provide(provide_report_filter)}
SINGLE_MARKERS_FROM_ZOOM = 15
MAP_MARKER_LIMIT = 1000


class SubmissionRefused(HTTPException):
    status_code = HTTP_422_UNPROCESSABLE_ENTITY


class ApiV1(Controller):
    path = "/api/v1"
    tags = ["api"]

    @get("/categories", summary="Categories of problems and their deadlines")
    async def categories(self) -> list[dict]:
        return [
            {k: c[k] for k in ("code", "name_vi", "name_en", "deadline_working_days")}
            | {"deadline_hours": c["deadline_hours"]}
            for c in await category_list()
        ]

    @get("/wards/locate", summary="The ward that receives reports made at a point")
    async def locate(
        self,
        lat: Annotated[float, QueryParameter(ge=-90, le=90)],
        lon: Annotated[float, QueryParameter(ge=-180, le=180)],
    ) -> dict:
        try:
            match = (await locator()).locate(lat, lon, neighbours=True)
        except OutsideVietnam as outside:
            raise SubmissionRefused(detail=str(outside)) from None
        ward = match.ward
        return {
            "code": ward.code,
            "name": ward.name,
            "province": {"code": ward.province_code, "name": ward.province_name},
            "by_boundary": match.by_boundary,
            "alternatives": [{"code": w.code, "name": w.name} for w in match.alternatives],
        }

    @post(
        "/reports",
        summary="File a report (multipart/form-data; photos as repeated `photos` parts)",
        description="Fields: category, description, lat, lon (optional when a photo carries GPS "
        "or `address` is given), address, ward_code, photos, name, phone, email, show_name. "
        "Send an `Idempotency-Key` header: a retry with the same key returns the same report.",
        status_code=HTTP_201_CREATED,
    )
    async def create(
        self,
        request: Request,
        data: Annotated[ReportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        settings: NamedDependency[Settings],
    ) -> Response:
        try:
            submission = await read_submission(request, channel="app")
            submission.reporter_id = await device_person_id(request)
            outcome = await submit(submission, *media_stores(settings))
        except SubmissionError as error:
            raise SubmissionRefused(
                detail=" ".join(error.errors.values()), extra={"errors": error.errors}
            ) from None
        report = outcome.report
        if outcome.created:
            await announce_new(request, report)
        ward = (await report_view(report["code"]))["ward"]
        return Response(
            {
                "code": report["code"],
                "status": report["status"],
                "ward": {"code": ward["code"], "name": ward["name"]},
                "deadline": report["deadline"].isoformat(),
                "url": settings.link(f"/r/{report['code']}"),
            },
            status_code=HTTP_201_CREATED if outcome.created else HTTP_200_OK,
        )

    @get("/reports/{code:str}", summary="One report, public view")
    async def read(self, code: FromPath[str]) -> dict:
        return await public_report(code)

    @get("/reports", summary="Public reports, newest first, filtered", dependencies=FILTERED)
    async def search(
        self,
        report_filter: NamedDependency[ReportFilter],
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
        offset: Offset = 0,
    ) -> list[dict]:
        return await list_reports(report_filter, limit=limit, offset=offset)

    @get("/map", summary="What the public map shows: clusters when zoomed out, reports when in",
         dependencies=FILTERED)  # fmt: skip
    async def map_layer(
        self,
        report_filter: NamedDependency[ReportFilter],
        zoom: Annotated[int, QueryParameter(ge=0, le=22)],
    ) -> dict:
        if report_filter.bbox is None:
            raise ValidationException(_("bbox must be four numbers: west,south,east,north"))
        if zoom >= SINGLE_MARKERS_FROM_ZOOM:
            return {"reports": [
                {k: r[k] for k in ("code", "status", "lat", "lon")} | {"category": r["category"]["code"]}
                for r in await list_reports(report_filter, limit=MAP_MARKER_LIMIT)
            ]}  # fmt: skip
        if zoom < BY_WARD_BELOW_ZOOM:
            return {"clusters": await unit_clusters(report_filter, zoom)}
        return {"clusters": await clusters(report_filter, zoom)}
