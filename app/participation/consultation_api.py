"""Consultations in the JSON API (/api/v1): the public view only — what was asked, the
results once the consultation shows them, and the comments, never who wrote or answered."""

from __future__ import annotations

from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery

from app.participation import comments, consultations
from app.platform.i18n import gettext as _


def _summary(row: dict) -> dict:
    return {
        "id": row["id"],
        "title": row["title"],
        "matter": row["matter"],
        "status": row["status"],
        "ward": {"code": row["ward.code"], "name": row["ward.name"]},
        "opens_at": row["opens_at"],
        "closes_at": row["closes_at"],
        "synthesis_due": row["synthesis_due"],
        "synthesis_late": row["late"],
        "synthesis_action_id": row["synthesis"],
        "url": f"/consultations/{row['id']}",
    }


class ConsultationApi(Controller):
    path = "/api/v1/consultations"
    tags = ["consultations"]

    @get("/", summary="A ward's consultations (lấy ý kiến), newest first")
    async def list_consultations(self, ward: FromQuery[str]) -> list[dict]:
        return [_summary(r) for r in await consultations.for_ward(ward)]

    @get("/{consultation_id:int}", summary="A consultation: its draft, questions and, when shown, results")
    async def consultation(self, consultation_id: FromPath[int]) -> dict:
        c = await consultations.detail(consultation_id)
        if c is None:
            raise NotFoundException(_("This consultation does not exist."))
        visible = consultations.results_visible(c)
        return {
            **_summary(c),
            "summary": c["summary"],
            "groups": [g["name"] for g in c["groups"]],
            "documents": [
                {
                    "filename": d["filename"],
                    "kind": d["kind"],
                    "size": d["size"],
                    "url": f"/media/docs/{d['digest']}.pdf"
                    if d["kind"] == "pdf"
                    else f"/media/{d['digest'][:2]}/{d['digest']}.jpg",
                }
                for d in c["documents"]
            ],
            "questions": [
                {
                    "id": q["id"],
                    "kind": q["kind"],
                    "prompt": q["prompt"],
                    "options": consultations.option_labels(q) if q["kind"] != "comment" else [],
                }
                for q in c["questions"]
            ],
            "results": await consultations.results(c) if visible else None,
            "apologies": [a["data"] for a in c["apologies"]],
        }

    @get("/{consultation_id:int}/comments", summary="A consultation's public comments, with replies")
    async def consultation_comments(self, consultation_id: FromPath[int]) -> list[dict]:
        if await consultations.ward_of(consultation_id) is None:
            raise NotFoundException(_("This consultation does not exist."))
        return await comments.public_thread("consultation", consultation_id)
