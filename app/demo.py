"""Demo data for `make run` and `gandan seed-demo`: Hải Phòng's 114 ward boundaries, the wards
from the seed articles, the demo accounts, and a few dozen reports in every status with real,
locally made photos.

Idempotent: accounts are matched by username and reports by a fixed idempotency key, so a
second run adds nothing. Every name, phone number and address here is invented.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image, ImageDraw, ImageFilter

from app.accounts.passwords import hash_password
from app.accounts.rules import load_actor
from app.casework.sweep import sweep
from app.casework.workflow import Action
from app.participation.decision_demo import ensure_demo_decisions
from app.participation.demo import ensure_demo_participation
from app.participation.moderation_demo import ensure_demo_moderation
from app.platform import clock
from app.platform.boundaries import DEMO_BOUNDARIES, import_boundaries, read_features
from app.platform.geo import KM_PER_DEGREE
from app.platform.photos import MediaStore, process_photo
from app.platform.tables import (
    Category,
    Consultation,
    GovernmentAction,
    Person,
    Province,
    Rating,
    Report,
    StaffRole,
    Ward,
)
from app.reporting.categories import ensure_default_categories
from app.reporting.reports import NewReport, apply_action, create_report
from app.transparency.actions import NewAction, Upload, publish
from app.transparency.index_snapshots import ward_changed
from app.transparency.open311 import issue_key, key_is_valid

DEMO_PASSWORD = "gandan-demo"
DEMO_API_KEY = "gandan-demo-key"
# Ward codes from vietnamadminunits: the Hải Phòng wards named in the seed articles.
DEMO_WARDS = {
    "11446": "Phù Liễn",
    "11443": "Kiến An",
    "11617": "An Hải",
    "11557": "Thiên Hương",
    "11635": "An Trường",
}
HAI_PHONG = "31"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    title: str
    role: str | None  # None for the admin, who has no scoped role
    ward_code: str | None = None
    province_code: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("admin", "Quản trị hệ thống", "Quản trị viên", None),
    DemoAccount("lanhdao.phulien", "Nguyễn Văn Hùng", "Chủ tịch UBND phường Phù Liễn",
                "ward_lead", ward_code="11446"),
    DemoAccount("canbo.phulien", "Trần Thị Mai", "Công chức địa chính – xây dựng",
                "officer", ward_code="11446"),
    DemoAccount("canbo.kienan", "Lê Minh Tuấn", "Công chức văn phòng – thống kê",
                "officer", ward_code="11443"),
    DemoAccount("giamsat.haiphong", "Phạm Thu Hà", "Chuyên viên Văn phòng UBND thành phố",
                "province_supervisor", province_code=HAI_PHONG),
    DemoAccount("thanhtra.phulien", "Đỗ Văn Bình", "Trưởng ban Thanh tra nhân dân",
                "inspector", ward_code="11446"),
    DemoAccount("totruong.phulien", "Vũ Thị Hằng", "Tổ trưởng Tổ dân phố số 7",
                "group_head", ward_code="11446"),
]  # fmt: skip

DEMO_RESIDENTS = [
    ("Bà Nguyễn Thị Lan", "0912 345 601", "lan.nguyen@example.vn"),
    ("Ông Trần Văn Sơn", "0983 111 602", ""),
    ("Chị Vũ Thu Trang", "0904 222 603", "trang.vu@example.vn"),
    ("Anh Hoàng Đức Minh", "0971 333 604", ""),
    ("Cô Phạm Thị Hoa", "0936 444 605", "hoa.pham@example.vn"),
    ("Bác Đinh Văn Tư", "0357 555 606", ""),
]

DESCRIPTIONS = {
    "roads": [
        "Ổ gà lớn giữa đường, xe máy qua lại rất nguy hiểm, nhất là buổi tối.",
        "Vỉa hè bị sụt lún, gạch vỡ, người già đi bộ dễ vấp ngã.",
        "Nắp cống trên đường bị vỡ, có người đã sụt chân xuống.",
    ],
    "lighting": [
        "Đèn đường cả đoạn ngõ tắt đã hơn một tuần, buổi tối rất tối.",
        "Cột đèn bị nghiêng sau mưa bão, dây điện lủng lẳng.",
    ],
    "waste": [
        "Rác thải tập kết bừa bãi ở đầu ngõ, bốc mùi hôi, nhiều ruồi.",
        "Xe thu gom rác ba ngày chưa đến, rác tràn ra lòng đường.",
        "Có người đổ trộm phế thải xây dựng ở bãi đất trống cạnh chợ.",
    ],
    "drainage": [
        "Mưa to là ngõ ngập sâu nửa mét, nước tràn vào nhà dân.",
        "Rãnh thoát nước bị tắc, nước đọng lâu ngày bốc mùi.",
    ],
    "environment": [
        "Xưởng gỗ hoạt động ban đêm gây tiếng ồn và bụi cho cả khu dân cư.",
        "Mương nước chuyển màu đen, nghi có cơ sở xả thải trực tiếp.",
    ],
    "public_order": [
        "Hàng quán lấn chiếm hết vỉa hè, người đi bộ phải xuống lòng đường.",
        "Karaoke hát to sau 23 giờ nhiều đêm liền.",
    ],
    "land_construction": [
        "Công trình xây dựng không che chắn, vật liệu rơi xuống đường.",
        "Nhà bên cạnh xây lấn sang lối đi chung của xóm.",
    ],
    "admin_service": [
        "Nộp hồ sơ đăng ký khai sinh đã quá hẹn nhưng chưa có kết quả.",
        "Muốn được hướng dẫn làm thủ tục chuyển đổi địa chỉ trên giấy tờ sau sáp nhập.",
    ],
    "other": ["Cây xanh trước trường học bị sâu, cành khô có thể gãy rơi xuống."],
}

PUBLIC_REPLIES = {
    Action.ACCEPT: "UBND phường đã tiếp nhận phản ánh và giao cán bộ phụ trách.",
    Action.START: "Tổ công tác đã kiểm tra hiện trường, đang phối hợp đơn vị liên quan xử lý.",
    Action.RESOLVE: "Đã xử lý xong. Đề nghị người phản ánh kiểm tra và xác nhận.",
    Action.CLOSE: "Người phản ánh đã xác nhận kết quả. Cảm ơn bà con đã đồng hành.",
    Action.REJECT: "Nội dung không thuộc thẩm quyền của phường; đã hướng dẫn người phản ánh "
    "gửi đến Công ty Điện lực Hải Phòng.",
}

# The path each demo report walks; together they cover every status and an overdue case.
STORYLINES: list[list[Action]] = [
    [],
    [Action.ACCEPT],
    [Action.ACCEPT, Action.START],
    [Action.ACCEPT, Action.START, Action.RESOLVE],
    [Action.ACCEPT, Action.START, Action.RESOLVE, Action.CLOSE],
    [Action.ACCEPT, Action.RESOLVE, Action.CLOSE],
    [Action.REJECT],
    [Action.ACCEPT, Action.START, Action.RESOLVE, Action.REOPEN],
]
# Busier wards get more reports, so the home page and (later) the rankings have something to
# tell apart. The first len(STORYLINES) reports of a ward walk every storyline once.
REPORTS_PER_WARD = {"11446": 12, "11443": 10, "11617": 8, "11557": 7, "11635": 5}

SKY, GROUND = (168, 198, 226), (112, 110, 104)
ACCENTS = {
    "roads": (52, 48, 44), "lighting": (230, 200, 80), "waste": (60, 120, 60),
    "drainage": (70, 110, 160), "environment": (90, 80, 60), "public_order": (180, 60, 50),
    "land_construction": (200, 140, 60), "admin_service": (120, 90, 160), "other": (60, 140, 90),
}  # fmt: skip


def demo_photo(category: str, seed: int) -> bytes:
    """A plausible street scene, drawn locally: sky, road, and the problem in the middle."""
    rng = random.Random(seed)
    width, height = 1280, 960
    image = Image.new("RGB", (width, height), SKY)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.35, 0.5))
    draw.rectangle([0, horizon, width, height], fill=GROUND)
    for _ in range(6):  # houses on the horizon
        x = rng.randint(0, width - 160)
        h = rng.randint(80, 220)
        shade = rng.randint(150, 230)
        draw.rectangle([x, horizon - h, x + rng.randint(90, 180), horizon],
                       fill=(shade, shade - 20, shade - 40))  # fmt: skip
    accent = ACCENTS.get(category, (80, 80, 80))
    cx, cy = width // 2 + rng.randint(-200, 200), (horizon + height) // 2
    if category == "lighting":
        draw.rectangle([cx - 8, horizon - 260, cx + 8, cy], fill=(70, 70, 70))
        draw.ellipse([cx - 30, horizon - 290, cx + 30, horizon - 250], fill=accent)
    else:
        for _ in range(rng.randint(3, 7)):
            rx, ry = rng.randint(60, 220), rng.randint(30, 90)
            dx, dy = rng.randint(-120, 120), rng.randint(-40, 40)
            draw.ellipse([cx + dx - rx, cy + dy - ry, cx + dx + rx, cy + dy + ry], fill=accent)
    image = image.filter(ImageFilter.SMOOTH)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def _jitter(lat: float, lon: float, area_km2: float | None, rng: random.Random) -> tuple[float, float]:
    """A point near the ward's centroid, within about a third of its width."""
    radius_km = math.sqrt(area_km2 or 4.0) / 3
    distance = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(angle) / KM_PER_DEGREE
    dlon = distance * math.sin(angle) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


