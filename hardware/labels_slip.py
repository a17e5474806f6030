"""Issue slips and receipts for 80 mm thermal printers: the text and the picture of one.

A slip is lines of text and a Code 128 of the work-order number. It leaves
here either as text lines laid out in printer columns (``slip_text``: Chinese
counts two columns, as a thermal printer's 24-dot font prints it) or as one
picture at the printer's 203 dpi (``slip_image``) for printers with no Chinese
font. ``hardware.printers.escpos`` turns either into ESC/POS bytes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


from hardware.labels_layout import _pil_font
from hardware.symbols import make_symbol, symbol_array
from hardware.lazy import lazy

# Pillow loads at its first use (hardware.lazy): most server processes never draw or read an image.
Image = lazy("PIL.Image")
ImageDraw = lazy("PIL.ImageDraw")

SLIP_DPI = 203
SLIP_WIDTH_DOTS = 576  # the printable 72 mm of 80 mm paper
SLIP_COLUMNS = 48  # font A (12 x 24 dots) across 576 dots
BAR_MODULE_DOTS = 2  # 0.25 mm: the narrowest bar scanners read reliably (see symbols.MIN_MODULE_MM)
BAR_HEIGHT_DOTS = 80  # 10 mm


@dataclass(frozen=True)
class SlipData:
    """What a slip shows; every text already translated by the caller.

    ``lines`` are (left, right) pairs: a right part (an amount, a quantity)
    is aligned to the right edge; an empty right part leaves the line alone.
    """

    title: str
    number: str  # the work-order number, printed as Code 128 under the lines
    lines: tuple[tuple[str, str], ...] = ()
    header: tuple[str, ...] = ()  # store name, date: centred above the title
    footer: tuple[str, ...] = ()  # signatures, thanks: below the code


def columns(text: str) -> int:
    """Printer columns ``text`` takes: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> str:
    """``text`` shortened to ``width`` columns."""
    out, used = "", 0
    for c in " ".join(text.split()):
        used += columns(c)
        if used > width:
            break
        out += c
    return out


def pair_line(left: str, right: str, width: int = SLIP_COLUMNS) -> str:
    """``left`` and ``right`` on one line of ``width`` columns, the right part flush right."""
    right = _cut(right, width)
    room = width - columns(right) - (1 if right else 0)
    left = _cut(left, room)
    return left + " " * (width - columns(left) - columns(right)) + right


def slip_text(slip: SlipData, width: int = SLIP_COLUMNS) -> dict[str, list[str]]:
    """The slip as lines of ``width`` columns: ``{"header", "title", "body", "footer"}``."""
    return {
        "header": [_cut(h, width) for h in slip.header if h.strip()],
        "title": [_cut(slip.title, width // 2)],  # printed double width
        "body": [pair_line(left, right, width) for left, right in slip.lines],
        "footer": [_cut(f, width) for f in slip.footer if f.strip()],
    }


def code128_check(number: str) -> None:
    """Raise ValueError when ``number`` cannot be a Code 128 at 0.25 mm across the paper."""
    symbol = make_symbol(number, "code128")
    if symbol.width * BAR_MODULE_DOTS > SLIP_WIDTH_DOTS:
        raise ValueError(f"{number!r} is too long for a Code 128 on an 80 mm slip")


def slip_image(slip: SlipData, width: int = SLIP_WIDTH_DOTS) -> Image.Image:
    """The whole slip as one greyscale picture ``width`` dots wide at 203 dpi."""
    code128_check(slip.number)
    text = slip_text(slip, SLIP_COLUMNS)
    small, big = _pil_font(24, False), _pil_font(40, True)  # 3 mm and 5 mm type
    rows: list[tuple[str, object, bool]] = []  # (text, font, centred)
    rows += [(line, small, True) for line in text["header"]]
    rows += [(slip.title, big, True)]
    rows += [(line, small, False) for line in text["body"]]
    bars = symbol_array(make_symbol(slip.number, "code128"), BAR_MODULE_DOTS, BAR_HEIGHT_DOTS)
    tail = [(slip.number, small, True)] + [(line, small, True) for line in text["footer"]]
    height = sum(_line_height(f) for _, f, _ in rows + tail) + bars.shape[0] + 40
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = 8
    for value, font, centred in rows:
        y = _draw_line(draw, value, font, centred, y, width)
    y += 8
    image.paste(Image.fromarray(bars), ((width - bars.shape[1]) // 2, y))
    y += bars.shape[0] + 8
    for value, font, centred in tail:
        y = _draw_line(draw, value, font, centred, y, width)
    return image


def _line_height(font) -> int:
    return round(getattr(font, "size", 24) * 1.35)


def _draw_line(draw: ImageDraw.ImageDraw, value: str, font, centred: bool, y: int, width: int) -> int:
    """Draw one line; monospaced columns keep pair lines aligned (12 dots a column)."""
    if centred:
        draw.text((width // 2, y), value, fill=0, font=font, anchor="ma")
    else:
        x = 0
        for c in value:  # place character by character on the 12-dot column grid
            draw.text((x, y), c, fill=0, font=font)
            x += 12 * columns(c)
    return y + _line_height(font)

