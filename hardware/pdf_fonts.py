"""Fonts embedded in the PDFs bayflow makes (key tags, labels, the A4 work order).

A PDF that names a font without embedding it (Adobe's STSong-Light, Helvetica)
shows its text only where the viewer has that font: on a fresh machine the
plate, the model and the promised time of a key tag vanish, and the text
cannot be extracted. So every PDF embeds a subset of the CJK font the PNG
labels use (``hardware.labels.find_cjk_font``: Noto Sans CJK on Linux,
Microsoft YaHei on Windows), with exactly the characters the document shows.

reportlab embeds TrueType outlines only, and Noto Sans CJK has PostScript (CFF)
outlines: fontTools cuts the font down to the document's characters first and
turns that subset's curves into TrueType ones (the ``otf2ttf`` recipe of
fontTools' snippets), a few dozen glyphs, so it takes a fraction of a second.
"""
from __future__ import annotations

import hashlib
import io
import logging
import threading
from collections import OrderedDict

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont as ReportlabTTFont

from hardware.labels_layout import find_cjk_font

# Registered subset fonts kept at once: reportlab keeps every registered font
# for the life of the process, and each print registers its own subset.
_KEEP = 16
_registered: OrderedDict[str, str] = OrderedDict()  # font name → its face's PostScript name
_lock = threading.Lock()


FALLBACK = "STSong-Light"  # Adobe's CID font, named but not embedded: only without any CJK font here


def font_for(text: str, bold: bool = False) -> str:
    """The reportlab name of an embedded font that draws every character of ``text``
    (registered on first use). On a machine without any CJK font: the fallback, not
    embedded (and said once in the log), so printing still works."""
    found = find_cjk_font(bold)
    if found is None:
        return _fallback()
    path, index = found
    chars = "".join(sorted(set(text) | set(" 0123456789")))
    name = "bf-" + hashlib.sha1(f"{path}|{index}|{chars}".encode()).hexdigest()[:16]
    with _lock:
        if name in _registered:
            _registered.move_to_end(name)
            return name
        font = ReportlabTTFont(name, io.BytesIO(_subset_ttf(path, index, chars, name)))
        pdfmetrics.registerFont(font)
        _registered[name] = font.face.name
        while len(_registered) > _KEEP:
            old, face = _registered.popitem(last=False)
            # reportlab has no way to unregister; its registries are plain dicts.
            getattr(pdfmetrics, "_fonts", {}).pop(old, None)
            getattr(pdfmetrics, "_dynFaceNames", {}).pop(face, None)
    return name


def _fallback() -> str:
    with _lock:
        if FALLBACK not in pdfmetrics.getRegisteredFontNames():
            logging.getLogger(__name__).warning("no CJK font to embed in PDFs: install fonts-noto-cjk")
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FALLBACK


def _subset_ttf(path: str, index: int, chars: str, tag: str) -> bytes:
    """The font at ``path`` (face ``index`` of a collection) cut down to ``chars``,
    with TrueType outlines, as the bytes of a .ttf file. Its PostScript name gets
    ``tag``: reportlab shares one font object among fonts of the same face name,
    which would draw one document's text with another's subset."""
    # lazy: only the tables the subset needs are read from a 20 MB collection.
    with TTFont(path, fontNumber=index, lazy=True, recalcTimestamp=False) as font:  # same text, same bytes
        options = subset.Options()
        options.layout_features = []  # no shaping needed: one glyph per character
        options.hinting = False
        options.desubroutinize = True
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in chars])
        subsetter.subset(font)
        if "CFF " in font:
            _to_truetype(font)
        names = font["name"]
        postscript = str(names.getDebugName(6) or "CJK").replace(" ", "")
        names.setName(f"{postscript}-{tag}", 6, 3, 1, 0x409)
        for record in [r for r in names.names if r.nameID == 6 and (r.platformID, r.platEncID) != (3, 1)]:
            names.names.remove(record)
        out = io.BytesIO()
        font.save(out)
    return out.getvalue()


def _to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines of ``font`` by quadratic TrueType ones (fontTools' otf2ttf)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    quadratic = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        quadratic[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, quadratic
    del font["CFF "]
    for table in ("VORG", "GPOS", "GSUB", "BASE"):
        if table in font:
            del font[table]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in quadratic.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\000\001\000\000"
