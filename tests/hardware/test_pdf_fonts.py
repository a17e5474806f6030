"""Every PDF bayflow makes embeds the fonts it uses: its text shows and extracts on a
machine without that font (and without poppler-data), whatever was printed before."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from hardware.labels import TagData, render_tag
from hardware.labels_a4 import SheetData, render_sheet_pdf

TAG = TagData(number="SXG-20261202-0001", plate="沪A·D1234", vehicle_model="大众 朗逸", customer_name="李**",
              advisor="王芳", promised_text="预计交车 2026-12-02 17:30", store_name="上汽大众 浦江4S店", title="工单")


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not on PATH: poppler-utils is missing (make system-deps installs it)")
    return found


def fonts_of(pdf: bytes, tmp_path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) of every font the PDF uses, as pdffonts lists them."""
    (tmp_path / "doc.pdf").write_bytes(pdf)
    listed = subprocess.run([_tool("pdffonts"), "doc.pdf"], cwd=tmp_path, check=True, capture_output=True,
                            text=True, timeout=60).stdout.splitlines()[2:]
    rows = []
    for line in listed:
        # name, type (one or two words), encoding, emb, sub, uni, object, generation
        match = re.match(r"(\S+)\s+.*?\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
        assert match, line
        rows.append((match[1], match[2]))
    return rows


def text_of(pdf: bytes, tmp_path) -> str:
    (tmp_path / "doc.pdf").write_bytes(pdf)
    subprocess.run([_tool("pdftotext"), "doc.pdf", "doc.txt"], cwd=tmp_path, check=True, capture_output=True,
                   timeout=60)
    return (tmp_path / "doc.txt").read_text()


def test_the_key_tag_pdf_embeds_its_fonts_and_its_text_extracts(tmp_path):
    pdf = render_tag(TAG, "pdf")
    fonts = fonts_of(pdf, tmp_path)
    assert fonts and all(embedded == "yes" for _, embedded in fonts), fonts
    assert not any(name in ("Helvetica", "STSong-Light") for name, _ in fonts)
    text = text_of(pdf, tmp_path)
    for shown in ("SXG-20261202-0001", "沪A", "D1234", "大众 朗逸", "预计交车 2026-12-02 17:30", "王芳"):
        assert shown in text, shown
    assert render_tag(TAG, "pdf") == pdf  # still the same bytes for the same tag


def test_the_a4_work_order_pdf_embeds_its_fonts_after_other_prints(tmp_path):
    # Prints made before (other characters, other subsets) must not leak into this one.
    for n in range(20):
        render_tag(TagData(number=f"SXG-20261202-{n:04d}", plate=f"京B{n:05d}", vehicle_model=f"车型{n}"), "pdf")
    sheet = SheetData(title="维修委托书", number="R1-20261202-0001", store_name="上汽大众 浦江4S店",
                      facts=(("客户", "王女士"), ("电话", "139****4321")),
                      sections=(("维修项目", (("项目", "工时"), ("更换前刹车盘", "1.50"))),))
    pdf = render_sheet_pdf(sheet)
    fonts = fonts_of(pdf, tmp_path)
    assert fonts and all(embedded == "yes" for _, embedded in fonts), fonts
    text = text_of(pdf, tmp_path)
    for shown in ("维修委托书", "王女士", "139****4321", "更换前刹车盘", "1.50", "上汽大众 浦江4S店"):
        assert shown in text, shown
