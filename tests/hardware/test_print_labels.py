"""Every label kind, rendered at the size it is printed, reads back through the real decoders:
PNG at 300 dpi, PDF rasterized by poppler, ZPL as the printer would draw it (its ^BC/^BQ
fields, or its ^GF bitmap), and the 80 mm slip as ESC/POS text or picture."""

from __future__ import annotations

import shutil
import subprocess

import cv2
import numpy as np
import pytest

from hardware.decode import Decoded, decode_file
from hardware.labels import TagData, raster, render_layout
from hardware.labels_a4 import SheetData, render_sheet_pdf, sheet_pages, wrap
from hardware.labels_kinds import (
    SIZES, BadgeData, BinLabelData, JobTagData, PartLabelData, label_layout, render_label,
)
from hardware.labels_slip import SlipData, pair_line, slip_image, slip_text
from hardware.labels_zpl import render_zpl
from hardware.printers.escpos import escpos_bytes
from tests.support.printers import (
    decoded, escpos_barcode_image, escpos_barcodes, escpos_chinese_text, escpos_raster, zpl_code_fields,
    zpl_codes_image, zpl_graphic_image, zpl_size,
)

NUMBER = "R1-20261127-0042"

# (kind, data, the text every code on it must carry, has a QR)
LABELS = [
    ("key_tag", TagData(NUMBER, "沪A·D1234", "丰田 凯美瑞", "张**", "李明", "今天 17:30", "浦东4S店", "维修委托书"),
     NUMBER, True),
    ("job_tag", JobTagData(NUMBER, 2, "更换前刹车盘及刹车片", "沪A·D1234", "张伟", "工位单"), f"{NUMBER}/2", True),
    ("job_tag", JobTagData("R1-20261127-1234", 12, "四轮定位", "京A12345"), "R1-20261127-1234/12", True),
    ("bin", BinLabelData("A-01-03", "机油滤清器", "货位"), "BIN:A-01-03", False),
    ("bin", BinLabelData("MAIN-12-04-B", "", "货位"), "BIN:MAIN-12-04-B", False),
    ("badge", BadgeData("TEC-001", "张伟", "维修技师", "浦东4S店"), "TEC-001", True),
    ("part", PartLabelData("3C0615301", "前刹车盘", "6901234567892", "A-01-03", "货位"), "6901234567892", False),
    ("part", PartLabelData("06L115562B", "机油滤芯 (原厂)"), "06L115562B", False),
]
IDS = [f"{kind}-{code}" for kind, _, code, _ in LABELS]


def expected(code: str, qr: bool) -> set[Decoded]:
    return {Decoded("Code128", code)} | ({Decoded("QRCode", code)} if qr else set())


