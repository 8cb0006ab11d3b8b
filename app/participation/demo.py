"""Demo proposals and inspection-board work in Phù Liễn, made through the real rules with the
clock set back, so that their dates, deadlines and notifications are what real use leaves."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta

from app.accounts.rules import load_actor
from app.participation import inspection, proposals
from app.participation.inspection import NewRequest, NewSupervisionReport
from app.participation.proposals import Milestone, NewProposal, ProgressUpdate
from app.participation.survey_demo import ensure_demo_survey
from app.participation.sweep import sweep_participation
from app.platform import clock
from app.platform.photos import MediaStore
from app.platform.tables import InspectionRequest, Person, Proposal, Report, SupervisionReport, Ward
from app.transparency.actions import Upload

WARD = "11446"
# A small ward threshold, so that the demo needs a dozen supporters rather than a hundred.
DEMO_THRESHOLD = 10
SUPPORTERS = 14

DUE = (
    "Lắp đèn chiếu sáng cho ngõ 38 Trần Thành Ngọ",
    "Ngõ 38 dài gần 300 m nhưng không có đèn đường, buổi tối học sinh đi học thêm về rất tối và "
    "đã có người bị ngã xe. Đề nghị phường lắp 6 bộ đèn LED trên các cột điện sẵn có.",
)
ACCEPTED = (
    "Cải tạo sân chơi cho trẻ em tại khu dân cư số 4",
    "Sân chơi của khu dân cư số 4 đã xuống cấp, cầu trượt gỉ sét, nền bê tông nứt. Đề nghị phường "
    "cải tạo lại sân chơi, trồng thêm cây xanh và đặt ghế đá cho người cao tuổi.",
)
EXPIRED = (
    "Mở thêm một điểm thu gom pin và rác điện tử",
    "Đề nghị đặt thùng thu gom pin cũ và rác điện tử tại nhà văn hoá mỗi tổ dân phố để bà con "
    "không vứt lẫn vào rác sinh hoạt.",
)
OPEN = (
    "Tổ chức lớp học bơi miễn phí cho trẻ em trong hè",
    "Đề nghị phường phối hợp với trường học tổ chức lớp dạy bơi miễn phí cho trẻ em trong dịp hè "
    "để phòng tránh đuối nước.",
)
# The plan's steps and their planned dates, in days from today: the first is already reached.
PLAN = [("Khảo sát và lập dự toán", -25), ("Thi công nền và lắp thiết bị", 20), ("Trồng cây, nghiệm thu", 45)]


@contextmanager
def clock_at(at: datetime):
    """Write demo rows as if it were `at` (their timestamps come from the clock)."""
    previous = clock.use(clock.FixedClock(at))
    try:
        yield
    finally:
        clock.use(previous)


async def _supporters() -> list[int]:
    ids = []
    for n in range(SUPPORTERS):
        identity = f"demo-supporter-{n}"
        row = await Person.select(Person.id).where(Person.device_identity == identity).first()
        if row is None:
            person = Person(device_identity=identity)
            await person.save()
            row = {"id": person.id}
        ids.append(row["id"])
    return ids


async def _propose(proposer: int, text: tuple[str, str], at: datetime, media: MediaStore, photo=None) -> int:
    with clock_at(at):
        return await proposals.propose(
            proposer, NewProposal(text[0], text[1], ward_code=WARD, photos=[photo] if photo else []), media
        )


async def _support(proposal_id: int, people: list[int], start: datetime) -> None:
    for n, person in enumerate(people):
        with clock_at(start + timedelta(hours=7 * n)):
            await proposals.support(person, proposal_id)


async def ensure_demo_participation(media: MediaStore, accounts: dict[str, int], residents: list[int],
                                    photo: bytes, pdf: Callable[[str], bytes]) -> None:  # fmt: skip
    """Phù Liễn: a proposal due for its answer, one accepted at 40 % with milestones, one
    expired, one gathering supports, an inspection request with its answer, a yearly
    supervision report, and the satisfaction survey's finished and current periods."""
    now = clock.now()
    ward = await Ward.select(Ward.id).where(Ward.code == WARD).first()
    await proposals.set_ward_rules(ward["id"], support_threshold=DEMO_THRESHOLD)
    supporters = await _supporters()
    lead = await load_actor(accounts["lanhdao.phulien"])
    officer = await load_actor(accounts["canbo.phulien"])
    board = await load_actor(accounts["thanhtra.phulien"])
    if not await Proposal.exists().where(Proposal.title == DUE[0]):
        proposal_id = await _propose(residents[0], DUE, now - timedelta(days=12), media, photo)
        await _support(proposal_id, supporters[:12], now - timedelta(days=8))
    if not await Proposal.exists().where(Proposal.title == ACCEPTED[0]):
        start = now - timedelta(days=70)
        proposal_id = await _propose(residents[1], ACCEPTED, start, media)
        await _support(proposal_id, supporters[2:], start + timedelta(days=2))
        with clock_at(start + timedelta(days=12)):
            await proposals.answer(lead, proposal_id, "accepted", (
                "UBND phường tiếp thu đề nghị. Sân chơi được cải tạo bằng nguồn kinh phí duy tu hạ tầng "
                "năm nay và đóng góp tự nguyện của bà con, theo kế hoạch dưới đây."
            ), [Milestone(title, (now + timedelta(days=days)).date()) for title, days in PLAN])  # fmt: skip
        milestones = (await proposals.public_proposal(proposal_id))["milestones"]
        with clock_at(now - timedelta(days=20)):
            await proposals.add_update(officer, proposal_id, ProgressUpdate(
                20, "Đã khảo sát hiện trạng và lập dự toán; dự toán đã được phê duyệt.",
                reached=[milestones[0]["id"]],
            ), media)  # fmt: skip
        with clock_at(now - timedelta(days=3)):
            await proposals.add_update(officer, proposal_id, ProgressUpdate(
                40, "Đã tháo dỡ thiết bị cũ, đang đổ lại nền sân.", photos=[photo]
            ), media)  # fmt: skip
    if not await Proposal.exists().where(Proposal.title == EXPIRED[0]):
        start = now - timedelta(days=100)
        proposal_id = await _propose(residents[2], EXPIRED, start, media)
        await _support(proposal_id, supporters[:3], start + timedelta(days=1))
    if not await Proposal.exists().where(Proposal.title == OPEN[0]):
        proposal_id = await _propose(residents[3], OPEN, now - timedelta(days=4), media)
        await _support(proposal_id, supporters[:4], now - timedelta(days=3))
    await sweep_participation(media, now)
    await _ensure_demo_inspection(board, lead, media, now, pdf)
    await ensure_demo_survey(now)


