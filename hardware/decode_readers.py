"""The two barcode libraries behind one interface, and the checks their reads pass.

``zxing`` and ``zbar`` return ``Decoded`` values in our format names; ``clean``
turns one reader's answer into what may be reported: one spelling for UPC-A,
no duplicates, and no EAN/UPC read that another read contradicts.  zbar is
optional (it needs the libzbar shared library); without it
``ZBAR_AVAILABLE`` is False and ``ZBAR_UNAVAILABLE_REASON`` says why.
"""

from __future__ import annotations

import atexit

from dataclasses import dataclass, field

import zxingcpp
from hardware.lazy import lazy

cv2 = lazy("cv2")  # OpenCV loads at its first use (hardware.lazy)
np = lazy("numpy")

try:
    from pyzbar import pyzbar
except (ImportError, OSError) as exc:  # ImportError without libzbar, OSError for a broken DLL
    pyzbar = None
    ZBAR_AVAILABLE = False
    ZBAR_UNAVAILABLE_REASON = f"pyzbar could not be imported: {exc}"
else:
    ZBAR_AVAILABLE = True
    ZBAR_UNAVAILABLE_REASON = ""

FORMATS = ("Code128", "Code39", "EAN13", "EAN8", "UPCA", "QRCode", "DataMatrix")

# zxing-cpp format names (BarcodeFormat.name) to ours; 3.x splits Code 39 and QR
# into variants, 2.x reports the plain names.
_ZXING_NAMES = {
    "Code128": "Code128", "Code39": "Code39", "Code39Std": "Code39", "Code39Ext": "Code39",
    "EAN13": "EAN13", "EAN8": "EAN8", "UPCA": "UPCA",
    "QRCode": "QRCode", "QRCodeModel2": "QRCode", "DataMatrix": "DataMatrix",
}
# Asking only for our formats is faster and cannot report, say, a UPC-E that
# is really a misread EAN-13.  barcode_formats_from_str works on 2.x and 3.x
# (3.x deprecates combining formats with "|").
_ZXING_FORMATS = zxingcpp.barcode_formats_from_str("Code128,Code39,EAN13,EAN8,UPCA,QRCode,DataMatrix")


@atexit.register
def _drop_zxing_objects() -> None:
    """Let go of zxing-cpp's objects before the interpreter tears modules down:
    nanobind otherwise reports the module-level formats object as "leaked" on
    stderr at exit, after the one line a failed command prints."""
    global _ZXING_FORMATS
    _ZXING_FORMATS = None
_ZBAR_NAMES = {"CODE128": "Code128", "CODE39": "Code39", "EAN13": "EAN13", "EAN8": "EAN8",
               "UPCA": "UPCA", "QRCODE": "QRCode"}


@dataclass(frozen=True)
class Decoded:
    """One code read from an image: ``format`` is one of ``FORMATS``.

    ``where`` (corner points in the image the reader saw) is kept for the
    EAN cross-check; it is not part of a code's identity, and the pipeline's
    answers do not carry it.
    """

    format: str
    text: str
    where: tuple[tuple[int, int], ...] | None = field(default=None, compare=False, repr=False)


def to_gray(image: np.ndarray) -> np.ndarray:
    """A contiguous 8-bit greyscale view of a gray, BGR or BGRA frame."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected an 8-bit image, got dtype {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    elif image.ndim == 3 and image.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        image = cv2.cvtColor(image, code)
    elif image.ndim != 2:
        raise ValueError(f"expected a gray, BGR or BGRA image, got shape {image.shape}")
    return np.ascontiguousarray(image)


def zxing(gray: np.ndarray, **options) -> list[Decoded]:
    """zxing-cpp's reads of our formats; ``options`` go to ``read_barcodes``."""
    # TextMode.Plain keeps the content as encoded (GS1 group separators and
    # control characters stay real characters) instead of a display form.
    formats = _ZXING_FORMATS
    if formats is None:  # the interpreter is exiting (see _drop_zxing_objects)
        return []
    found = zxingcpp.read_barcodes(gray, formats=formats, text_mode=zxingcpp.TextMode.Plain, **options)
    return [Decoded(_ZXING_NAMES[b.format.name], b.text, _corners(b.position)) for b in found
            if b.valid and b.format.name in _ZXING_NAMES and b.text]


def _corners(position) -> tuple[tuple[int, int], ...]:
    return tuple((p.x, p.y) for p in (position.top_left, position.top_right,
                                       position.bottom_right, position.bottom_left))


