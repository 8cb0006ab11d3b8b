"""Suggested public replies, per category and status, that staff adapt before sending.

They are official words to residents, so they are written in Vietnamese.
"""

from __future__ import annotations

GENERIC = {
    "received": [
        "UBND đã tiếp nhận phản ánh của ông/bà và giao cán bộ phụ trách kiểm tra.",
    ],
    "accepted": [
        "Cán bộ đã kiểm tra hiện trường; UBND đang phối hợp đơn vị liên quan để xử lý.",
    ],
    "in_progress": [
        "Đã xử lý xong. Đề nghị ông/bà kiểm tra và xác nhận kết quả trong 7 ngày.",
        "Việc xử lý cần thêm thời gian do phải phối hợp với đơn vị khác; UBND sẽ thông báo kết quả.",
    ],
}

BY_CATEGORY = {
    ("roads", "in_progress"): ["Đã vá ổ gà, hoàn trả mặt đường. Đề nghị ông/bà kiểm tra và xác nhận."],
    ("lighting", "in_progress"): ["Đã thay bóng và sửa đường dây chiếu sáng. Đề nghị ông/bà xác nhận."],
    ("waste", "accepted"): ["Đã yêu cầu đơn vị thu gom xử lý trong ngày."],
    ("waste", "in_progress"): ["Đã thu dọn rác, vệ sinh khu vực. Đề nghị ông/bà kiểm tra và xác nhận."],
    ("drainage", "accepted"): ["Đã cử tổ công tác khơi thông cống rãnh, hút nước ngập."],
    ("public_order", "accepted"): ["Đã giao Công an xã/phường kiểm tra, xử lý theo quy định."],
    ("land_construction", "accepted"): [
        "Đã giao công chức địa chính – xây dựng kiểm tra hiện trường, lập biên bản."
    ],
}  # fmt: skip


def suggested_replies(category: str, status: str) -> list[str]:
    return BY_CATEGORY.get((category, status), []) + GENERIC.get(status, [])
