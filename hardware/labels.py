"""Labels: a layout in millimetres, rendered as PNG, SVG, PDF or ZPL; the key tag.

A label is a ``Layout``: its size and its elements (``Text`` and ``Code``),
computed once in millimetres. Every backend draws the same elements, so what
the browser shows, what the PDF prints and what the label printer gets carry
the same codes in the same places.  Codes are snapped to whole pixels (or
printer dots) per module before drawing; see ``hardware.symbols`` for why.

ZPL is built in ``hardware.labels_zpl`` (``render_zpl`` is re-exported here),
SVG and PDF in ``hardware.labels_vector``, the layouts and the key tag (80 x 50 mm, ``TagData``)
in ``hardware.labels_layout`` (re-exported here); the other kinds are in ``hardware.labels_kinds``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from hardware import labels_zpl
from hardware.labels_layout import (  # noqa: F401  (the layout's names are public here too)
    Code,
    FORMATS,
    Layout,
    PNG_DPI,
    TAG_HEIGHT_MM,
    TAG_WIDTH_MM,
    TagData,
    Text,
    ZPL_CJK_FONT,
    ZPL_DPI,
    _render_png,
    char_width,
    em_width,
    find_cjk_font,
    fit,
    layout,
    raster,
    tag_layout,
    text,
)
from hardware.symbols import make_symbol, symbol_image, symbol_svg


def render_layout(label: Layout, fmt: str, *, zpl_mode: str = "font") -> bytes:
    """Render any label as ``"png"``, ``"svg"``, ``"pdf"`` or ``"zpl"`` bytes.

    Raises ValueError for an unknown format or a code too long for its box.
    """
    if fmt == "zpl":
        return labels_zpl.render_zpl(label, mode=zpl_mode)
    # Lazily: the vector backend brings reportlab (a tenth of a second), which a PNG or ZPL label never needs.
    from hardware.labels_vector import render_pdf, render_svg

    backends = {"png": _render_png, "svg": render_svg, "pdf": render_pdf}
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
    return labels_zpl.render_zpl(tag, cjk_font, mode=mode)
