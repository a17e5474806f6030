"""The figures' tables as files: XLSX (openpyxl), CSV (with a BOM so Excel reads the Chinese)
and an A4 PDF that embeds the subset of the CJK font it uses (hardware.pdf_fonts, the path
every bayflow PDF takes), each cell printed by ``tables.text`` so all three hold the same numbers."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table as PdfTable, TableStyle

from hardware.pdf_fonts import font_for
from kiosk.services.figures.tables import Table

SHEET_NAME_LIMIT = 31  # Excel's longest sheet name


def xlsx(tables: list[Table], title: str = "") -> bytes:
    """One sheet per table: a bold header row, then the rows as printed."""
    book = Workbook()
    book.remove(book.active)
    used: set = set()
    for table in tables:
        name = str(table.title)[:SHEET_NAME_LIMIT] or table.key
        while name in used:
            name = f"{name[:SHEET_NAME_LIMIT - 2]}_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        if title:
            sheet.append([title])
            sheet["A1"].font = Font(bold=True)
        sheet.append(table.labels())
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in table.texts():
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(table: Table) -> bytes:
    """The table as CSV in UTF-8 with a BOM (Excel opens Chinese text right only with it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.labels())
    writer.writerows(table.texts())
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def pdf(title: str, subtitle: str, tables: list[Table]) -> bytes:
    """An A4 report: the title, then each table with its heading, repeating its header row on
    each new page; the CJK font embedded (a subset of exactly the characters used)."""
    every = title + subtitle + "".join(str(t.title) + "".join(t.labels()) + "".join(
        "".join(row) for row in t.texts()) for t in tables) + "—%"
    font = font_for(every)
    heading = ParagraphStyle("h", fontName=font, fontSize=15, leading=19, spaceAfter=2)
    small = ParagraphStyle("s", fontName=font, fontSize=9, leading=12, textColor=colors.grey)
    section = ParagraphStyle("t", fontName=font, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3)
    story = [Paragraph(_escape(title), heading), Paragraph(_escape(subtitle), small)]
    for table in tables:
        story.append(Paragraph(_escape(str(table.title)), section))
        data = [table.labels()] + (table.texts() or [["—"] + [""] * (len(table.columns) - 1)])
        grid = PdfTable(data, repeatRows=1, hAlign="LEFT")
        grid.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf2")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        story += [grid, Spacer(1, 2 * mm)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                      bottomMargin=14 * mm, title=title).build(story)
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
