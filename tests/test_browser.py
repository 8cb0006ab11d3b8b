"""A resident on a phone, in real headless Chromium (Debian's, never a downloaded browser)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.photos_for_tests import jpeg

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"
)
PHU_LIEN = {"latitude": 20.7916, "longitude": 106.636}


@pytest.fixture
async def chromium():
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield browser
        await browser.close()


@pytest.fixture
async def phone(chromium, live_server):
    """A resident's phone in Vietnamese, standing in Phù Liễn with location allowed."""
    context = await chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        locale="vi-VN", geolocation=PHU_LIEN, permissions=["geolocation"],
    )  # fmt: skip
    return await context.new_page()


async def test_a_resident_reports_with_gps_and_sees_the_receipt(phone, live_server, tmp_path):
    photo = tmp_path / "o-ga.jpg"
    photo.write_bytes(jpeg())
    await phone.goto(f"{live_server}/reports/new")
    await phone.set_input_files("input[name=photos]", str(photo))
    await phone.get_by_label("Đường sá, cầu cống, vỉa hè").check()
    await phone.fill("#description", "Ổ gà sâu giữa đường, xe máy dễ ngã")
    await phone.get_by_role("button", name="Dùng vị trí hiện tại của tôi").click()
    await phone.locator("#ward_code").wait_for()
    assert await phone.locator("#ward_code").input_value() == "11446"
    assert "Phường Phù Liễn" in await phone.locator("#ward-hint").inner_text()
    assert await phone.input_value("#lat") == "20.791600"
    await phone.get_by_role("button", name="Gửi phản ánh", exact=True).click()
    await phone.wait_for_url(re.compile(r"/r/HP-\d{4}-\d{4}\?new=1$"))
    receipt = await phone.locator(".receipt").inner_text()
    assert "Cảm ơn bạn" in receipt and "Phường Phù Liễn" in receipt
    assert await phone.locator(".receipt img").evaluate("img => img.naturalWidth > 0")


@pytest.fixture
async def desk(chromium, live_server):
    """A ward office's desktop browser."""
    context = await chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    return await context.new_page()


async def test_an_officer_takes_a_report_from_received_to_resolved(desk, live_server):
    from tests.workspace_helpers import new_report, staff_accounts

    await staff_accounts()
    report = await new_report()
    await desk.goto(f"{live_server}/staff/")
    await desk.fill("#username", "canbo.phulien")
    await desk.fill("#password", "gandan-demo")
    await desk.get_by_role("button", name="Đăng nhập").click()
    await desk.get_by_role("link", name=report["code"]).click()
    for button, status in (("Thụ lý", "Đã thụ lý"), ("Bắt đầu xử lý", "Đang xử lý")):
        await desk.get_by_role("button", name=button, exact=True).click()
        await desk.locator(".meta .status", has_text=status).wait_for()
    await desk.get_by_role("button", name="Đã vá ổ gà, hoàn trả mặt đường.", exact=False).click()
    assert "Đã vá ổ gà" in await desk.input_value("#public_text")
    await desk.get_by_role("button", name="Đã xử lý xong", exact=True).click()
    await desk.locator(".meta .status", has_text="Đã xử lý xong").wait_for()
    history = await desk.locator(".timeline").inner_text()
    assert "Đã vá ổ gà" in history and "Trần Thị Mai" in history


async def test_the_service_worker_installs_and_caches_the_shell(phone, live_server):
    await phone.goto(f"{live_server}/")
    state = await phone.evaluate(
        "navigator.serviceWorker.ready.then(r => new Promise(done => {"
        " const w = r.active; if (w.state === 'activated') return done(w.state);"
        " w.addEventListener('statechange', () => w.state === 'activated' && done(w.state)); }))"
    )
    assert state == "activated"
    cached = await phone.evaluate(
        "caches.keys().then(names => caches.open(names.find(n => n.startsWith('gandan-static-'))))"
        ".then(c => c.keys()).then(k => k.map(r => r.url))"
    )
    assert any(re.search(r"/static/css/app\.[0-9a-f]{10}\.css$", url) for url in cached)


async def test_a_resident_answers_a_consultation_on_a_phone(phone, live_server):
    from datetime import timedelta

    from app.accounts.rules import load_actor
    from app.participation.consultations import NewConsultation, NewQuestion, create
    from app.platform import clock
    from app.platform.photos import MediaStore
    from app.platform.settings import get_settings
    from tests.workspace_helpers import staff_accounts

    lead = await load_actor((await staff_accounts())["lanhdao.phulien"])
    today = clock.now().astimezone(clock.VIETNAM).date()
    cid = await create(lead, NewConsultation(
        ward_code="11446", matter="units", title="Dự thảo sáp nhập Tổ dân phố số 7 và số 8", summary="",
        opens_on=today, closes_on=today + timedelta(days=10), results_while_open=True,
        questions=[NewQuestion("scale", "Bà con có đồng ý không?"),
                   NewQuestion("single", "Tên gọi mới", ["Tổ dân phố số 7", "Tổ dân phố Đồng Hòa"])],
    ), MediaStore(get_settings().media_dir))  # fmt: skip
    await phone.goto(f"{live_server}/consultations/{cid}")
    await phone.get_by_label("4 · Đồng ý", exact=True).check()
    await phone.get_by_label("Tổ dân phố Đồng Hòa").check()
    await phone.get_by_role("button", name="Gửi ý kiến").click()
    await phone.locator(".notice").wait_for()
    assert "ý kiến đã được ghi nhận" in await phone.locator(".notice").inner_text()
    assert await phone.get_by_label("Tổ dân phố Đồng Hòa").is_checked()
    table = await phone.locator("table.numbers", has_text="Tên gọi mới").inner_text()
    assert re.search(r"Tổ dân phố Đồng Hòa\s+0\s+1\s+1\s+100%", table)


async def test_a_resident_supports_a_proposal_on_a_phone(phone, live_server, settings):
    from app.participation.proposals import NewProposal, propose
    from app.platform.photos import MediaStore
    from app.platform.tables import Person, Proposal

    proposer = Person(device_identity="browser-proposer")
    await proposer.save()
    proposal_id = await propose(proposer.id, NewProposal(
        "Đèn cho ngõ 38", "Ngõ 38 không có đèn, buổi tối học sinh đi học về rất tối.", ward_code="11446"
    ), MediaStore(settings.media_dir))  # fmt: skip
    await phone.goto(f"{live_server}/proposals/{proposal_id}")
    assert await phone.locator("#support-count").inner_text() == "0"
    await phone.get_by_role("button", name="Ủng hộ đề xuất này").click()
    await phone.get_by_text("Bạn đã ủng hộ đề xuất này").wait_for()
    assert await phone.locator("#support-count").inner_text() == "1"
    assert (await Proposal.select(Proposal.support_count).where(Proposal.id == proposal_id).first())[
        "support_count"
    ] == 1
    # Reloading does not offer a second support.
    await phone.reload()
    assert await phone.get_by_role("button", name="Ủng hộ đề xuất này").count() == 0