async def ensure_demo_boundaries() -> None:
    """Hải Phòng's ward polygons, so that the demo routes reports by boundary."""
    if not await Ward.exists().where(Ward.province.code == HAI_PHONG, Ward.boundary.is_not_null()):
        await import_boundaries(read_features(DEMO_BOUNDARIES))


async def ensure_accounts() -> dict[str, int]:
    wards = {w["code"]: w["id"] for w in await Ward.select(Ward.id, Ward.code).where(
        Ward.code.is_in(list(DEMO_WARDS)))}  # fmt: skip
    province = await Province.select(Province.id).where(Province.code == HAI_PHONG).first()
    ids: dict[str, int] = {}
    password_hash = None
    for account in DEMO_ACCOUNTS:
        existing = await Person.select(Person.id).where(Person.username == account.username).first()
        if existing:
            ids[account.username] = existing["id"]
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        person = Person(
            username=account.username,
            password_hash=password_hash,
            display_name=account.display_name,
            title=account.title,
            is_admin=account.role is None,
        )
        await person.save()
        ids[account.username] = person.id
        if account.role:
            await StaffRole.insert(
                StaffRole(
                    person=person.id,
                    role=account.role,
                    ward=wards.get(account.ward_code) if account.ward_code else None,
                    province=province["id"] if account.province_code else None,
                )
            )
    return ids


