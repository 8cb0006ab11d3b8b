"""The consultation step of the periodic sweep (app/casework/sweep.py runs it):

- a consultation whose opening date has come is announced to the ward's followers;
- one day before it closes, they are reminded;
- a synthesis not published by its date gets an apology slip on the consultation's page,
  signed as late cases' slips are, with a new date; the followers are told. Missing the new
  date starts the same again.

Each is claimed by a unique mark in the transaction that does it, so two sweeps running at
once (several server processes, a cron job) never do anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.casework.signing import signer
from app.participation.consultations import mark_once, tell_ward_once, ward_followers
from app.platform import clock
from app.platform.db import write_transaction
from app.platform.deadlines import deadline_for
from app.platform.i18n import N_, in_default_language
from app.platform.tables import Consultation
from notifications import notify

APOLOGY = N_(
    "The People's Committee apologises for not publishing the synthesis of this consultation by "
    "the promised date. It will be published by the date below."
)
# The new date promised on a slip: as long again as a late case's shortest extension.
EXTENSION_WORKING_DAYS = 5
REMIND_BEFORE = timedelta(days=1)


@dataclass
class ConsultationSweep:
    opened: int = 0
    reminded: int = 0
    apologised: int = 0


async def _announce_opened(now: datetime) -> int:
    due = await Consultation.select(Consultation.id, Consultation.opens_at).where(
        Consultation.opens_at <= now, Consultation.closes_at > now
    )
    told = 0
    for row in due:
        async with write_transaction():
            told += await tell_ward_once(row["id"], "opened", row["opens_at"])
    return told


async def _remind_closing(now: datetime) -> int:
    due = await Consultation.select(Consultation.id, Consultation.closes_at).where(
        Consultation.closes_at > now,
        Consultation.closes_at <= now + REMIND_BEFORE,
        Consultation.opens_at <= now,
    )
    told = 0
    for row in due:
        async with write_transaction():
            told += await tell_ward_once(row["id"], "closing", row["closes_at"])
    return told


async def _apologise_for_late_synthesis(now: datetime) -> int:
    late = await Consultation.select(
        Consultation.id, Consultation.ward, Consultation.title, Consultation.synthesis_due
    ).where(Consultation.synthesis.is_null(), Consultation.synthesis_due < now)
    done = 0
    for row in late:
        new_due = deadline_for(now, working_days=EXTENSION_WORKING_DAYS)
        slip = {
            "text": in_default_language(APOLOGY),
            "missed": row["synthesis_due"].isoformat(),
            "new_date": new_due.date().isoformat(),
            **await signer(row["ward"]),
        }
        async with write_transaction():
            if not await mark_once(row["id"], "overdue", row["synthesis_due"], slip):
                continue
            await Consultation.update({Consultation.synthesis_due: new_due}).where(
                Consultation.id == row["id"]
            )
            await notify.tell(
                await ward_followers(row["ward"]),
                "consultation_late",
                None,
                title=row["title"],
                new_date=slip["new_date"],
                path=f"/consultations/{row['id']}",
            )
            done += 1
    return done


async def sweep_consultations(now: datetime | None = None) -> ConsultationSweep:
    now = now or clock.now()
    return ConsultationSweep(
        opened=await _announce_opened(now),
        reminded=await _remind_closing(now),
        apologised=await _apologise_for_late_synthesis(now),
    )
