"""The default categories (lĩnh vực) and their deadlines; admins may change them later.

Ordinary cases count working days; urgent ones (flooding, dangers to public order) count hours.
"""

from __future__ import annotations

from app.platform.tables import Category

DEFAULT_CATEGORIES = [
    # code, Vietnamese, English, working days, hours
    ("roads", "Đường sá, cầu cống, vỉa hè", "Roads, bridges and pavements", 5, None),
    ("lighting", "Chiếu sáng công cộng", "Street lighting", 3, None),
    ("waste", "Rác thải, vệ sinh môi trường", "Waste and cleanliness", 2, None),
    ("drainage", "Thoát nước, ngập úng", "Drainage and flooding", None, 24),
    ("environment", "Ô nhiễm môi trường", "Pollution", 5, None),
    ("public_order", "Trật tự công cộng, an toàn", "Public order and safety", None, 24),
    ("land_construction", "Đất đai, xây dựng", "Land and construction", 10, None),
    ("admin_service", "Thủ tục hành chính, thái độ phục vụ", "Administrative services", 5, None),
    ("other", "Vấn đề khác", "Other", 7, None),
]


async def ensure_default_categories() -> int:
    """Insert the default categories that are missing; never overwrite an admin's edits."""
    existing = {row["code"] for row in await Category.select(Category.code)}
    missing = [
        Category(
            code=code,
            name_vi=name_vi,
            name_en=name_en,
            deadline_working_days=days,
            deadline_hours=hours,
            urgent=hours is not None,
            sort_order=position,
        )
        for position, (code, name_vi, name_en, days, hours) in enumerate(DEFAULT_CATEGORIES)
        if code not in existing
    ]
    if missing:
        await Category.insert(*missing)
    return len(missing)
