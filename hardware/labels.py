"""Labels: a layout in millimetres, rendered as PNG, SVG, PDF or ZPL; the key tag.

A label is a ``Layout``: its size and its elements (``Text`` and ``Code``),
computed once in millimetres. Every backend draws the same elements, so what
the browser shows, what the PDF prints and what the label printer gets carry
the same codes in the same places.  Codes are snapped to whole pixels (or
printer dots) per module before drawing; see ``hardware.symbols`` for why.

ZPL is built in ``hardware.labels_zpl`` (``render_zpl`` is re-exported here).
The key tag (80 x 50 mm, ``TagData``) lives here; the other kinds are in
``hardware.labels_kinds``.
"""

from __future__ import annotations

import glob
import io
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.units import mm as PDF_MM
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from hardware.symbols import (
    MIN_MODULE_MM, Symbol, fit_module_pixels, make_symbol, mm_to_px, module_pixels,
    svg_rects, symbol_array, symbol_image, symbol_svg,
)

TAG_WIDTH_MM, TAG_HEIGHT_MM = 80.0, 50.0
PNG_DPI = 300  # PNG, SVG and PDF share the geometry of a 300 dpi raster
ZPL_DPI = 203
ZPL_CJK_FONT = "E:SIMSUN.TTF"  # the name the CJK font is stored under on the label printer
FORMATS = ("png", "svg", "pdf", "zpl")
PDF_CJK_FONT = "STSong-Light"  # Adobe's built-in CID font: no font file to ship
# UniGB-UCS2-H, the CMap behind STSong-Light, has no U+00B7 (the dot in plates
# like "沪A·D1234"); its GB 2312 middle dot is reached through U+30FB.
_PDF_CJK_SUBSTITUTES = str.maketrans({"\u00b7": "\u30fb", "\u2022": "\u30fb"})
SVG_FONTS = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',SimHei,sans-serif"

_WINDOWS_FONTS = os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts")
# Glob patterns tried in order; the first readable font wins.
CJK_FONT_CANDIDATES: dict[bool, list[str]] = {  # keyed by bold
    False: [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian fonts-noto-cjk
        "/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc",
        "/usr/share/fonts/**/NotoSansCJK*.ttc",  # Fedora, Arch
        os.path.join(_WINDOWS_FONTS, "msyh.tt?"),  # Microsoft YaHei
        os.path.join(_WINDOWS_FONTS, "simhei.ttf"),
        "/System/Library/Fonts/PingFang.ttc",
    ],
    True: [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/**/NotoSansCJK-Bold.ttc",
        os.path.join(_WINDOWS_FONTS, "msyhbd.tt?"),
    ],
}


@dataclass(frozen=True)
class TagData:
    """What a key tag shows; every text already translated and masked by the caller."""

    number: str
    plate: str
    vehicle_model: str
    customer_name: str = ""
    advisor: str = ""
    promised_text: str = ""
    store_name: str = ""
    title: str = ""


@dataclass(frozen=True)
class Text:
    x: float  # left edge of the box, mm
    baseline: float
    width: float
    size: float  # em size, mm
    text: str
    bold: bool = False
    right: bool = False


@dataclass(frozen=True)
class Code:
    x: float  # the box the symbol (quiet zone included) is centred in, mm
    y: float
    width: float
    height: float
    symbol: Symbol


@dataclass(frozen=True)
class Layout:
    """A label's size in millimetres and what is drawn on it."""

    width: float
    height: float
    elements: tuple[Text | Code, ...]


def text(x: float, baseline: float, width: float, size: float, value: str, *, bold: bool = False,
         right: bool = False) -> Text | None:
    """A text element cut to fit ``width``, or None when there is nothing to show."""
    if not (value or "").strip():
        return None
    return Text(x, baseline, width, size, fit(value, width, size), bold, right)


def layout(width: float, height: float, *elements: Text | Code | None) -> Layout:
    """A Layout of the given elements, the Nones (empty texts) left out."""
    return Layout(width, height, tuple(el for el in elements if el is not None))


