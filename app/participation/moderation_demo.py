"""Demo moderation for `seed-demo`: in Phù Liễn, a report whose description named a licence
plate and a stranger's phone number, redacted by the ward lead, and its second photo (the
plate, readable) hidden — both with their public notes on the timeline; and a discussion on
the proposal awaiting its answer, with a comment three residents flagged, awaiting the lead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from app.accounts.rules import load_actor
from app.casework.steps import Step, perform
from app.participation import comments, proposals
from app.participation.demo import DUE
from app.platform import clock
from app.platform.photos import MediaStore, process_photo
from app.platform.tables import Category, Comment, Proposal, Report, Ward
from app.reporting.reports import NewReport, create_report

DEMO_KEY = "demo-moderation-11446"
ORIGINAL = (
    "Xe tải biển số 15C-123.45 đổ trộm phế thải xây dựng ở đầu ngõ 38 lúc nửa đêm, "
    "gọi anh Tuấn 0987 654 321 để làm chứng."
)
REDACTED = "Xe tải đổ trộm phế thải xây dựng ở đầu ngõ 38 lúc nửa đêm."
REDACT_REASON = "Bỏ biển số xe và số điện thoại của người khác khỏi nội dung công khai."
HIDE_REASON = "Ảnh có biển số xe đọc được rõ."


DISCUSSION = [
    "Ngõ 38 có nhiều người già đi tập thể dục sớm, rất cần đèn.",
    "Nhà tôi ở đầu ngõ, xin góp thêm: nên lắp đèn tiết kiệm điện.",
]
FLAGGED = "Mua bán sim số đẹp giá rẻ, liên hệ ngay!"


async def ensure_demo_moderation(
    media: MediaStore,
    lead_id: int,
    residents: list[int],
    photo: Callable[[str, int], bytes],
    reporter: tuple[str, str, str],
) -> None:
    """`reporter` is the name, phone and e-mail of the demo resident `residents[4]`."""
    await _ensure_discussion(residents)
    if await Report.exists().where(Report.idempotency_key == DEMO_KEY):
        return
    name, phone, email = reporter
    ward = await Ward.select(Ward.id, Ward.lat, Ward.lon).where(Ward.code == "11446").first()
    category = await Category.select(Category.id).where(Category.code == "environment").first()
    photos = [process_photo(photo("environment", seed)) for seed in (4101, 4102)]
    for processed in photos:
        media.save(processed)
    report = await create_report(
        NewReport(
            ward_id=ward["id"], category_id=category["id"], description=ORIGINAL,
            lat=ward["lat"] + 0.002, lon=ward["lon"] - 0.001, reporter_id=residents[4],
            reporter_name=name, reporter_phone=phone, reporter_email=email, idempotency_key=DEMO_KEY,
            photos=photos,
        ),
        at=clock.now() - timedelta(days=2),
    )  # fmt: skip
    lead = await load_actor(lead_id)
    await perform(lead, report["id"], Step("redact", public_text=REDACT_REASON, redacted_text=REDACTED))
    await perform(lead, report["id"], Step("hide_photo", public_text=HIDE_REASON, photo=photos[1].digest))


async def _ensure_discussion(residents: list[int]) -> None:
    proposal = await Proposal.select().where(Proposal.title == DUE[0]).first()
    if proposal is None or await Comment.exists().where(
        Comment.target_kind == "proposal", Comment.target_id == proposal["id"]
    ):
        return
    first = await proposals.comment(proposal, residents[0], DISCUSSION[0])
    await proposals.comment(proposal, residents[1], DISCUSSION[1], parent_id=first)
    await comments.support(first, residents[2])
    spam = await proposals.comment(proposal, residents[5], FLAGGED)
    for person in residents[:3]:
        await comments.flag("comment", spam, person, "spam", flags_to_hide=3)
