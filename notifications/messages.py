"""What a notification says, in the reader's language (gettext catalogs, vi first)."""

from __future__ import annotations

from app.platform.i18n import N_, translations

TITLES = {
    "status": N_("Your report %(code)s has news"),
    "resolved": N_("Report %(code)s is resolved: please confirm"),
    "reopened": N_("Report %(code)s was reopened"),
    "reply": N_("The ward replied about %(code)s"),
    "apology": N_("Report %(code)s is late: the ward apologises"),
    "duplicate": N_("Report %(code)s is followed up under %(original)s"),
    "new_report": N_("New report %(code)s in your ward"),
    "assigned": N_("Report %(code)s was assigned to you"),
    "due_soon": N_("Report %(code)s is due within a working day"),
    "escalated": N_("Report %(code)s was escalated to the province"),
    "government_action": N_("Your ward published: %(title)s"),
    "consultation_opened": N_("Your ward asks for your opinion: %(title)s"),
    "consultation_closing": N_("Last day to give your opinion: %(title)s"),
    "consultation_synthesis": N_("The ward published what it takes up: %(title)s"),
    "consultation_late": N_("The synthesis is late: the ward apologises (%(title)s)"),
    "proposal_due": N_("A proposal reached its supports and awaits the ward's answer: %(title)s"),
    "proposal_overdue": N_("The answer to a proposal is overdue: %(title)s"),
    "proposal_answered": N_("The ward answered the proposal: %(title)s"),
    "proposal_progress": N_("Progress on the proposal: %(title)s"),
    "inspection_request": N_("The people's inspection board asks the ward for an explanation"),
    "inspection_answered": N_("The ward answered the inspection board's request"),
    "inspection_overdue": N_("An explanation asked by the inspection board is overdue"),
}
BODIES = {
    "resolved": N_("Tell the ward whether it is really fixed, and rate how it was handled."),
    "apology": N_("New date: %(new_date)s."),
    "due_soon": N_("Deadline: %(deadline)s."),
    "consultation_late": N_("New date: %(new_date)s."),
    "proposal_progress": N_("%(progress)s %% done."),
}


def render(kind: str, language: str, code: str | None, payload: dict) -> tuple[str, str]:
    """(title, body) for a notification of `kind` about report `code`, in `language`."""
    gettext = translations(language if language in ("vi", "en") else "vi").gettext
    values = {"code": code or "", **{k: v for k, v in payload.items() if isinstance(v, str | int)}}
    values.setdefault("original", "")
    values.setdefault("title", "")
    values.setdefault("new_date", "")
    values.setdefault("deadline", "")
    values.setdefault("progress", "")
    title = gettext(TITLES.get(kind, N_("Gần Dân"))) % values
    body = payload.get("text") or (gettext(BODIES[kind]) % values if kind in BODIES else "")
    return title, body
