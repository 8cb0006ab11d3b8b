"""Printable A4 documents: ballot sheets for households, posters for the one-stop desk.

fpdf2 with a bundled DejaVu Sans, because the PDF core fonts have no Vietnamese glyphs and a
deployment must not depend on which fonts its server happens to have. Building a document is
CPU work: callers run `render` off the event loop (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import segno

if TYPE_CHECKING:  # fpdf2 is imported when a document is first made: 20 MB no worker needs until then
    from fpdf import FPDF

FONT_DIR = Path(__file__).parent / "data" / "fonts"
FONT = "DejaVuSans"


def new_document(title: str) -> FPDF:
    """An empty A4 document with the Vietnamese-capable font selected and its metadata set."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_font(FONT, size=12)
    pdf.set_title(title)
    pdf.set_creator("Gần Dân")
    pdf.set_lang("vi")
    return pdf


def qr_image(text: str, *, scale: int = 10) -> io.BytesIO:
    """A QR code for `text` as a PNG to place on a page (error correction M survives creases)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=4)
    out.seek(0)
    return out


def render(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
