"""Key tags print what bayflow can read back; the decoder reads nothing that is not there."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import barcode
import cv2
import numpy as np
import pytest

from hardware import decode as decoding, labels, labels_layout
from hardware.decode import Decoded, decode, decode_file
from hardware.labels import TagData, code_png, code_svg, render_tag, render_tag_file
from hardware.symbols import make_symbol
from tests.support import BARCODES as SHARED_BARCODES, ROOT

NUMBER = "R1-20261127-0042"
# The shared photographs lie beside the repository (../shared), in CI as on a
# developer's machine; BAYFLOW_SHARED points elsewhere when needed.
BARCODES = SHARED_BARCODES
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def tag() -> TagData:
    return TagData(
        number=NUMBER, plate="沪A·D1234", vehicle_model="丰田 凯美瑞 2.5L 混动豪华版",
        customer_name="张**", advisor="李明", promised_text="今天 17:30 交车",
        store_name="浦东4S店 售后服务部", title="维修委托书",
    )


def both_codes(text: str) -> set[Decoded]:
    return {Decoded("Code128", text), Decoded("QRCode", text)}


def decode_png(data: bytes) -> list[Decoded]:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None
    return decode(image)


def test_png_tag_reads_back_both_codes(tag):
    data = render_tag(tag, "png")
    assert data.startswith(b"\x89PNG")
    found = decode_png(data)
    assert set(found) == both_codes(NUMBER)
    assert len(found) == 2  # de-duplicated, and no text mistaken for a code


def test_png_tag_is_key_tag_sized(tag):
    image = cv2.imdecode(np.frombuffer(render_tag(tag, "png"), np.uint8), cv2.IMREAD_GRAYSCALE)
    height, width = image.shape
    assert (round(width / 300 * 25.4), round(height / 300 * 25.4)) == (80, 50)


def test_png_uses_a_cjk_font_when_one_is_installed():
    if not list(Path("/usr/share/fonts").glob("**/NotoSansCJK*.ttc")):
        pytest.fail("fonts-noto-cjk is not installed (make system-deps installs it)")
    path, _ = labels.find_cjk_font()
    assert "NotoSansCJK" in path


def test_png_without_any_cjk_font_still_renders(tag, monkeypatch):
    monkeypatch.setattr(labels_layout, "CJK_FONT_CANDIDATES", {False: [], True: []})
    labels_layout.find_cjk_font.cache_clear()
    labels_layout._pil_font.cache_clear()
    try:
        assert labels_layout.find_cjk_font() is None
        assert set(decode_png(render_tag(tag, "png"))) == both_codes(NUMBER)
    finally:
        labels_layout.find_cjk_font.cache_clear()
        labels_layout._pil_font.cache_clear()


def rasterize_svg_codes(svg: bytes, dpi: int = 300) -> np.ndarray:
    """Draw the code rects of a tag SVG (user units are mm) onto white pixels."""
    root = ET.fromstring(svg)
    scale = dpi / 25.4
    image = np.full((round(50 * scale), round(80 * scale)), 255, np.uint8)
    for group in root.iter(f"{SVG}g"):
        if group.get("id") not in ("code128", "qr"):
            continue
        for rect in group.iter(f"{SVG}rect"):
            x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
            image[round(y * scale):round((y + h) * scale), round(x * scale):round((x + w) * scale)] = 0
    return image


def test_svg_tag_is_a_self_contained_document(tag):
    svg = render_tag(tag, "svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("80mm", "50mm", "0 0 80 50")
    assert not re.search(rb"(href|src)=", svg)  # nothing to fetch: the kiosk is offline
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for expected in (NUMBER, "沪A·D1234", "维修委托书", "浦东4S店 售后服务部", "丰田 凯美瑞 2.5L 混动豪华版"):
        assert expected in texts
    codes = {g.get("id"): g.get("data-text") for g in root.iter(f"{SVG}g") if g.get("id")}
    assert codes == {"code128": NUMBER, "qr": NUMBER}


def test_svg_tag_bars_follow_the_code128_pattern_and_read_back(tag):
    root = ET.fromstring(render_tag(tag, "svg"))
    bars = [g for g in root.iter(f"{SVG}g") if g.get("id") == "code128"][0]
    xs = [(float(r.get("x")), float(r.get("width"))) for r in bars.iter(f"{SVG}rect")]
    module = min(width for _, width in xs)
    assert module >= 0.25  # mm
    left = xs[0][0]
    pattern = ["0"] * round((xs[-1][0] + xs[-1][1] - left) / module)
    for x, width in xs:
        start = round((x - left) / module)
        pattern[start:start + round(width / module)] = "1" * round(width / module)
    assert "".join(pattern) == barcode.get("code128", NUMBER).build()[0]
    assert set(decode(rasterize_svg_codes(render_tag(tag, "svg")))) == both_codes(NUMBER)


def test_pdf_tag_reads_back_after_rasterizing(tag, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm not on PATH: poppler-utils is missing (make system-deps installs it)")
    pdf = render_tag(tag, "pdf")
    assert pdf.startswith(b"%PDF")
    assert render_tag(tag, "pdf") == pdf  # invariant: no timestamps
    (tmp_path / "tag.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", "tag.pdf", "tag"],
                   cwd=tmp_path, check=True, capture_output=True, timeout=30)
    assert set(decode_file(tmp_path / "tag.png")) == both_codes(NUMBER)


def test_zpl_tag_is_well_formed_and_carries_the_number(tag):
    zpl = render_tag(tag, "zpl").decode("utf-8")
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert zpl.count("^XA") == zpl.count("^XZ") == 1
    assert "^CI28" in zpl
    fields = [line for line in zpl.splitlines() if line.startswith("^FO")]
    assert all(line.endswith("^FS") and line.count("^FD") == 1 for line in fields)
    width, length = int(re.search(r"\^PW(\d+)", zpl)[1]), int(re.search(r"\^LL(\d+)", zpl)[1])
    for line in fields:
        x, y = map(int, re.match(r"\^FO(\d+),(\d+)", line).groups())
        assert 0 <= x < width and 0 <= y < length
    code128 = [line for line in fields if "^BC" in line]
    qr = [line for line in fields if "^BQ" in line]
    assert len(code128) == len(qr) == 1
    assert code128[0].endswith(f"^FD{NUMBER}^FS")
    assert qr[0].endswith(f"^FDMA,{NUMBER}^FS")
    chinese = [line for line in fields if "沪A·D1234" in line or "维修委托书" in line]
    assert len(chinese) == 2 and all("^A@N" in line and labels.ZPL_CJK_FONT in line for line in chinese)


def test_zpl_escapes_text_that_looks_like_commands(tag):
    tricky = TagData(number=NUMBER, plate="ABC^XZ", vehicle_model="a~b_c")
    zpl = render_tag(tricky, "zpl").decode("utf-8")
    assert zpl.count("^XZ") == 1
    assert "ABC_5EXZ" in zpl and "a_7Eb_5Fc" in zpl


def test_render_tag_file_picks_the_format_by_ending(tag, tmp_path):
    for ending in ("png", "svg", "pdf", "zpl"):
        path = render_tag_file(tag, tmp_path / f"tag.{ending}")
        assert path.read_bytes() == render_tag(tag, ending)
    assert render_tag_file(tag, tmp_path / "TAG.PNG").read_bytes().startswith(b"\x89PNG")
    for bad in ("tag.txt", "tag", "tag.png.bak"):
        with pytest.raises(ValueError, match=r"\.png.*\.zpl"):
            render_tag_file(tag, tmp_path / bad)
    with pytest.raises(ValueError, match="unknown label format"):
        render_tag(tag, "jpeg")


def test_long_texts_are_cut_but_the_number_never(tag):
    long = TagData(number="R1-20261127-004200", plate=tag.plate, vehicle_model="梅赛德斯-奔驰 " * 6)
    texts = [t.text for t in ET.fromstring(render_tag(long, "svg")).iter(f"{SVG}text")]
    assert "R1-20261127-004200" in texts
    assert any(t.startswith("梅赛德斯-奔驰") and t.endswith("…") for t in texts)


def test_a_number_too_long_for_the_tag_is_refused():
    with pytest.raises(ValueError, match="too long"):
        render_tag(TagData(number="R1-" + "X" * 40, plate="", vehicle_model=""), "png")
    with pytest.raises(ValueError, match="Code 128"):
        render_tag(TagData(number="单号42", plate="", vehicle_model=""), "png")


@pytest.mark.parametrize("symbology, fmt", [("code128", "Code128"), ("qr", "QRCode")])
def test_single_codes_for_web_pages(symbology, fmt):
    assert decode_png(code_png("BIN-A-03-2", symbology)) == [Decoded(fmt, "BIN-A-03-2")]
    svg = code_svg("BIN-A-03-2", symbology)
    root = ET.fromstring(svg)
    assert svg.startswith("<svg") and root.get("aria-label") == "BIN-A-03-2"
    assert root.get("width").endswith("mm") and len(root.findall(f"{SVG}g/{SVG}rect")) > 10
    with pytest.raises(ValueError, match="unknown symbology"):
        code_png("BIN-A-03-2", "pdf417")


def test_code128_quiet_zone_is_ten_modules():
    row = make_symbol(NUMBER, "code128").rows[0]
    assert row.startswith("0" * 10 + "1") and row.endswith("1" + "0" * 10)


def linear_image(kind: str, text: str, module_px: int = 3) -> np.ndarray:
    """A pixel-exact 1-D code with quiet zones, as a camera-free stand-in."""
    # Code 39's check character is optional and readers do not strip it.
    options = {"add_checksum": False} if kind == "code39" else None
    modules = barcode.get(kind, text, options=options).build()[0]
    row = np.array([0 if c == "1" else 255 for c in "0" * 12 + modules + "0" * 12], np.uint8)
    return np.ascontiguousarray(np.repeat(np.repeat(row[None, :], 80, axis=0), module_px, axis=1))


@pytest.mark.parametrize("kind, text, expected", [
    ("ean13", "590123412345", Decoded("EAN13", "5901234123457")),
    ("ean8", "9638507", Decoded("EAN8", "96385074")),
    ("upca", "03600029145", Decoded("UPCA", "036000291452")),
    ("code39", "BIN-A-03", Decoded("Code39", "BIN-A-03")),
])
def test_decode_names_formats_one_way(kind, text, expected):
    assert decode(linear_image(kind, text)) == [expected]


def test_decode_accepts_gray_bgr_and_bgra():
    gray = linear_image("code128", NUMBER)
    for image in (gray, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA)):
        assert decode(image) == [Decoded("Code128", NUMBER)]


def test_zbar_is_a_fallback_when_installed(monkeypatch):
    assert isinstance(decoding.ZBAR_AVAILABLE, bool)
    assert decoding.ZBAR_AVAILABLE == (decoding.ZBAR_UNAVAILABLE_REASON == "")
    if not decoding.ZBAR_AVAILABLE:
        pytest.fail(f"zbar is missing ({decoding.ZBAR_UNAVAILABLE_REASON}); make system-deps installs libzbar0")
    monkeypatch.setattr(decoding, "_from_zxing", lambda gray: [])
    assert decode(linear_image("code128", NUMBER)) == [Decoded("Code128", NUMBER)]


def test_decode_works_without_zbar():
    # A fresh interpreter, because the import-time probe cannot be undone in this one.
    script = (
        "import sys; sys.modules['pyzbar'] = None\n"
        "from hardware import decode as d\n"
        "from hardware.labels import code_png\n"
        "import cv2, numpy as np\n"
        "image = cv2.imdecode(np.frombuffer(code_png('R1-1', 'qr'), np.uint8), cv2.IMREAD_GRAYSCALE)\n"
        "assert not d.ZBAR_AVAILABLE and 'pyzbar' in d.ZBAR_UNAVAILABLE_REASON\n"
        "assert d.decode(image) == [d.Decoded('QRCode', 'R1-1')]\n"
        "assert d.decode(np.zeros((40, 40), np.uint8)) == []\n"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", script], check=True, timeout=60,
                   cwd=ROOT)


@pytest.mark.parametrize("blank", [
    np.zeros((480, 640), np.uint8), np.full((480, 640, 3), 255, np.uint8), np.zeros((0, 0), np.uint8),
])
def test_blank_frames_have_no_codes(blank):
    assert decode(blank) == []


def manifest() -> list[dict[str, str]]:
    if not (BARCODES / "manifest.csv").exists():
        pytest.fail(f"the shared barcode photographs are not at {BARCODES} (set BAYFLOW_SHARED)")
    with open(BARCODES / "manifest.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("path", [
    "images/zxing/code128-2/01.png", "images/zxing/ean13-1/1.png",
    "images/zxing/qrcode-1/1.png", "images/zxing/datamatrix-2/01.png",
])
def test_decode_reads_shared_photographs(path):
    row = next(r for r in manifest() if r["path"] == path)
    expected = Decoded(row["format"], row["expected_text"].replace("\r\n", "\n"))
    assert decode_file(BARCODES / path) == [expected]


def test_photographs_without_a_barcode_read_nothing():
    empty = [r for r in manifest() if r["format"] in ("", "none")]
    assert empty
    assert {r["path"]: decode_file(BARCODES / r["path"]) for r in empty} == {r["path"]: [] for r in empty}


def test_a_misread_ean13_is_never_reported():
    # zxing-cpp reads this box twice: 8410054010412 (printed) and 6412012010412.
    if not BARCODES.exists():
        pytest.fail(f"the shared barcode photographs are not at {BARCODES} (set BAYFLOW_SHARED)")
    found = decode_file(BARCODES / "images/zxing/ean13-1/5.png")
    assert Decoded("EAN13", "6412012010412") not in found
    if decoding.ZBAR_AVAILABLE:
        assert found == [Decoded("EAN13", "8410054010412")]


def test_decode_file_refuses_what_is_not_an_image(tmp_path):
    (tmp_path / "note.png").write_text("not an image")
    with pytest.raises(ValueError, match="cannot read"):
        decode_file(tmp_path / "note.png")
    chinese = tmp_path / "扫描" / "工单.png"
    chinese.parent.mkdir()
    chinese.write_bytes(code_png(NUMBER, "qr"))
    assert decode_file(chinese) == [Decoded("QRCode", NUMBER)]
