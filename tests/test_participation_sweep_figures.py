"""One participation sweep runs every participation step, and the ward's service index shows
the consultation figures: consultations held and syntheses published by the date first
promised (an apology slip moves the date, not the figure). Expected counts are by hand."""

from __future__ import annotations

from datetime import date, datetime

from app.accounts.rules import load_actor
from app.casework.sweep import sweep
from app.participation import consultations
from app.participation.consultations import NewConsultation, NewQuestion, Synthesis
from app.participation.figures import participation_figures
from app.participation.sweep import sweep_participation
from app.platform.clock import VIETNAM
from app.platform.photos import MediaStore
from app.platform.settings import get_settings
from app.platform.tables import Ward
from tests.workspace_helpers import PHU_LIEN, staff_accounts

DRAFT = "Dự thảo quy chế dân chủ ở cơ sở của phường"


def _swept():
    """The participation sweep, as the server runs it."""
    return sweep_participation(MediaStore(get_settings().media_dir))

async def _open(lead, opens: date, closes: date) -> int:
    return await consultations.create(
        lead,
        NewConsultation(
            ward_code=PHU_LIEN, matter="democracy_regulation", title=DRAFT, summary="Nội dung",
            opens_on=opens, closes_on=closes, questions=[NewQuestion("comment", "Ý kiến")],
        ),
        MediaStore(get_settings().media_dir),
    )  # fmt: skip


async def _synthesis(lead, consultation_id: int) -> None:
    await consultations.publish_synthesis(
        lead, consultation_id, Synthesis("Đa số đồng ý", "Giữ nguyên", "Chưa có kinh phí"),
        MediaStore(get_settings().media_dir),
    )  # fmt: skip


async def _figures(ward_id: int) -> dict[str, tuple[int, int]]:
    return {f.label: (f.on_time, f.total) for f in await participation_figures(ward_id)}


async def test_one_sweep_announces_consultations_and_the_figures_count_them(database, fixed_clock):
    lead = await load_actor((await staff_accounts())["lanhdao.phulien"])
    ward = (await Ward.select(Ward.id).where(Ward.code == PHU_LIEN).first())["id"]
    # Friday 20/11/2026. Two consultations open today and close on Friday 27/11: their
    # syntheses are first due ten working days later, Friday 11/12 at 17:00. A third opens
    # in January and has not been held.
    on_time = await _open(lead, date(2026, 11, 20), date(2026, 11, 27))
    late = await _open(lead, date(2026, 11, 20), date(2026, 11, 27))
    await _open(lead, date(2027, 1, 4), date(2027, 1, 15))
    # Opening today, both were announced when created: the sweep has nothing to announce.
    assert (await _swept()).consultations.opened == 0
    figures = await _figures(ward)
    assert figures["Consultations held"] == (2, 2)
    assert figures["Syntheses published on time"] == (0, 0)  # nothing due yet
    fixed_clock.at = datetime(2026, 12, 10, 9, 0, tzinfo=VIETNAM)
    await _synthesis(lead, on_time)
    fixed_clock.at = datetime(2026, 12, 11, 17, 1, tzinfo=VIETNAM)
    assert (await _swept()).consultations.apologised == 1  # the late one's slip
    fixed_clock.at = datetime(2026, 12, 14, 9, 0, tzinfo=VIETNAM)
    await _synthesis(lead, late)  # before the slip's new date, but after the first promise
    figures = await _figures(ward)
    assert figures["Syntheses published on time"] == (1, 2)
    assert figures["Consultations held"] == (2, 2)
    # The January one opens: the report sweep leaves it to the participation sweep.
    fixed_clock.at = datetime(2027, 1, 4, 8, 0, tzinfo=VIETNAM)
    await sweep()
    assert (await _swept()).consultations.opened == 1
    assert (await _swept()).consultations.opened == 0
    assert (await _figures(ward))["Consultations held"] == (3, 3)


async def test_the_ward_page_shows_the_consultation_figures(database, fixed_clock, client):
    lead = await load_actor((await staff_accounts())["lanhdao.phulien"])
    await _open(lead, date(2026, 11, 20), date(2026, 11, 27))
    page = await client.get(f"/wards/{PHU_LIEN}")
    assert page.status_code == 200
    assert "Số cuộc lấy ý kiến đã tổ chức" in page.text
    assert "Báo cáo tổng hợp công bố đúng hạn" in page.text