def png_pixels(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image


@pytest.mark.parametrize("kind, data, code, qr", LABELS, ids=IDS)
def test_png_reads_back_at_its_printed_size(kind, data, code, qr):
    pixels = png_pixels(render_label(data, "png"))
    width_mm, height_mm = SIZES[kind]
    assert (round(pixels.shape[1] / 300 * 25.4), round(pixels.shape[0] / 300 * 25.4)) == (width_mm, height_mm)
    assert decoded(pixels) == expected(code, qr)


@pytest.mark.parametrize("kind, data, code, qr", LABELS, ids=IDS)
def test_zpl_font_mode_fields_read_back(kind, data, code, qr):
    zpl = render_label(data, "zpl").decode("utf-8")
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ") and "^GF" not in zpl
    width, length = zpl_size(zpl)
    assert (width, length) == tuple(int(v * 203 / 25.4) for v in SIZES[kind])
    fields = zpl_code_fields(zpl)
    assert {(symbology, text) for symbology, text, *_ in fields} == (
        {("code128", code)} | ({("qr", code)} if qr else set()))
    assert all(module >= 2 for *_, module, _ in fields)  # 0.25 mm at 203 dpi
    assert decoded(zpl_codes_image(zpl)) == expected(code, qr)


@pytest.mark.parametrize("kind, data, code, qr", LABELS, ids=IDS)
def test_zpl_image_mode_bitmap_reads_back(kind, data, code, qr):
    zpl = render_label(data, "zpl", zpl_mode="image").decode("ascii")
    assert zpl.count("^XA") == zpl.count("^XZ") == 1
    assert "^BC" not in zpl and "^A@" not in zpl  # no printer font or code needed
    image = zpl_graphic_image(zpl)
    assert image.shape == tuple(reversed(zpl_size(zpl)))
    assert decoded(image) == expected(code, qr)
    # Chinese is drawn, not sent as text: the bitmap has ink where the first line is.
    assert (image[: image.shape[0] // 5] == 0).any()


@pytest.mark.parametrize("kind, data, code, qr", LABELS[::2], ids=IDS[::2])
def test_pdf_reads_back_after_rasterizing(kind, data, code, qr, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm not on PATH: poppler-utils is missing (make system-deps installs it)")
    (tmp_path / "label.pdf").write_bytes(render_label(data, "pdf"))
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", "label.pdf", "label"],
                   cwd=tmp_path, check=True, capture_output=True, timeout=30)
    assert set(decode_file(tmp_path / "label.png")) == expected(code, qr)


def test_svg_of_a_bin_label_names_its_code():
    svg = render_label(BinLabelData("A-01-03"), "svg").decode()
    assert 'width="70mm" height="30mm"' in svg and 'data-text="BIN:A-01-03"' in svg


def test_the_key_tag_is_the_same_through_both_entry_points():
    tag = LABELS[0][1]
    assert render_label(tag, "zpl") == render_zpl(tag)
    assert render_layout(label_layout(tag), "png") == render_label(tag, "png")


@pytest.mark.parametrize("data", [
    BinLabelData("货架-1"),  # Code 128 cannot carry Chinese
    BinLabelData(""),
    BadgeData("", "张伟"),
    PartLabelData("X" * 60, "too long for 60 mm"),
])
def test_codes_that_cannot_be_printed_are_refused(data):
    with pytest.raises(ValueError):
        render_label(data, "png")


def test_unknown_zpl_mode_and_data_class_are_refused():
    with pytest.raises(ValueError, match="ZPL mode"):
        render_label(BinLabelData("A-1"), "zpl", zpl_mode="vector")
    with pytest.raises(TypeError):
        render_label(object(), "png")


SLIP = SlipData(
    title="领料单", number=NUMBER, header=("浦东4S店 配件部", "2026-11-27 15:30"),
    lines=(("前刹车盘 3C0615301", "x2"), ("机油滤芯 06L115562B", "x1"), ("领料人: 张伟", "")),
    footer=("发料: 周明",),
)


def test_slip_text_aligns_chinese_by_printer_columns():
    assert pair_line("前刹车盘", "x2", 20) == "前刹车盘" + " " * 10 + "x2"
    assert pair_line("很长的配件名称" * 5, "¥ 1,811.00", 30).endswith(" ¥ 1,811.00")
    body = slip_text(SLIP)["body"]
    assert all(sum(2 if ord(c) > 0x2E80 else 1 for c in line) == 48 for line in body[:2])


def test_escpos_text_slip_carries_gb18030_and_a_printer_code128():
    data = escpos_bytes(SLIP, "text")
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1dV\x00")  # init … cut
    text = escpos_chinese_text(data)
    for expected_text in ("浦东4S店 配件部", "领料单", "前刹车盘 3C0615301", "发料: 周明"):
        assert expected_text in text
    assert "领料单".encode("gb18030") in data
    [(code, module, height)] = escpos_barcodes(data)
    assert (code, module) == (NUMBER, 2)
    assert decoded(escpos_barcode_image(code, module, height)) == {Decoded("Code128", NUMBER)}


def test_escpos_image_slip_is_a_raster_that_reads_back():
    data = escpos_bytes(SLIP, "image")
    assert b"\x1dkI" not in data and "领料单".encode("gb18030") not in data
    picture = escpos_raster(data)
    assert picture.shape[1] == 576 + 80  # 72 mm at 203 dpi, plus the padding added to read it
    assert decoded(picture) == {Decoded("Code128", NUMBER)}
    assert decoded(np.array(slip_image(SLIP))) == {Decoded("Code128", NUMBER)}


def test_escpos_refuses_what_it_cannot_print():
    with pytest.raises(ValueError, match="ESC/POS mode"):
        escpos_bytes(SLIP, "pdf")
    with pytest.raises(ValueError):
        escpos_bytes(SlipData("x", "工单号"), "text")
    with pytest.raises(ValueError, match="too long"):
        escpos_bytes(SlipData("x", "R" * 60), "image")


def test_image_mode_draws_at_the_printers_resolution():
    layout = label_layout(LABELS[3][1])
    assert raster(layout, 203).size == (559, 239)


def test_a4_sheet_reads_back_on_every_page(tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm not on PATH: poppler-utils is missing (make system-deps installs it)")
    rows = (("#", "描述", "金额"),) + tuple((str(i), "更换前刹车盘及刹车片", "450.00") for i in range(1, 60))
    sheet = SheetData("维修委托书", NUMBER, "浦东4S店", facts=(("客户", "王女士"), ("车牌", "京A12345")),
                      texts=(("客户描述", "刹车时方向盘抖动，" * 20),), sections=(("维修项目", rows),), footer="浦东4S店")
    pages = sheet_pages(sheet)
    assert len(pages) == 2 and all((p.width, p.height) == (210, 297) for p in pages)
    assert render_sheet_pdf(sheet) == render_sheet_pdf(sheet)  # no timestamps
    (tmp_path / "sheet.pdf").write_bytes(render_sheet_pdf(sheet))
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "sheet.pdf", "page"],
                   cwd=tmp_path, check=True, capture_output=True, timeout=60)
    assert set(decode_file(tmp_path / "page-1.png")) == {Decoded("Code128", NUMBER), Decoded("QRCode", NUMBER)}
    assert set(decode_file(tmp_path / "page-2.png")) == {Decoded("Code128", NUMBER)}


def test_a4_wrapping_and_numeric_columns():
    assert wrap("刹车时方向盘抖动", 10.0, 2.5) == ["刹车时方", "向盘抖动"]
    page = sheet_pages(SheetData("x", NUMBER, sections=(("h", (("a", "b"), ("x", "1,811.00"))),)))[0]
    amount = [el for el in page.elements if getattr(el, "text", "") == "1,811.00"][0]
    assert amount.right
