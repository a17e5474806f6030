"""The vector backends of ``hardware.labels``: SVG for web pages and PDF for printers and CUPS.

Both draw the codes from the same 300 dpi pixel geometry as the PNG backend
(``_place``), so bars are whole multiples of the module in every format.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape, quoteattr

from reportlab.lib.units import mm as PDF_MM
from reportlab.pdfgen import canvas

from hardware.labels_layout import PNG_DPI, Code, Layout, Text, _place
from hardware.pdf_fonts import font_for
from hardware.symbols import svg_rects
SVG_FONTS = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',SimHei,sans-serif"


def render_svg(label: Layout, dpi: int = PNG_DPI) -> bytes:
    """The label as a standalone SVG document sized in millimetres."""
    mm = 25.4 / dpi  # one pixel of the shared 300 dpi geometry, in mm
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label.width:g}mm" height="{label.height:g}mm" '
        f'viewBox="0 0 {label.width:g} {label.height:g}">',
        '<rect width="100%" height="100%" fill="#fff"/>',
        f'<g font-family="{SVG_FONTS}" fill="#000">',
    ]
    for el in label.elements:
        if isinstance(el, Code):
            module, left, top, height = _place(el, dpi)
            parts.append(
                f'<g id="{el.symbol.symbology}" data-text={quoteattr(el.symbol.text)} shape-rendering="crispEdges">'
                f"{svg_rects(el.symbol, left * mm, top * mm, module * mm, height * mm)}</g>"
            )
        else:
            x = el.x + el.width if el.right else el.x
            weight = ' font-weight="bold"' if el.bold else ""
            anchor = ' text-anchor="end"' if el.right else ""
            parts.append(f'<text x="{x:g}" y="{el.baseline:g}" font-size="{el.size:g}"{weight}{anchor}>'
                         f"{escape(el.text)}</text>")
    parts.append("</g></svg>\n")
    return "".join(parts).encode("utf-8")


def render_pdf(label: Layout, dpi: int = PNG_DPI) -> bytes:
    """The label as a one-page PDF of its size."""
    return render_pdf_pages([label], dpi)


def render_pdf_pages(pages: list[Layout], dpi: int = PNG_DPI) -> bytes:
    """Several layouts as the pages of one PDF (each page its layout's size).

    All text is drawn in a subset of the machine's CJK font embedded in the file
    (``hardware.pdf_fonts``): it shows and extracts on any viewer.
    """
    texts = [el for label in pages for el in label.elements if isinstance(el, Text)]
    fonts = {bold: font_for("".join(el.text for el in texts if el.bold == bold), bold)
             for bold in {el.bold for el in texts} or {False}}
    out = io.BytesIO()
    # invariant=1 drops the timestamp and random id: the same tag gives the same bytes. The
    # initial font is an embedded one too (reportlab would otherwise name Helvetica, unembedded).
    pdf = canvas.Canvas(out, pagesize=(pages[0].width * PDF_MM, pages[0].height * PDF_MM), invariant=1,
                        initialFontName=next(iter(fonts.values())))
    for label in pages:
        pdf.setPageSize((label.width * PDF_MM, label.height * PDF_MM))
        _pdf_page(pdf, label, dpi, fonts)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _pdf_page(pdf: canvas.Canvas, label: Layout, dpi: int, fonts: dict[bool, str]) -> None:
    top_of_page = label.height * PDF_MM
    px = 72.0 / dpi  # one pixel of the shared geometry, in points
    for el in label.elements:
        if isinstance(el, Code):
            module, left, top, height = _place(el, dpi)
            for row, first, length in el.symbol.dark_runs():
                y = top + (0 if el.symbol.is_linear else row * module)
                h = height if el.symbol.is_linear else module
                pdf.rect((left + first * module) * px, top_of_page - (y + h) * px, length * module * px, h * px,
                         stroke=0, fill=1)
            continue
        text = el.text
        pdf.setFont(fonts[el.bold], el.size * PDF_MM)
        y = top_of_page - el.baseline * PDF_MM
        if el.right:
            pdf.drawRightString((el.x + el.width) * PDF_MM, y, text)
        else:
            pdf.drawString(el.x * PDF_MM, y, text)
