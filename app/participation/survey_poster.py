"""The poster for the one-stop desk: the ward's name, a short call to action in Vietnamese and
a big QR code to the ward's survey page. Printed and taped to the counter, so it is always in
Vietnamese, whatever the language of the person who downloads it. CPU work: callers run
`survey_poster` off the event loop."""

from __future__ import annotations

from app.platform import printing

HEADING = "Bạn hài lòng với phục vụ của chúng tôi?"
CALL = "Quét mã QR để đánh giá: chỉ mất khoảng 1 phút."
ANONYMOUS = (
    "Phiếu khảo sát ẩn danh: không cần đăng nhập, không hỏi họ tên, số điện thoại. "
    "Mỗi điện thoại đánh giá một lần trong mỗi kỳ."
)
CRITERIA = "Mức độ hài lòng · Thời gian giải quyết · Thái độ cán bộ · Số lần phải đi lại · Công khai thủ tục"
QR_SIZE_MM = 120


def survey_poster(ward_name: str, url: str) -> bytes:
    """One A4 page: ward name, call to action, the QR code and the address written out."""
    pdf = printing.new_document(f"Khảo sát mức độ hài lòng — {ward_name}")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(printing.FONT, "B", 26)
    pdf.set_y(18)
    pdf.multi_cell(width, 12, ward_name, align="C")
    pdf.set_font(printing.FONT, "B", 20)
    pdf.ln(4)
    pdf.multi_cell(width, 10, HEADING, align="C")
    pdf.set_font(printing.FONT, "", 15)
    pdf.ln(2)
    pdf.multi_cell(width, 8, CALL, align="C")
    top = pdf.get_y() + 6
    pdf.image(printing.qr_image(url, scale=12), x=(pdf.w - QR_SIZE_MM) / 2, y=top, w=QR_SIZE_MM)
    pdf.set_y(top + QR_SIZE_MM + 4)
    pdf.set_font(printing.FONT, "", 12)
    pdf.multi_cell(width, 7, url, align="C")
    pdf.ln(3)
    pdf.set_font(printing.FONT, "", 11)
    pdf.multi_cell(width, 6, CRITERIA, align="C")
    pdf.ln(2)
    pdf.multi_cell(width, 6, ANONYMOUS, align="C")
    return printing.render(pdf)
