"""Public transparency pages: a ward's service index, a province's ranking of its wards."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from app.accounts.residents import device_person_id, ensure_device_person
from app.participation.figures import participation_figures
from app.participation.inspection import supervision_reports
from app.participation.survey import MINIMUM_ANSWERS as SURVEY_MINIMUM
from app.participation.survey import summary as survey_summary
from app.platform.charts import monthly_bars, score_bar
from app.platform.i18n import gettext as _
from app.platform.params import WardCode
from app.platform.settings import Settings
from app.reporting.map_start import map_start
from app.reporting.public import ReportFilter, category_list, recent_reports
from app.transparency.actions import search as search_actions
from app.transparency.queries import (
    follows_ward,
    province_by_code,
    province_ranking,
    set_ward_follow,
    ward_index,
)
from app.transparency.service_index import FORMULA, WEIGHTS
from app.transparency.ward_lookup import ward_or_404


@get("/wards/{code:str}", include_in_schema=False)
async def ward_page(request: Request, code: FromPath[str]) -> Template:
    ward = await ward_or_404(code)
    index = await ward_index(ward["id"])
    chart = monthly_bars(
        index.monthly, (_("Reports received"), _("Reports resolved")), _("Reports per month")
    )
    categories = {c["code"]: c for c in await category_list()}
    return Template("ward.html", context={
        "ward": ward, "index": index, "chart": chart, "categories": categories,
        "reports": await recent_reports(ReportFilter(ward=ward["code"]), limit=10),
        "actions": await search_actions(ward_code=ward["code"], limit=5),
        "following": await follows_ward(await device_person_id(request), ward["id"]),
        "participation": await participation_figures(ward["id"]),
        "supervision_reports": await supervision_reports(ward["code"]),
        "survey": await survey_summary(ward["id"]),
    })  # fmt: skip


@get("/provinces/{code:str}", include_in_schema=False)
async def province_page(code: FromPath[str]) -> Template:
    province = await province_by_code(code)
    if province is None:
        raise NotFoundException(_("There is no province with the code %(code)s.") % {"code": code})
    ranking = await province_ranking(province["id"])
    for ward in ranking:
        ward["bar"] = score_bar(ward["index"].score)
    return Template("province.html", context={
        "province": province, "ranking": ranking, "formula": FORMULA, "weights": WEIGHTS,
        "survey_minimum": SURVEY_MINIMUM,
        "ranked": sum(1 for w in ranking if w["rank"]),
    })  # fmt: skip


@get("/map", include_in_schema=False)
async def map_page(request: Request, settings: NamedDependency[Settings], ward: WardCode = None) -> Template:
    """`?ward=` opens the map on that ward; else on the ward the resident follows."""
    start = await map_start(ward, await device_person_id(request))
    return Template("map.html", context={"categories": await category_list(),
                                         "tiles_url": settings.map_tiles_url, "start": start})  # fmt: skip


@post("/wards/{code:str}/follow", include_in_schema=False)
async def follow_ward(request: Request, code: FromPath[str]) -> Redirect:
    """Follow a ward: be told of what it publishes."""
    ward = await ward_or_404(code)
    person, cookies = await ensure_device_person(request)
    form = await request.form()
    await set_ward_follow(person, ward["id"], following=form.get("stop") != "1")
    return Redirect(f"/wards/{code}", status_code=HTTP_303_SEE_OTHER, cookies=cookies)
