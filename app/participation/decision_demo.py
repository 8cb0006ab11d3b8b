"""Demo household decisions in Phù Liễn, made through the real rules with the clock set back:
the register of "Tổ dân phố số 5" (120 households), a decision on a contribution to repairing
a lane with voting under way (some ballots cast, live turnout), and a closed decision on a
study-promotion fund with its results published as a government action."""

from __future__ import annotations

import random
from datetime import timedelta

from app.accounts.rules import load_actor
from app.participation import ballots, decisions, households
from app.participation.decisions import NewDecision
from app.participation.demo import WARD, clock_at
from app.platform import clock
from app.platform.clock import VIETNAM
from app.platform.photos import MediaStore
from app.platform.tables import HouseholdDecision
from app.transparency.actions import Upload

GROUP = "Tổ dân phố số 5"
HOUSEHOLDS = 120
LANE = (
    "Đóng góp sửa chữa, bê tông hóa ngõ 12 Tổ dân phố số 5",
    "Ngõ 12 dài 180 m, mặt ngõ xuống cấp, mưa to thường đọng nước. Dự toán sửa chữa 270 triệu đồng: "
    "ngân sách phường hỗ trợ 150 triệu đồng, các hộ gia đình đóng góp 120 triệu đồng, tức 1.000.000 "
    "đồng mỗi hộ, nộp làm hai đợt. Hộ nghèo, hộ cận nghèo và gia đình chính sách được miễn.\n"
    "Ban giám sát đầu tư của cộng đồng theo dõi thi công và công khai thu chi.",
)
FUND = (
    "Thành lập Quỹ khuyến học của Tổ dân phố số 5",
    "Thành lập Quỹ khuyến học của tổ, mỗi hộ đóng góp tự nguyện từ 50.000 đồng mỗi năm, để khen "
    "thưởng học sinh giỏi và hỗ trợ học sinh có hoàn cảnh khó khăn. Quỹ do Ban công tác mặt trận "
    "quản lý, công khai thu chi vào cuối năm.",
)
LANE_VOTES = (31, 9, 4)  # approve, disapprove, abstain so far: 44 of 120 households
FUND_VOTES = (71, 9, 4)  # 84 voted; 71 of 120 is more than half: passed


async def _cast(decision_id: int, codes: list[str], votes: tuple[int, ...], first_day) -> None:
    choices = [position for position, count in enumerate(votes) for _vote in range(count)]
    random.Random(decision_id).shuffle(choices)
    for n, (code, choice) in enumerate(zip(codes, choices, strict=False)):
        with clock_at(first_day + timedelta(days=n % 3, hours=n % 9)):
            await ballots.cast(decision_id, code, [choice])


async def ensure_demo_decisions(media: MediaStore, accounts: dict[str, int], pdf) -> None:
    lead = await load_actor(accounts["lanhdao.phulien"])
    head = await load_actor(accounts["totruong.phulien"])
    csv_text = "group,household\n" + "".join(f"{GROUP},Hộ số {n}\n" for n in range(1, HOUSEHOLDS + 1))
    await households.import_households(lead, households.read_households(csv_text, only_ward=WARD))
    ward = await households.ward_for_code(WARD)
    groups = {g["name"]: g for g in await households.ward_register(ward["id"])}
    group = groups[GROUP]
    # The demo group head is the head of Tổ dân phố số 7 (their title says so).
    await households.set_group_head(lead, groups["Tổ dân phố số 7"]["id"], head.person_id)
    now = clock.now()
    if not await HouseholdDecision.exists().where(HouseholdDecision.title == FUND[0]):
        opened = now - timedelta(days=40)
        with clock_at(opened):
            today = opened.astimezone(VIETNAM).date()
            fund = await decisions.open_decision(lead, NewDecision(
                ward_code=WARD, kind="fund", method="ballot", title=FUND[0], summary=FUND[1],
                opens_on=today, closes_on=today + timedelta(days=10), group_ids=[group["id"]],
                documents=[Upload("du-thao-quy-che-quy-khuyen-hoc.pdf", pdf(FUND[0]))],
            ), media)  # fmt: skip
            _, sheets = await ballots.draw_codes(lead, fund)
        await _cast(fund, [s.code for s in sheets], FUND_VOTES, opened + timedelta(days=1))
        with clock_at(opened + timedelta(days=11, hours=9)):
            await decisions.close(lead, fund, media)
    if not await HouseholdDecision.exists().where(HouseholdDecision.title == LANE[0]):
        opened = now - timedelta(days=4)
        with clock_at(opened):
            today = opened.astimezone(VIETNAM).date()
            lane = await decisions.open_decision(lead, NewDecision(
                ward_code=WARD, kind="works", method="ballot", title=LANE[0], summary=LANE[1],
                opens_on=today, closes_on=today + timedelta(days=14), group_ids=[group["id"]],
                documents=[Upload("du-toan-sua-chua-ngo-12.pdf", pdf(LANE[0]))],
            ), media)  # fmt: skip
            _, sheets = await ballots.draw_codes(lead, lane)
        await _cast(lane, [s.code for s in sheets], LANE_VOTES, opened + timedelta(hours=2))