def em_width(text: str) -> float:
    """Rough advance width in ems: CJK is square, Latin about 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)


def fit(text: str, width: float, size: float) -> str:
    """Cut ``text`` with an ellipsis so it fits ``width`` mm at ``size`` mm."""
    text = " ".join(text.split())
    if em_width(text) * size <= width:
        return text
    while text and em_width(text + "…") * size > width:
        text = text[:-1]
    return text + "…"


def tag_layout(tag: TagData) -> Layout:
    """The key tag: left column text, QR on the right, Code 128 along the bottom."""
    number_size = min(6.5, 52.0 / max(em_width(tag.number), 1.0))  # the number is never cut
    people = "  ·  ".join(part for part in (tag.customer_name, tag.advisor) if part)
    return layout(
        TAG_WIDTH_MM, TAG_HEIGHT_MM,
        text(2.5, 5.5, 44.0, 3.4, tag.title, bold=True),
        text(48.0, 5.5, 29.5, 3.0, tag.store_name, right=True),
        text(2.5, 13.5, 52.0, number_size, tag.number, bold=True),
        text(2.5, 20.5, 52.0, 5.0, tag.plate, bold=True),
        text(2.5, 25.5, 52.0, 3.6, tag.vehicle_model),
        text(2.5, 30.0, 52.0, 3.0, people),
        text(2.5, 34.0, 52.0, 3.0, tag.promised_text),
        Code(55.0, 7.0, 22.5, 22.5, make_symbol(tag.number, "qr")),
        Code(1.0, 36.0, 78.0, 12.0, make_symbol(tag.number, "code128")),
    )


def _layout(tag: TagData) -> list[Text | Code]:
    """The key tag's elements (kept for callers written before ``tag_layout``)."""
    return list(tag_layout(tag).elements)


def _place(code: Code, dpi: int) -> tuple[int, int, int, int]:
    """Module size, left, top and bar height of ``code`` in pixels at ``dpi``."""
    box_w, box_h = mm_to_px(code.width, dpi), mm_to_px(code.height, dpi)
    module = fit_module_pixels(code.symbol, box_w if code.symbol.is_linear else min(box_w, box_h))
    if module < module_pixels(MIN_MODULE_MM, dpi):
        raise ValueError(f"{code.symbol.text!r} is too long for a {code.symbol.symbology} code on this label")
    size_w = module * code.symbol.width
    size_h = box_h if code.symbol.is_linear else size_w
    left = mm_to_px(code.x, dpi) + (box_w - size_w) // 2
    top = mm_to_px(code.y, dpi) + (box_h - size_h) // 2
    return module, left, top, size_h


@lru_cache(maxsize=2)
def find_cjk_font(bold: bool = False) -> tuple[str, int] | None:
    """Path and collection index of a CJK font on this machine, or None.

    In a collection (.ttc) the Simplified Chinese face is preferred, so that
    shared Han characters get mainland glyph shapes.
    """
    patterns = CJK_FONT_CANDIDATES[bold] + (CJK_FONT_CANDIDATES[False] if bold else [])
    for pattern in patterns:
        for path in sorted(glob.glob(pattern, recursive=True)):
            faces = []
            for index in range(10):
                try:
                    faces.append(ImageFont.truetype(path, 10, index=index).getname()[0] or "")
                except OSError:
                    break
            if faces:
                sc = [i for i, name in enumerate(faces) if " SC" in name and "Mono" not in name]
                return path, sc[0] if sc else 0
    return None


