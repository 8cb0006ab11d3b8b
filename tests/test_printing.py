"""The printable documents open in a real PDF renderer, say their Vietnamese words, and their QR
codes decode — read back by pdfium and zxing-cpp, not by the library that wrote them."""

import pypdfium2
import zxingcpp

from app.platform import printing

URL = "https://gandan.example/vote?code=7KQ2-M4XD"
TITLE = "Phiếu biểu quyết hộ gia đình — Tổ dân phố số 5"


def test_a_page_with_vietnamese_text_and_a_qr_code_reads_back():
    pdf = printing.new_document(TITLE)
    pdf.add_page()
    pdf.multi_cell(0, 10, TITLE)
    pdf.image(printing.qr_image(URL), x=60, y=60, w=90)
    document = pypdfium2.PdfDocument(printing.render(pdf))

    assert len(document) == 1
    page = document[0]
    assert TITLE in page.get_textpage().get_text_range().replace("\r\n", " ")
    picture = page.render(scale=2).to_pil()
    assert [found.text for found in zxingcpp.read_barcodes(picture)] == [URL]
