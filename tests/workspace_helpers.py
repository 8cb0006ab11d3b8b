"""Staff accounts and reports for the workspace tests, made through the real code paths."""

from __future__ import annotations

import re
from datetime import datetime

from app.accounts.people import create_staff_user
from app.demo import DEMO_PASSWORD, ensure_accounts
from app.platform.tables import Category, Person, Ward
from app.reporting.categories import ensure_default_categories
from app.reporting.reports import NewReport, create_report
from app.reporting.submission import follow

PHU_LIEN, KIEN_AN = "11446", "11443"


async def staff_accounts() -> dict[str, int]:
    await ensure_default_categories()
    ids = await ensure_accounts()
    ids["clerk.phulien"] = await create_staff_user(
        "clerk.phulien", DEMO_PASSWORD, display_name="Tình nguyện viên", role="clerk", ward_code=PHU_LIEN
    )
    return ids


async def resident(token: str = "resident-1") -> int:
    person = Person(device_identity=token, display_name="Bà Lan", phone="0912345678")
    await person.save()
    return person.id


async def new_report(ward_code: str = PHU_LIEN, *, category: str = "roads", at: datetime | None = None,
                     reporter: int | None = None) -> dict:  # fmt: skip
    ward = await Ward.select(Ward.id, Ward.lat, Ward.lon).where(Ward.code == ward_code).first()
    cat = await Category.select(Category.id).where(Category.code == category).first()
    report = await create_report(NewReport(
        ward_id=ward["id"], category_id=cat["id"], description="Ổ gà trước cổng trường",
        lat=ward["lat"], lon=ward["lon"], reporter_id=reporter, reporter_phone="0912345678",
    ), at=at)  # fmt: skip
    if reporter:
        await follow(reporter, report["id"])
    return report


def csrf(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


async def sign_in(client, username: str, password: str = DEMO_PASSWORD):
    page = await client.get("/login")
    return await client.post("/login", data={"username": username, "password": password,
                                             "_csrf_token": csrf(page.text), "next": "/staff/"})  # fmt: skip


async def act(client, code: str, action: str, **fields):
    page = await client.get(f"/staff/reports/{code}")
    return await client.post(f"/staff/reports/{code}/act",
                             data={"_csrf_token": csrf(page.text), "action": action, **fields})  # fmt: skip