async def ensure_residents() -> list[int]:
    ids = []
    for n, (name, phone, email) in enumerate(DEMO_RESIDENTS):
        identity = f"demo-resident-{n}"
        row = await Person.select(Person.id).where(Person.device_identity == identity).first()
        if row is None:
            person = Person(device_identity=identity, display_name=name, phone=phone,
                            email=email or None)  # fmt: skip
            await person.save()
            ids.append(person.id)
        else:
            ids.append(row["id"])
    return ids


async def seed_demo(media: MediaStore, progress: Callable[[Iterable], Iterable] = iter) -> int:
    """Create what is missing of the demo; returns how many reports were added."""
    await ensure_demo_boundaries()
    await ensure_default_categories()
    accounts = await ensure_accounts()
    residents = await ensure_residents()
    categories = {c["code"]: c["id"] for c in await Category.select(Category.id, Category.code)}
    wards = await Ward.select().where(Ward.code.is_in(list(DEMO_WARDS))).order_by(Ward.code)
    if len(wards) != len(DEMO_WARDS):
        raise RuntimeError("the demo wards are missing: run `gandan import-units` first")
    staff_by_ward = {"11446": accounts["canbo.phulien"], "11443": accounts["canbo.kienan"]}

    now = clock.now()
    plan = [(ward, n) for ward in wards for n in range(REPORTS_PER_WARD[ward["code"]])]
    added = 0
    for ward, n in progress(plan):
        key = f"demo-{ward['code']}-{n:02d}"
        if await Report.exists().where(Report.idempotency_key == key):
            continue
        rng = random.Random(key)
        category = rng.choice(sorted(DESCRIPTIONS))
        storyline = STORYLINES[n] if n < len(STORYLINES) else rng.choice(STORYLINES)
        resident = rng.randrange(len(residents))
        name, phone, email = DEMO_RESIDENTS[resident]
        lat, lon = _jitter(ward["lat"], ward["lon"], ward["area_km2"], rng)
        photo = process_photo(demo_photo(category, rng.randrange(10**9)))
        media.save(photo)
        # A resolved case awaits the reporter's answer for 7 days, so it must be recent to
        # still be "resolved" rather than closed by the sweep.
        awaiting_answer = bool(storyline) and storyline[-1] == Action.RESOLVE
        age_days = rng.uniform(1, 4) if awaiting_answer else rng.uniform(1, 50)
        created_at = now - timedelta(days=age_days, minutes=rng.randint(0, 600))
        report = await create_report(
            NewReport(
                ward_id=ward["id"], category_id=categories[category],
                description=rng.choice(DESCRIPTIONS[category]), lat=lat, lon=lon,
                channel=rng.choice(["web", "web", "app", "counter", "hotline"]),
                reporter_id=residents[resident], reporter_name=name, reporter_phone=phone,
                reporter_email=email, show_name=rng.random() < 0.25, idempotency_key=key,
                photos=[photo],
            ),
            at=created_at,
        )  # fmt: skip
        added += 1
        officer = staff_by_ward.get(ward["code"])
        at = created_at
        for action in storyline:
            at = min(at + timedelta(hours=rng.uniform(2, 60)), now - timedelta(minutes=5))
            await apply_action(report["id"], action, actor_id=officer,
                               public_text=PUBLIC_REPLIES.get(action, ""), at=at)  # fmt: skip
        if storyline and storyline[-1] == Action.CLOSE:
            await Rating.insert(Rating(report=report["id"], person=residents[resident],
                                       stars=rng.choice([3, 4, 5, 5]), created_at=at))  # fmt: skip
            await ward_changed(report["ward"])  # as rate() does: the ward's index counts ratings
    # Overdue demo cases get their apology slips and escalations the way real ones do.
    await sweep(now)
    await ensure_demo_actions(media, accounts["lanhdao.phulien"])
    await ensure_demo_consultations(media, accounts, residents)
    await ensure_demo_participation(media, accounts, residents, demo_photo("lighting", 38), demo_pdf)
    await ensure_demo_decisions(media, accounts, demo_pdf)
    await ensure_demo_moderation(media, accounts["lanhdao.phulien"], residents, demo_photo, DEMO_RESIDENTS[4])
    if not await key_is_valid(DEMO_API_KEY):
        await issue_key("Demo Open311 partner", accounts["admin"], key=DEMO_API_KEY)
    return added