async def _ensure_demo_inspection(
    board, lead, media: MediaStore, now: datetime, pdf: Callable[[str], bytes]
) -> None:
    if not await InspectionRequest.exists().where(InspectionRequest.ward.code == WARD):
        report = await Report.select(Report.code).where(Report.ward.code == WARD).order_by(Report.id).first()
        with clock_at(now - timedelta(days=12)):
            request_id = await inspection.request_explanation(board, NewRequest(
                WARD, "report", report["code"],
                "Đề nghị UBND phường giải thích vì sao phản ánh này xử lý chậm so với thời hạn đã hẹn "
                "và biện pháp để không lặp lại.",
            ))  # fmt: skip
        with clock_at(now - timedelta(days=6)):
            await inspection.answer_request(lead, request_id, (
                "Phản ánh cần phối hợp với công ty thoát nước nên kéo dài thêm 3 ngày. Phường đã gửi phiếu "
                "xin lỗi và từ tháng này giao một cán bộ theo dõi riêng các việc phải phối hợp liên ngành."
            ))  # fmt: skip
    year = now.year - 1
    if not await SupervisionReport.exists().where(
        SupervisionReport.ward.code == WARD, SupervisionReport.year == year
    ):
        title = f"Báo cáo kết quả giám sát năm {year} của Ban thanh tra nhân dân phường Phù Liễn"
        await inspection.publish_supervision_report(board, NewSupervisionReport(
            WARD, year, title,
            "Trong năm, Ban đã giám sát việc giải quyết phản ánh của người dân, việc công khai ngân sách "
            "và các công trình dân sinh. Ban đề nghị UBND phường rút ngắn thời gian xử lý phản ánh về "
            "thoát nước và công khai tiến độ các công trình trên Gần Dân.",
            [Upload("bao-cao-giam-sat.pdf", pdf(title))],
        ), media)  # fmt: skip