@lru_cache(maxsize=32)  # a CJK collection is 20 MB: load each size once
def _pil_font(size_px: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    found = find_cjk_font(bold)
    if found:
        return ImageFont.truetype(found[0], size_px, index=found[1])
    return ImageFont.load_default(size=size_px)  # no CJK glyphs, but never a crash


def raster(label: Layout, dpi: int = PNG_DPI) -> Image.Image:
    """The label as a greyscale PIL image at ``dpi`` (codes pixel-exact, text anti-aliased)."""
    image = Image.new("L", (mm_to_px(label.width, dpi), mm_to_px(label.height, dpi)), 255)
    draw = ImageDraw.Draw(image)
    for el in label.elements:
        if isinstance(el, Code):
            module, left, top, height = _place(el, dpi)
            image.paste(Image.fromarray(symbol_array(el.symbol, module, height)), (left, top))
            continue
        font = _pil_font(max(1, round(el.size * dpi / 25.4)), el.bold)
        text = el.text
        if not isinstance(font, ImageFont.FreeTypeFont):
            text = text.encode("latin-1", "replace").decode("latin-1")  # bitmap fonts are Latin-1 only
        x = el.x + el.width if el.right else el.x  # anchor "rs" puts the text's end at x
        draw.text((round(x * dpi / 25.4), round(el.baseline * dpi / 25.4)), text, fill=0, font=font,
                  anchor="rs" if el.right else "ls")
    return image


def _render_png(label: Layout, dpi: int = PNG_DPI) -> bytes:
    out = io.BytesIO()
    raster(label, dpi).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _render_svg(label: Layout, dpi: int = PNG_DPI) -> bytes:
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


def _render_pdf(label: Layout, dpi: int = PNG_DPI) -> bytes:
    return render_pdf_pages([label], dpi)


def render_pdf_pages(pages: list[Layout], dpi: int = PNG_DPI) -> bytes:
    """Several layouts as the pages of one PDF (each page its layout's size)."""
    if PDF_CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_CJK_FONT))
    out = io.BytesIO()
    # invariant=1 drops the timestamp and random id: the same tag gives the same bytes.
    pdf = canvas.Canvas(out, pagesize=(pages[0].width * PDF_MM, pages[0].height * PDF_MM), invariant=1)
    for label in pages:
        pdf.setPageSize((label.width * PDF_MM, label.height * PDF_MM))
        _pdf_page(pdf, label, dpi)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _pdf_page(pdf: canvas.Canvas, label: Layout, dpi: int) -> None:
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
        if text.isascii():
            pdf.setFont("Helvetica-Bold" if el.bold else "Helvetica", el.size * PDF_MM)
        else:
            text = text.translate(_PDF_CJK_SUBSTITUTES)
            pdf.setFont(PDF_CJK_FONT, el.size * PDF_MM)
        y = top_of_page - el.baseline * PDF_MM
        if el.right:
            pdf.drawRightString((el.x + el.width) * PDF_MM, y, text)
        else:
            pdf.drawString(el.x * PDF_MM, y, text)


def render_layout(label: Layout, fmt: str, *, zpl_mode: str = "font") -> bytes:
    """Render any label as ``"png"``, ``"svg"``, ``"pdf"`` or ``"zpl"`` bytes.

    Raises ValueError for an unknown format or a code too long for its box.
    """
    if fmt == "zpl":
        from hardware.labels_zpl import render_zpl

        return render_zpl(label, mode=zpl_mode)
    backends = {"png": _render_png, "svg": _render_svg, "pdf": _render_pdf}
    if fmt not in backends:
        raise ValueError(f"unknown label format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return backends[fmt](label)


def render_tag(tag: TagData, fmt: str) -> bytes:
    """Render a key tag as ``"png"``, ``"svg"``, ``"pdf"`` or ``"zpl"`` bytes."""
    return render_layout(tag_layout(tag), fmt)


def render_tag_file(tag: TagData, path: str | os.PathLike[str]) -> Path:
    """Write the tag to ``path`` in the format its ending names; returns the path."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"cannot tell the label format from {path.name!r}: "
                         f"use one of {', '.join('.' + f for f in FORMATS)}")
    path.write_bytes(render_tag(tag, fmt))
    return path


def code_png(text: str, symbology: str = "code128") -> bytes:
    """PNG bytes of one code (300 dpi, quiet zone included) for web pages."""
    image = symbol_image(make_symbol(text, symbology), module_mm=0.34 if symbology == "code128" else 0.5)
    out = io.BytesIO()
    image.save(out, "PNG", dpi=image.info["dpi"])
    return out.getvalue()


def code_svg(text: str, symbology: str = "code128") -> str:
    """An inline ``<svg>`` element of one code, sized in millimetres."""
    return symbol_svg(make_symbol(text, symbology), module_mm=0.34 if symbology == "code128" else 0.5)


def render_zpl(tag: TagData | Layout, cjk_font: str = ZPL_CJK_FONT, *, mode: str = "font") -> bytes:
    """The label as ZPL II (see ``hardware.labels_zpl.render_zpl``)."""
    from hardware import labels_zpl

    return labels_zpl.render_zpl(tag, cjk_font, mode=mode)
