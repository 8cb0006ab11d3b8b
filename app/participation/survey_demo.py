"""Demo survey answers in Phù Liễn: a finished period with a few dozen varied answers, and the
current period open with a handful (fewer than the minimum, so it does not count yet). Made
through the real `submit`, one demo device per answer."""

from __future__ import annotations

import random
from datetime import datetime

from app.participation import survey
from app.participation.survey import Answer
from app.platform.tables import Person, SurveyAnswer, Ward

WARD = "11446"
FINISHED_ANSWERS = 42
RUNNING_ANSWERS = 6
COMMENTS = [
    "Cán bộ một cửa hướng dẫn tận tình, tôi làm xong thủ tục trong buổi sáng.",
    "Phải đi lại ba lần vì lần đầu không được báo thiếu giấy tờ gì.",
    "Nên có thêm ghế chờ và nước uống cho người cao tuổi.",
    "Bảng niêm yết phí, lệ phí bị che khuất, khó đọc.",
    "Trả kết quả đúng hẹn, có tin nhắn báo trước. Rất hài lòng.",
    "Giờ nghỉ trưa không có người tiếp nhận hồ sơ.",
    "Đề nghị cho nộp hồ sơ trực tuyến nhiều thủ tục hơn.",
]


def _answer(rng: random.Random) -> Answer:
    """An answer whose ratings hang together: a good overall rating mostly comes with good
    marks elsewhere, as real answers do."""
    overall = rng.choices([1, 2, 3, 4, 5], weights=[2, 3, 8, 16, 13])[0]

    def near(value: int) -> int:
        return min(5, max(1, value + rng.choice([-1, 0, 0, 1])))

    visits = 1 if overall >= 4 and rng.random() < 0.8 else rng.choice([1, 2, 2, 3])
    publicity = rng.choices(["yes", "partly", "no"], weights=[overall + 3, 3, 6 - overall])[0]
    comment = rng.choice(COMMENTS) if rng.random() < 0.3 else ""
    return Answer(overall, near(overall), near(overall), visits, publicity, comment)


async def _device(n: int) -> int:
    identity = f"demo-survey-{n}"
    row = await Person.select(Person.id).where(Person.device_identity == identity).first()
    if row:
        return row["id"]
    person = Person(device_identity=identity)
    await person.save()
    return person.id


async def ensure_demo_survey(now: datetime) -> None:
    ward = await Ward.select(Ward.id).where(Ward.code == WARD).first()
    current = survey.period_of(now, survey.DEFAULT_PERIOD_MONTHS)
    rng = random.Random(766)
    device = 0
    for period, count in ((current.previous(), FINISHED_ANSWERS), (current, RUNNING_ANSWERS)):
        if await SurveyAnswer.exists().where(
            SurveyAnswer.ward == ward["id"], SurveyAnswer.period == period.key
        ):
            device += count
            continue
        for _ in range(count):
            await survey.submit(ward["id"], period, await _device(device), _answer(rng))
            device += 1