DEMO_ACTIONS = [
    (
        "plan",
        "Kế hoạch cải tạo hệ thống thoát nước các ngõ trên đường Trần Thành Ngọ năm 2027",
        "UBND phường công khai kế hoạch cải tạo 1,2 km rãnh thoát nước tại 6 ngõ thường xuyên ngập úng. "
        "Thời gian thi công dự kiến từ tháng 3 đến tháng 6 năm 2027.\nMời bà con góp ý tại bộ phận một cửa.",
    ),
    (
        "budget",
        "Công khai dự toán ngân sách phường năm 2027",
        "Tổng dự toán chi ngân sách phường năm 2027, trong đó chi sửa chữa hạ tầng đô thị và chiếu sáng.",
    ),
    (
        "inspection",
        "Kết quả kiểm tra việc thu gom rác thải tại khu dân cư số 4",
        "Đoàn kiểm tra đã làm việc với đơn vị thu gom; yêu cầu tăng tần suất thu gom lên hằng ngày.",
    ),
]


def demo_pdf(title: str) -> bytes:
    """A one-page PDF drawn with Pillow: enough to show how documents are published."""
    page = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    draw = ImageDraw.Draw(page)
    draw.rectangle([80, 80, 1160, 220], outline=(179, 38, 30), width=6)
    draw.text((110, 120), "UBND PHUONG PHU LIEN", fill=(179, 38, 30))
    draw.text((110, 260), title.encode("ascii", "ignore").decode() or "Document", fill="black")
    for line in range(12):
        draw.line([110, 340 + line * 60, 1130, 340 + line * 60], fill=(200, 200, 200), width=3)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()


