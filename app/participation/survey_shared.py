"""What the survey's pages (survey_routes.py) and its JSON API (survey_api.py) share: finding
the period a request names, as a 400 a person can act on (the ward: ward_lookup.ward_or_404)."""

from __future__ import annotations

from litestar.exceptions import ClientException

from app.participation import survey
from app.platform import clock


async def period_results_or_400(ward: dict, key: str | None, default_months: int) -> survey.PeriodResults:
    try:
        return await survey.period_results(ward["id"], key, default_months, clock.now())
    except survey.SurveyError as error:
        raise ClientException(str(error)) from None