def zbar(gray: np.ndarray) -> list[Decoded]:
    """zbar's reads of our formats (none without zbar), after the checks below."""
    if pyzbar is None:
        return []
    symbols = [getattr(pyzbar.ZBarSymbol, name) for name in _ZBAR_NAMES]
    results = []
    for symbol in pyzbar.decode(gray, symbols=symbols):
        fmt = _ZBAR_NAMES.get(symbol.type)
        try:
            text = symbol.data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if fmt is None or not text:
            continue
        # zbar's "quality" for linear codes counts the scan lines that agreed;
        # a single line is how it reads a "T" of Code 39 out of a photo of a
        # wall.  Every genuine linear read in the photo set had three or more.
        if fmt != "QRCode" and symbol.quality < 2:
            continue
        # zbar guesses the character set of QR bytes and turns Shift-JIS into
        # wrong Chinese; only ASCII is sure to be what was encoded.
        if fmt == "QRCode" and not text.isascii():
            continue
        results.append(Decoded(fmt, text, tuple((p.x, p.y) for p in symbol.polygon)))
    return results


def canonical(code: Decoded) -> Decoded:
    """One spelling for UPC-A, whichever library read it.

    A UPC-A symbol has the same bars as the EAN-13 with a leading zero; zbar
    and zxing-cpp 3.x report ``EAN13 0036000291452``, zxing-cpp 2.x
    ``UPCA 036000291452``.  We report the twelve digits printed under a UPC-A.
    """
    if code.format in ("EAN13", "UPCA") and len(code.text) == 13 and code.text.startswith("0"):
        return Decoded("UPCA", code.text[1:], code.where)
    return code


def _ean_halves(code: Decoded) -> tuple[str, str] | None:
    """(length class, right half) of an EAN/UPC read; None for other formats."""
    if code.format in ("EAN13", "UPCA"):
        return "13", code.text.rjust(13, "0")[7:]
    if code.format == "EAN8":
        return "8", code.text[4:]
    return None


def drop_conflicts(codes: list[Decoded]) -> list[Decoded]:
    """Remove EAN/UPC reads that contradict each other.

    zxing-cpp sometimes reads one EAN-13 twice in a frame, once right and once
    with a wrong left half that still passes the weak mod-10 check (seen on
    two photos of the shared set).  Two different reads with the same right
    half are almost surely one symbol; we cannot tell which is right, so
    neither is reported (zbar then gets the frame, and the camera the next).
    """
    halves = [_ean_halves(code) for code in codes]
    clashing = {h for i, h in enumerate(halves) if h is not None and h in halves[:i]}
    return [code for code, h in zip(codes, halves) if h is None or h not in clashing]


EAN_FORMATS = ("EAN13", "EAN8", "UPCA")


def _around(image: np.ndarray, where: tuple[tuple[int, int], ...]) -> np.ndarray:
    """The neighbourhood of a linear code: its bars' full height and its quiet zones.

    zxing-cpp reports a linear code as the thin band of rows it decoded, so
    the box is widened by the margins a label always has and made much taller.
    """
    pts = np.array(where, np.float32)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    w, h = x1 - x0, y1 - y0
    pad_x = 0.12 * max(w, h) + 10
    pad_y = 0.3 * max(w, h) + 10
    ih, iw = image.shape
    top, bottom = int(max(0, y0 - pad_y)), int(min(ih, y1 + pad_y + 1))
    left, right = int(max(0, x0 - pad_x)), int(min(iw, x1 + pad_x + 1))
    return np.ascontiguousarray(image[top:bottom, left:right])


def _second_opinions(crop: np.ndarray) -> list[Decoded]:
    """Other reads of the same spot: zbar, and zxing-cpp with a fixed threshold
    (a different binarizer fails differently from the default one)."""
    if crop.size == 0:
        return []
    return zbar(crop) + zxing(crop, binarizer=zxingcpp.Binarizer.FixedThreshold)


def cross_checked(image: np.ndarray, codes: list[Decoded]) -> list[Decoded]:
    """Drop EAN/UPC reads that a second reading of the same spot contradicts.

    EAN-13's mod-10 check lets a misread left half through: zxing-cpp read a
    clean, slightly skewed label as 5215872906564 where zbar and the printed
    digits said 6215079906564.  Each EAN/UPC read is therefore read again,
    around where it was found, by the other library and another binarizer;
    a different read with the same right half means one of them is wrong,
    and we cannot tell which, so the code is not reported (the next camera
    frame gets another chance).  A second reading that finds nothing is no
    contradiction: keeping such reads keeps the blurry photos zxing alone reads.
    """
    kept = []
    for code in codes:
        if code.format in EAN_FORMATS and code.where:
            opinions = [canonical(o) for o in _second_opinions(_around(image, code.where))]
            halves = _ean_halves(canonical(code))
            if any(_ean_halves(o) == halves and o != canonical(code) for o in opinions):
                continue
        kept.append(code)
    return kept


def clean(image: np.ndarray, found: list[Decoded]) -> list[Decoded]:
    """What may be reported of one reader's answer on ``image`` (the image it saw):
    canonical spelling, no duplicates, no contradicted EAN/UPC read."""
    if not found:
        return []
    return cross_checked(image, drop_conflicts(list(dict.fromkeys(canonical(code) for code in found))))