async def ensure_demo_actions(media: MediaStore, lead_id: int) -> None:
    lead = await load_actor(lead_id)
    resolved = await Report.select(Report.code).where(
        Report.ward.code == "11446",
        Report.category.code == "waste",
        Report.status.is_in(["resolved", "closed"]),
    )
    for kind, title, body in DEMO_ACTIONS:
        if await GovernmentAction.exists().where(GovernmentAction.title == title):
            continue
        answers = [r["code"] for r in resolved] if kind == "inspection" else []
        await publish(
            lead,
            NewAction(
                ward_code="11446",
                kind=kind,
                title=title,
                body=body,
                report_codes=answers,
                attachments=[Upload("van-ban.pdf", demo_pdf(title))],
            ),
            media,
        )


PHU_LIEN_GROUPS = "ward_code,name,kind,households\n" + "".join(
    f"11446,Tổ dân phố số {n},to_dan_pho,{households}\n"
    for n, households in enumerate((212, 187, 243, 198, 120, 231, 94, 88), start=1)
)
MERGER_TITLE = "Dự thảo phương án sáp nhập Tổ dân phố số 7 và Tổ dân phố số 8 thành Tổ dân phố số 7"
MERGER_SUMMARY = (
    "Tổ dân phố số 7 (94 hộ) và Tổ dân phố số 8 (88 hộ) đều dưới mức quy định về số hộ gia đình. "
    "UBND phường dự kiến sáp nhập hai tổ thành Tổ dân phố số 7, nhà văn hóa chung đặt tại số 12 ngõ 45.\n"
    "Mời bà con hai tổ cho ý kiến về phương án, tên gọi và địa điểm sinh hoạt chung."
)
LONGER_MARKET_HOURS = "Đề nghị kéo dài giờ họp chợ đến 12 giờ vào ngày rằm."
MARKET_TITLE = "Dự thảo quy định về giờ họp chợ tạm và giữ gìn vệ sinh tại khu chợ Phù Liễn"


