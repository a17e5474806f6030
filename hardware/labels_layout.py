"""Labels as layouts in millimetres (``Layout``: ``Text`` and ``Code`` elements),
the key tag's layout (``TagData``), the CJK font, and the raster every
pixel backend draws from. The backends (``hardware.labels`` for PNG and the
front door, ``hardware.labels_vector``, ``hardware.labels_zpl``) build on it.
"""

from __future__ import annotations

import bisect
import glob
import io
import itertools
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


from hardware.symbols import (
    MIN_MODULE_MM, Symbol, fit_module_pixels, make_symbol, mm_to_px, module_pixels, symbol_array,
)
from hardware.lazy import lazy

# Pillow loads at its first use (hardware.lazy): most server processes never draw or read an image.
Image = lazy("PIL.Image")
ImageDraw = lazy("PIL.ImageDraw")
ImageFont = lazy("PIL.ImageFont")

TAG_WIDTH_MM, TAG_HEIGHT_MM = 80.0, 50.0
PNG_DPI = 300  # PNG, SVG and PDF share the geometry of a 300 dpi raster
ZPL_DPI = 203
ZPL_CJK_FONT = "E:SIMSUN.TTF"  # the name the CJK font is stored under on the label printer
FORMATS = ("png", "svg", "pdf", "zpl")

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


def char_width(c: str) -> float:
    """One character's rough advance width in ems: CJK is square, Latin about 0.6 em."""
    return 1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6


def em_width(text: str) -> float:
    """Rough advance width in ems: CJK is square, Latin about 0.6 em."""
    return sum(char_width(c) for c in text)


def fit(text: str, width: float, size: float) -> str:
    """Cut ``text`` with an ellipsis so it fits ``width`` mm at ``size`` mm.

    The cut is found by bisecting the running widths (one pass over the text,
    then logarithmic steps), never by trimming a character at a time: a job
    description of 100,000 characters is placed as fast as a short one.
    """
    text = " ".join(text.split())
    if em_width(text) * size <= width:
        return text
    widths = list(itertools.accumulate(char_width(c) for c in text))
    ellipsis = char_width("…")
    # The longest prefix whose width, with the ellipsis, still fits (widths only grow).
    keep = bisect.bisect_right(widths, width / size - ellipsis + 1e-9)
    return text[:keep] + "…"


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
