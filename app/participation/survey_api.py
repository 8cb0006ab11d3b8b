"""JSON API of the ward satisfaction survey, under /api/v1: results per ward and period.
Counts and averages only: never a comment, a device or a person; and of a period that has not
ended, only its count (see survey.py on why)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from app.participation import survey
from app.participation.survey_shared import period_results_or_400
from app.platform.i18n import gettext as _
from app.platform.settings import Settings
from app.transparency.service_index import WEIGHTS
from app.transparency.ward_lookup import ward_or_404


def _period(period: survey.Period) -> dict:
    return {"key": period.key, "label": period.label, "starts": period.starts_at.date().isoformat(),
            "ends": period.ends_at.date().isoformat()}  # fmt: skip


class SurveyApi(Controller):
    path = "/api/v1"
    tags = ["participation"]

    @get(
        "/wards/{code:str}/survey",
        summary="A ward's satisfaction survey: the results of one period",
        description=(
            "Without `period`: the newest finished period with `minimum_answers` answers, else "
            "the newest finished period with any, else the current one. A period's results are "
            "published once it has ended: until then `published` is false, `results_open` gives "
            "the day they open, and only `answers` is given (`score` is null, `criteria` empty). "
            "Per criterion the distribution of answers, the average of the 1–5 ratings and a 0–1 "
            "score; `score` is the mean of the five criteria's scores (0–100). A finished period "
            "counts in the service index (weight `index_weight`) only with at least "
            "`minimum_answers` answers."
        ),
    )
    async def results(
        self,
        code: FromPath[str],
        settings: NamedDependency[Settings],
        period: Annotated[str | None, QueryParameter(description='e.g. "2026-01-6m"', max_length=12)] = None,
    ) -> dict:
        ward = await ward_or_404(code)
        shown = await period_results_or_400(ward, period, settings.survey_period_months)
        results = shown.results
        return {
            "ward": {"code": ward["code"], "name": ward["name"]},
            "period": {**_period(shown.shown), "current": shown.shown == shown.current},
            "answers": shown.answers,
            "published": results is not None,
            "results_open": shown.shown.ends_at.date().isoformat(),
            "minimum_answers": survey.MINIMUM_ANSWERS,
            "counts_in_index": shown.counts_in_index,
            "index_weight": WEIGHTS["survey"],
            "score": round(100 * results.share, 1) if results and results.share is not None else None,
            "criteria": [
                {
                    "key": c.key,
                    "name": _(c.name),
                    "average": c.average,
                    "score": round(100 * c.share, 1) if c.share is not None else None,
                    "distribution": [
                        {"value": value, "label": label, "count": count}
                        for (value, _label, count), (label, _count) in zip(
                            c.distribution, survey.distribution_labels(c), strict=True
                        )
                    ],
                }
                for c in (results.criteria if results else [])
            ],
            "periods": [{**_period(p), "answers": n} for p, n in shown.periods],
        }
