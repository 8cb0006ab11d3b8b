"""Flagging a report's description or photos (anyone), and the moderator's list of reports
withheld pending a decision. Thin: the rules are in moderation.py and reporting/moderation.py."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from app.accounts.policy import Act, Actor, may_anywhere, wards_where
from app.accounts.residents import ensure_device_person, unless_stored
from app.participation import comments
from app.participation.moderation import flag_report, flagged_proposal_comments, withheld_reports
from app.platform.i18n import gettext as _
from app.platform.settings import Settings
from app.platform.text import SHORT_TEXT, clean_text
from app.reporting.lookups import report_row


@post("/r/{code:str}/flag", include_in_schema=False)
async def flag(request: Request, code: FromPath[str], settings: NamedDependency[Settings]) -> Redirect:
    report = await report_row(code)
    form = await request.form()
    person, cookies = await ensure_device_person(request)
    try:
        reason = clean_text(form.get("reason"), SHORT_TEXT, "reason")
        photo = clean_text(form.get("photo"), SHORT_TEXT, "photo")
        await flag_report(report["id"], person, reason, settings.flags_to_hide, photo=photo)
    except comments.CommentError as error:
        await unless_stored(person, cookies, stored=False)
        raise ClientException(str(error)) from None
    return Redirect(f"/r/{report['code']}?flagged=1", status_code=HTTP_303_SEE_OTHER, cookies=cookies)


@get("/staff/moderation", include_in_schema=False)
async def moderation_page(actor: NamedDependency[Actor]) -> Template:
    if not may_anywhere(actor, Act.MODERATE):
        raise PermissionDeniedException(_("Only the ward's moderators see what awaits moderation."))
    wards = wards_where(actor, Act.MODERATE)
    return Template(
        "moderation/staff.html",
        context={
            "actor": actor,
            "reports": await withheld_reports(wards),
            "flagged": await flagged_proposal_comments(wards),
            "flag_reasons": comments.FLAG_REASONS,
        },
    )
