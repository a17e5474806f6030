"""Read barcodes from camera frames and image files.

zxing-cpp reads first.  Only when it finds nothing does zbar (pyzbar) get the
frame: on the shared photo set each library reads about ten EAN-13 photos the
other misses, and asking zbar only on empty frames keeps its ~36 ms off the
common path.  zbar is optional (it needs the libzbar shared library); without
it ``ZBAR_AVAILABLE`` is False and ``ZBAR_UNAVAILABLE_REASON`` says why.

A wrong read is worse than no read (it would book a job on the wrong car), so
zbar results pass the extra checks in ``_from_zbar``.  Tuning against the
benchmark set is for later; this module is the simple, correct baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

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
_ZBAR_NAMES = {"CODE128": "Code128", "CODE39": "Code39", "EAN13": "EAN13", "EAN8": "EAN8",
               "UPCA": "UPCA", "QRCODE": "QRCode"}


@dataclass(frozen=True)
class Decoded:
    """One code read from an image: ``format`` is one of ``FORMATS``."""

    format: str
    text: str


def _gray(image: np.ndarray) -> np.ndarray:
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


def _from_zxing(gray: np.ndarray) -> list[Decoded]:
    # TextMode.Plain keeps the content as encoded (GS1 group separators and
    # control characters stay real characters) instead of a display form.
    found = zxingcpp.read_barcodes(gray, formats=_ZXING_FORMATS, text_mode=zxingcpp.TextMode.Plain)
    return [Decoded(_ZXING_NAMES[b.format.name], b.text) for b in found
            if b.valid and b.format.name in _ZXING_NAMES and b.text]


def _from_zbar(gray: np.ndarray) -> list[Decoded]:
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
        results.append(Decoded(fmt, text))
    return results


def _canonical(code: Decoded) -> Decoded:
    """One spelling for UPC-A, whichever library read it.

    A UPC-A symbol has the same bars as the EAN-13 with a leading zero; zbar
    and zxing-cpp 3.x report ``EAN13 0036000291452``, zxing-cpp 2.x
    ``UPCA 036000291452``.  We report the twelve digits printed under a UPC-A.
    """
    if code.format in ("EAN13", "UPCA") and len(code.text) == 13 and code.text.startswith("0"):
        return Decoded("UPCA", code.text[1:])
    return code


def _ean_halves(code: Decoded) -> tuple[str, str] | None:
    """(length class, right half) of an EAN/UPC read; None for other formats."""
    if code.format in ("EAN13", "UPCA"):
        return "13", code.text.rjust(13, "0")[7:]
    if code.format == "EAN8":
        return "8", code.text[4:]
    return None


def _drop_conflicts(codes: list[Decoded]) -> list[Decoded]:
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


def _clean(found: list[Decoded]) -> list[Decoded]:
    """Canonical spelling, no duplicates, no contradicting reads."""
    return _drop_conflicts(list(dict.fromkeys(_canonical(code) for code in found)))


def decode(image: np.ndarray) -> list[Decoded]:
    """All codes of our formats in an OpenCV frame (gray, BGR or BGRA, uint8).

    Results are de-duplicated and keep the order the decoder found them in;
    an image without a readable code gives an empty list.
    """
    if image.size == 0:
        return []
    gray = _gray(image)
    return _clean(_from_zxing(gray)) or _clean(_from_zbar(gray))



def decode_file(path: str | Path) -> list[Decoded]:
    """Decode an image file (any format OpenCV reads); ValueError if it cannot be read."""
    # np.fromfile + imdecode instead of imread: on Windows imread cannot open
    # paths with non-ASCII characters, such as a user folder named in Chinese.
    data = np.fromfile(str(path), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE) if data.size else None
    if image is None:
        raise ValueError(f"cannot read an image from {path}")
    return decode(image)
