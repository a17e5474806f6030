"""ZPL II for 203 dpi label printers, from the same ``Layout`` as every other backend.

ZPL assumes a printer whose firmware knows ``^CI28`` (UTF-8) and which holds a
CJK TrueType font under the name ``ZPL_CJK_FONT`` (SimSun, stored once with
Zebra Setup Utilities; pass another stored name as ``cjk_font``).  Text that is
pure ASCII uses the resident font ``^A0`` and prints without it.  A printer
without the CJK font gets the whole label as one bitmap instead
(``mode="image"``: one ``^GFA`` field drawn by the PNG backend at 203 dpi).
"""

from __future__ import annotations


from hardware.labels_layout import ZPL_CJK_FONT, ZPL_DPI, Code, Layout, TagData, _place, raster, tag_layout
from hardware.symbols import mm_to_px
from hardware.lazy import lazy

# Pillow loads at its first use (hardware.lazy): most server processes never draw or read an image.
Image = lazy("PIL.Image")

ZPL_MODES = ("font", "image")


def _zpl_data(text: str) -> str:
    """``^FH_`` field data: the bytes ZPL would take as commands, hex-escaped."""
    return "^FH_^FD" + "".join(
        "".join(f"_{b:02X}" for b in c.encode("utf-8")) if c in "^~_" else c for c in text
    )


def zpl_graphic(image: Image.Image) -> str:
    """``^GFA`` field of a greyscale image: dark below 50% is a printed dot."""
    bits = image.convert("L").point(lambda v: 255 if v < 128 else 0).convert("1")
    row_bytes = (bits.width + 7) // 8
    # In mode "1" PIL packs 8 pixels a byte, most significant first, rows padded
    # to a whole byte: the layout ^GF wants. Inverted above: 1 = a printed dot.
    data = bits.tobytes()
    return f"^GFA,{len(data)},{len(data)},{row_bytes},{data.hex().upper()}"


def render_zpl(tag: TagData | Layout, cjk_font: str = ZPL_CJK_FONT, *, mode: str = "font") -> bytes:
    """The label as ZPL II for a 203 dpi printer (UTF-8, see module notes).

    ``mode="font"`` sends printer-native codes and text (Chinese in the stored
    ``cjk_font``); ``mode="image"`` sends the whole label as one bitmap, for
    printers without a CJK font.
    """
    label = tag if isinstance(tag, Layout) else tag_layout(tag)
    if mode not in ZPL_MODES:
        raise ValueError(f"unknown ZPL mode {mode!r}; expected one of {', '.join(ZPL_MODES)}")
    dots = ZPL_DPI / 25.4
    lines = ["^XA", "^CI28", f"^PW{mm_to_px(label.width, ZPL_DPI)}", f"^LL{mm_to_px(label.height, ZPL_DPI)}", "^LH0,0"]
    if mode == "image":
        lines += [f"^FO0,0{zpl_graphic(raster(label, ZPL_DPI))}^FS", "^XZ"]
        return ("\n".join(lines) + "\n").encode("ascii")
    for el in label.elements:
        if isinstance(el, Code):
            module, left, top, height = _place(el, ZPL_DPI)
            quiet = module * (10 if el.symbol.is_linear else 4)  # the printer draws no quiet zone
            if el.symbol.is_linear:
                # Mode A lets the printer pick Code 128 subsets (C for digit runs).
                lines.append(f"^FO{left + quiet},{top}^BY{module},3,{height}^BCN,{height},N,N,N,A"
                             f"{_zpl_data(el.symbol.text)}^FS")
            else:
                lines.append(f"^FO{left + quiet},{top + quiet}^BQN,2,{module},M{_zpl_data('MA,' + el.symbol.text)}^FS")
            continue
        size = max(10, round(el.size * dots))
        font = "^A0N" if el.text.isascii() else "^A@N"
        font += f",{size},{size}" + ("" if el.text.isascii() else f",{cjk_font}")
        top = max(0, round((el.baseline - 0.85 * el.size) * dots))
        block = f"^FB{round(el.width * dots)},1,0,{'R' if el.right else 'L'}"
        lines.append(f"^FO{round(el.x * dots)},{top}{font}{block}{_zpl_data(el.text)}^FS")
    lines.append("^XZ")
    return ("\n".join(lines) + "\n").encode("utf-8")
