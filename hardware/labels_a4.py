"""A4 documents (the work order for a CUPS printer) as PDF, on the labels' layout machinery.

The sheet is laid out in millimetres like a label: a header with the
work-order number as Code 128 and QR (read back like every other print),
facts in two columns, free text wrapped to the width, and tables whose
numeric columns are right-aligned. Long documents continue on more pages,
each with the number, so a loose page still scans back to its order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hardware.labels_layout import Code, Layout, Text, char_width, em_width, fit, text
from hardware.symbols import make_symbol

A4_WIDTH, A4_HEIGHT = 210.0, 297.0
MARGIN = 15.0
BODY = 3.2  # type size of the body, mm
LINE = 5.0  # line pitch of the body, mm
_BOTTOM = A4_HEIGHT - 20.0  # the last baseline before the footer
_NUMERIC = re.compile(r"^[¥$]?\s*-?[\d,]+(\.\d+)?\s*%?$")


@dataclass(frozen=True)
class SheetData:
    """What an A4 sheet shows; every text already translated and masked by the caller.

    ``sections`` are (heading, rows): a row is a tuple of cells, the first
    row the column titles. ``texts`` are (heading, paragraph) pairs.
    """

    title: str
    number: str
    store_name: str = ""
    facts: tuple[tuple[str, str], ...] = ()
    texts: tuple[tuple[str, str], ...] = ()
    sections: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()
    footer: str = ""


def wrap(value: str, width: float, size: float) -> list[str]:
    """``value`` broken into lines of ``width`` mm at ``size`` (any character may break: Chinese has no spaces)."""
    lines: list[str] = []
    room = width / size
    for paragraph in (value or "").splitlines() or [""]:
        line, used = "", 0.0  # the line's width kept as it grows: one pass, however long the text
        for c in paragraph:
            w = char_width(c)
            if used + w > room:
                lines.append(line)
                line = c.lstrip()
                used = char_width(line) if line else 0.0
            else:
                line, used = line + c, used + w
        lines.append(line)
    return lines


class _Pages:
    """Pages filled top to bottom; a new page starts when the next line would not fit."""

    def __init__(self, sheet: SheetData):
        self.sheet, self.pages, self.y = sheet, [], 0.0
        self.elements: list = []
        self._first_page()

    def _first_page(self) -> None:
        s = self.sheet
        self.elements = [
            text(MARGIN, 18.0, 80.0, 3.5, s.store_name),
            text(MARGIN, 28.0, 80.0, 7.0, s.title, bold=True),
            text(MARGIN, 37.0, 80.0, min(6.0, 80.0 / max(em_width(s.number), 1.0)), s.number, bold=True),
            Code(95.0, 12.0, 72.0, 16.0, make_symbol(s.number, "code128")),
            Code(170.0, 8.0, 28.0, 28.0, make_symbol(s.number, "qr")),
        ]
        self.y = 50.0

    def _next_page(self) -> None:
        self.pages.append(self.elements)
        s = self.sheet
        self.elements = [text(MARGIN, 18.0, 100.0, 4.0, f"{s.title}  {s.number}", bold=True),
                         Code(115.0, 8.0, 80.0, 14.0, make_symbol(s.number, "code128"))]
        self.y = 30.0

    def need(self, height: float) -> None:
        if self.y + height > _BOTTOM:
            self._next_page()

    def add(self, *elements) -> None:
        self.elements.extend(el for el in elements if el is not None)

    def layouts(self) -> list[Layout]:
        pages = self.pages + [self.elements]
        out = []
        for n, elements in enumerate(pages, 1):
            foot = [text(MARGIN, A4_HEIGHT - 10.0, 140.0, 2.8, self.sheet.footer),
                    Text(150.0, A4_HEIGHT - 10.0, 45.0, 2.8, f"{n}/{len(pages)}", right=True)]
            out.append(Layout(A4_WIDTH, A4_HEIGHT, tuple(el for el in elements + foot if el is not None)))
        return out


def sheet_pages(sheet: SheetData) -> list[Layout]:
    """The sheet's pages as layouts (A4, millimetres)."""
    pages = _Pages(sheet)
    width = A4_WIDTH - 2 * MARGIN
    half = width / 2
    for i in range(0, len(sheet.facts), 2):  # facts two a line
        pages.need(LINE)
        for j, (label, value) in enumerate(sheet.facts[i:i + 2]):
            x = MARGIN + j * half
            pages.add(text(x, pages.y, 28.0, BODY, label), text(x + 29.0, pages.y, half - 31.0, BODY, value, bold=True))
        pages.y += LINE
    for heading, paragraph in sheet.texts:
        pages.y += 2.0
        pages.need(2 * LINE)
        pages.add(text(MARGIN, pages.y, width, 4.0, heading, bold=True))
        pages.y += LINE + 0.5
        for line in wrap(paragraph, width, BODY):
            pages.need(LINE)
            pages.add(text(MARGIN, pages.y, width, BODY, line))
            pages.y += LINE
    for heading, rows in sheet.sections:
        _table(pages, heading, rows, width)
    return pages.layouts()


def _table(pages: _Pages, heading: str, rows, width: float) -> None:
    """A heading, the column titles in bold, then the rows; numeric columns flush right."""
    pages.y += 3.0
    pages.need(3 * LINE)
    pages.add(text(MARGIN, pages.y, width, 4.0, heading, bold=True))
    pages.y += LINE + 0.5
    if not rows:
        return
    count = max(len(r) for r in rows)
    widest = [max((em_width(r[c]) if c < len(r) else 0) for r in rows) or 1.0 for c in range(count)]
    total = sum(min(w, 30.0) for w in widest)
    widths = [width * min(w, 30.0) / total for w in widest]
    numeric = [all(_NUMERIC.match(r[c]) for r in rows[1:] if c < len(r) and r[c]) and len(rows) > 1
               for c in range(count)]
    for n, row in enumerate(rows):
        pages.need(LINE)
        x = MARGIN
        for c, cell in enumerate(row):
            cell_width = widths[c] - 2.0
            pages.add(Text(x, pages.y, cell_width, BODY, fit(cell, cell_width, BODY), bold=n == 0, right=numeric[c])
                      if cell.strip() else None)
            x += widths[c]
        pages.y += LINE


def render_sheet_pdf(sheet: SheetData) -> bytes:
    """The sheet as a PDF of one or more A4 pages."""
    # Lazily, like hardware.labels: reportlab and its font tools are 15 MB and a tenth of a
    # second in every server process, and only a printed A4 sheet needs them.
    from hardware.labels_vector import render_pdf_pages

    return render_pdf_pages(sheet_pages(sheet))
