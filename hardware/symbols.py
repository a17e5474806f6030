"""Barcode symbols as module grids, pixel-exact images and SVG.

A symbol is first reduced to its modules (the narrowest bar or square it is
built from): python-barcode supplies the Code 128 bar pattern and the
``qrcode`` package the QR matrix.  Every output is then drawn from that grid
with a whole number of pixels per module, which avoids python-barcode's own
PNG writer: it rounds each bar separately and draws wrong bar widths below
about 2.4 pixels per module.  Quiet zones are part of the symbol here, because
zbar refuses Code 128 with less than ten modules of white on each side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from hardware.lazy import lazy

# python-barcode, qrcode, Pillow and NumPy load at their first use (hardware.lazy): a
# server process that never renders a label never loads them.
barcode = lazy("barcode")
qrcode = lazy("qrcode")
Image = lazy("PIL.Image")
np = lazy("numpy")

SYMBOLOGIES = ("code128", "qr")

# Quiet zones in modules: zbar needs ten for Code 128, ISO 18004 asks four for QR.
CODE128_QUIET = 10
QR_QUIET = 4

# The smallest module we print.  Below 0.25 mm handheld scanners and phone
# cameras start to miss bars, and at 203 dpi it is still two printer dots.
MIN_MODULE_MM = 0.25

MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Symbol:
    """The modules of one barcode, quiet zone included.

    ``rows`` holds one string per module row, ``"1"`` for dark; Code 128 has
    a single row that is stretched to the bar height when drawn.
    """

    symbology: str
    text: str
    rows: tuple[str, ...]

    @property
    def width(self) -> int:
        """Width in modules, quiet zones included."""
        return len(self.rows[0])

    @property
    def is_linear(self) -> bool:
        """True for one-row symbols (Code 128)."""
        return len(self.rows) == 1

    def dark_runs(self) -> list[tuple[int, int, int]]:
        """Dark runs as ``(row, first_module, length)``, for vector output."""
        runs = []
        for y, row in enumerate(self.rows):
            x = 0
            while x < len(row):
                if row[x] == "1":
                    end = row.find("0", x)
                    end = len(row) if end == -1 else end
                    runs.append((y, x, end - x))
                    x = end
                else:
                    x += 1
        return runs


def make_symbol(text: str, symbology: str = "code128") -> Symbol:
    """Build the module grid of ``text`` as ``"code128"`` or ``"qr"``.

    Raises ValueError for an unknown symbology, empty text, or characters
    Code 128 cannot carry.
    """
    if not text:
        raise ValueError("cannot make a barcode of empty text")
    if symbology == "code128":
        try:
            pattern = barcode.get("code128", text).build()[0]
        except barcode.errors.BarcodeError as exc:
            raise ValueError(f"cannot encode {text!r} as Code 128: {exc}") from exc
        quiet = "0" * CODE128_QUIET
        return Symbol(symbology, text, (quiet + pattern + quiet,))
    if symbology == "qr":
        # Level M survives a scratched or greasy key tag without making the
        # symbol much denser than level L.
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_QUIET)
        qr.add_data(text)
        qr.make(fit=True)
        rows = tuple("".join("1" if dark else "0" for dark in row) for row in qr.get_matrix())
        return Symbol(symbology, text, rows)
    raise ValueError(f"unknown symbology {symbology!r}; expected one of {', '.join(SYMBOLOGIES)}")


def module_pixels(module_mm: float, dpi: float) -> int:
    """Whole pixels per module closest to ``module_mm`` but never below 0.25 mm."""
    smallest = max(1, round(MIN_MODULE_MM * dpi / MM_PER_INCH))
    return max(smallest, round(module_mm * dpi / MM_PER_INCH))


def fit_module_pixels(symbol: Symbol, width_px: int) -> int:
    """The largest whole module size that fits ``symbol`` into ``width_px``.

    Returns 0 when not even one pixel per module fits; callers decide whether
    that is an error (the label renderers check against the 0.25 mm minimum).
    """
    return width_px // symbol.width


def symbol_array(symbol: Symbol, module_px: int, height_px: int | None = None) -> np.ndarray:
    """The symbol as a uint8 array, 0 for dark and 255 for light.

    Linear symbols are stretched to ``height_px`` (default: a fifth of the
    width, quiet zones included); 2-D symbols stay square.
    """
    if module_px < 1:
        raise ValueError("module_px must be at least 1")
    grid = np.array([[c == "1" for c in row] for row in symbol.rows], dtype=bool)
    pixels = np.where(grid, 0, 255).astype(np.uint8)
    pixels = np.repeat(np.repeat(pixels, module_px, axis=0), module_px, axis=1)
    if symbol.is_linear:
        height = height_px or max(1, pixels.shape[1] // 5)
        pixels = np.repeat(pixels[:1], height, axis=0)
    return np.ascontiguousarray(pixels)


def symbol_image(
    symbol: Symbol, *, module_mm: float = 0.33, height_mm: float = 12.0, dpi: int = 300
) -> Image.Image:
    """A pixel-exact greyscale PIL image of ``symbol`` at ``dpi``.

    ``module_mm`` is rounded to whole pixels; ``height_mm`` applies to
    linear symbols only.  The image carries its dpi, so a PNG saved from it
    prints at the intended physical size.
    """
    px = module_pixels(module_mm, dpi)
    height_px = max(1, round(height_mm * dpi / MM_PER_INCH))
    image = Image.fromarray(symbol_array(symbol, px, height_px))
    image.info["dpi"] = (dpi, dpi)
    return image


def svg_rects(symbol: Symbol, x: float, y: float, module: float, height: float | None = None) -> str:
    """SVG ``<rect>`` elements for the dark runs of ``symbol``.

    Coordinates are in user units: ``module`` is one module's width and
    ``height`` the bar height of a linear symbol.  One rect per run keeps the
    output small and makes the bars exact multiples of the module.
    """
    rects = []
    for row, first, length in symbol.dark_runs():
        top = y if symbol.is_linear else y + row * module
        tall = (height or module * symbol.width / 5) if symbol.is_linear else module
        rects.append(
            f'<rect x="{_num(x + first * module)}" y="{_num(top)}" '
            f'width="{_num(length * module)}" height="{_num(tall)}"/>'
        )
    return "".join(rects)


def symbol_svg(symbol: Symbol, *, module_mm: float = 0.33, height_mm: float = 12.0) -> str:
    """A standalone, inline-ready ``<svg>`` element sized in millimetres.

    User units are millimetres (``viewBox``), so the browser prints it at the
    physical size; ``shape-rendering="crispEdges"`` stops anti-aliased bars.
    """
    width = symbol.width * module_mm
    height = height_mm if symbol.is_linear else width
    label = quoteattr(symbol.text)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}mm" height="{_num(height)}mm" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" shape-rendering="crispEdges" '
        f'role="img" aria-label={label} data-symbology="{symbol.symbology}">'
        f'<rect width="100%" height="100%" fill="#fff"/>'
        f'<g fill="#000">{svg_rects(symbol, 0, 0, module_mm, height_mm)}</g></svg>'
    )


def _num(value: float) -> str:
    """Short, stable decimal text for SVG coordinates."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def mm_to_px(mm: float, dpi: float) -> int:
    """Millimetres to whole pixels at ``dpi`` (floored, so layouts never overflow)."""
    return math.floor(mm * dpi / MM_PER_INCH + 1e-9)