async def ensure_demo_consultations(media: MediaStore, accounts: dict[str, int],
                                    residents: list[int]) -> None:
    """Phù Liễn's residential groups, a consultation open now (a group merger) with verified
    and unverified answers and comments, and a closed one with its synthesis: all through the
    same code paths as the pages."""
    from app.participation import comments, consultations
    from app.participation.groups import groups_of, import_groups, read_groups
    from app.participation.verification import issue, redeem

    await import_groups(read_groups(PHU_LIEN_GROUPS))
    if await Consultation.exists().where(Consultation.title == MERGER_TITLE):
        return
    ward = await Ward.select(Ward.id).where(Ward.code == "11446").first()
    groups = {g["name"]: g["id"] for g in await groups_of(ward["id"])}
    lead = await load_actor(accounts["lanhdao.phulien"])
    group_head = await load_actor(accounts["totruong.phulien"])
    now = clock.now()
    today = now.astimezone(clock.VIETNAM).date()
    previous = clock.use(clock.FixedClock(now - timedelta(days=40)))
    try:
        market = await consultations.create(lead, consultations.NewConsultation(
            ward_code="11446", matter="community_decision", title=MARKET_TITLE,
            summary="Chợ tạm họp từ 5 giờ đến 11 giờ; các hộ kinh doanh tự thu gom rác về điểm tập kết.",
            opens_on=today - timedelta(days=40), closes_on=today - timedelta(days=26),
            questions=[consultations.NewQuestion("scale", "Bà con có đồng ý với dự thảo quy định không?"),
                       consultations.NewQuestion("comment", "Ý kiến khác của bà con")],
            documents=[Upload("du-thao-quy-dinh-cho.pdf", demo_pdf(MARKET_TITLE))],
        ), media)  # fmt: skip
        questions = await consultations.questions_of(market)
        for n, person in enumerate(residents):
            await consultations.answer(market, person, {
                f"q{questions[0]['id']}": [str((4, 5, 2, 4, 3, 5)[n % 6])],
                f"q{questions[1]['id']}": [LONGER_MARKET_HOURS] if n == 2 else [],
            })  # fmt: skip
        clock.use(clock.FixedClock(now - timedelta(days=20)))
        await consultations.publish_synthesis(lead, market, consultations.Synthesis(
            said="6 người dân cho ý kiến; đa số đồng ý với dự thảo. Một ý kiến đề nghị kéo dài giờ họp chợ "
                 "đến 12 giờ vào ngày rằm.",
            taken_up="Giữ giờ họp chợ từ 5 giờ đến 11 giờ; bổ sung thùng rác tại hai lối vào chợ.",
            not_taken_up="Chưa kéo dài giờ họp chợ vào ngày rằm vì ảnh hưởng giao thông giờ tan học; "
                         "phường sẽ xem xét lại sau 6 tháng.",
        ), media)  # fmt: skip
        clock.use(clock.FixedClock(now - timedelta(days=3)))
        merger = await consultations.create(lead, consultations.NewConsultation(
            ward_code="11446", matter="units", title=MERGER_TITLE, summary=MERGER_SUMMARY,
            opens_on=today - timedelta(days=3), closes_on=today + timedelta(days=12), results_while_open=True,
            group_ids=[groups["Tổ dân phố số 7"], groups["Tổ dân phố số 8"]],
            questions=[
                consultations.NewQuestion("scale", "Bà con có đồng ý sáp nhập hai tổ dân phố không?"),
                consultations.NewQuestion("single", "Tên gọi của tổ dân phố sau sáp nhập",
                                          ["Tổ dân phố số 7", "Tổ dân phố Đồng Hòa"]),
                consultations.NewQuestion("multiple", "Địa điểm sinh hoạt chung bà con thấy thuận tiện",
                                          ["Nhà văn hóa số 12 ngõ 45", "Sân trường tiểu học",
                                           "Nhà văn hóa tổ 8 cũ"]),
                consultations.NewQuestion("comment", "Ý kiến khác của bà con"),
            ],
            documents=[Upload("phuong-an-sap-nhap-to-7-8.pdf", demo_pdf(MERGER_TITLE))],
        ), media)  # fmt: skip
        # Two residents met the group head in person and typed their codes.
        for person in residents[:2]:
            issued = await issue(group_head, "11446", groups["Tổ dân phố số 7"])
            await redeem(person, issued.code)
        q = {question["kind"]: question["id"] for question in await consultations.questions_of(merger)}
        for n, person in enumerate(residents[:5]):
            await consultations.answer(merger, person, {
                f"q{q['scale']}": [str((5, 4, 2, 4, 5)[n])], f"q{q['single']}": [str((0, 1, 0, 0, 1)[n])],
                f"q{q['multiple']}": [["0"], ["0", "1"], ["2"], ["0"], ["1"]][n],
            })  # fmt: skip
        first = await comments.post("consultation", merger, ward["id"], residents[0],
                                    "Nên giữ tên Tổ dân phố số 7 cho quen thuộc với bà con lớn tuổi.")
        await comments.post("consultation", merger, ward["id"], residents[3],
                            "Nhà văn hóa số 12 hơi chật, đề nghị phường hỗ trợ cải tạo.")
        await comments.post("consultation", merger, ward["id"], residents[2],
                            "Đồng ý, nhưng xin giữ nguyên lịch sinh hoạt tổ vào tối thứ Bảy.",
                            parent_id=first)
        for person in residents[1:4]:
            await comments.support(first, person)
    finally:
        clock.use(previous)
