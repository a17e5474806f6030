"""Chinese number plates, VINs and mobile numbers: the checks reception's fields use.

* Plates (GA 36): a province's character, the issuing office's letter, then five
  letters or digits (7 characters); new-energy plates have six (8 characters:
  D or F then five, or five digits then D or F); coach, police, trailer, Hong
  Kong and Macau plates end in 学 警 挂 港 澳. An odd foreign or temporary plate is
  accepted when the advisor says so (``unusual=True``).
* VINs (GB 16735 / ISO 3779): 17 letters and digits without I, O, Q; the ninth
  is a check digit (weighted sum mod 11, 10 written X).
* Mobile numbers: 11 digits starting 13–19 (a +86 in front is dropped), or an
  international number starting with + and another country code.
"""
from __future__ import annotations

import re

from kiosk.i18n import lazy_gettext as _l

from kiosk.services.errors import ServiceError

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # no I or O on a plate
PLATE_PATTERNS = (
    re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{5}}$"),  # ordinary (blue, yellow)
    re.compile(rf"^[{PROVINCES}][{_LETTER}][DF][{_LETTER}0-9][0-9]{{4}}$"),  # new energy, small car
    re.compile(rf"^[{PROVINCES}][{_LETTER}][0-9]{{5}}[DF]$"),  # new energy, large vehicle
    re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{4}}[学警挂港澳领]$"),  # coach, police, trailer …
)
NEW_ENERGY = PLATE_PATTERNS[1:3]
VIN_SHAPE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
               **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
INTERNATIONAL = re.compile(r"^\+(?!86)\d{7,15}$")


def normalize_plate(plate: str) -> str:
    """京A·12345, '京a 12345' and '京A12345' are one plate."""
    return re.sub(r"[\s·.\-]", "", plate or "").upper()


def plate_ok(plate: str) -> bool:
    return any(p.match(normalize_plate(plate)) for p in PLATE_PATTERNS)


def is_new_energy_plate(plate: str) -> bool:
    """The green 8-character plate of an electric or plug-in hybrid car."""
    return any(p.match(normalize_plate(plate)) for p in NEW_ENERGY)


def check_plate(plate: str, *, unusual: bool = False, field: str = "plate") -> str:
    """The plate normalized, or a clear refusal; ``unusual`` lets a foreign or temporary plate through."""
    text = normalize_plate(plate)
    if text and not unusual and not plate_ok(text):
        raise ServiceError(_l("This is not a Chinese plate: a province, a letter and 5 letters or digits "
                              "(京A12345), or 6 for a new-energy plate (沪AD12345). For a foreign or temporary "
                              "plate tick “Unusual plate”."), field=field)
    if len(text) > 16:
        raise ServiceError(_l("A plate has at most 16 characters."), field=field)
    return text


def vin_check_digit(vin: str) -> str:
    """The ninth character a VIN must have (weighted sum mod 11, 10 → X)."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS))
    return "X" if total % 11 == 10 else str(total % 11)


def check_vin(vin: str, *, check_digit: bool = True, field: str = "vin") -> str:
    """The VIN in capitals, or a clear refusal (its shape, then its check digit)."""
    text = re.sub(r"\s", "", vin or "").upper()
    if not VIN_SHAPE.match(text):
        raise ServiceError(_l("A VIN has 17 letters and digits (no I, O or Q)."), field=field)
    if check_digit and text[8] != vin_check_digit(text):
        raise ServiceError(_l("This VIN's check digit (the 9th character) does not fit: it should be %(digit)s. "
                              "Check each character against the car's nameplate.",
                              digit=vin_check_digit(text)), field=field)
    return text


def check_mobile(phone: str, *, field: str = "phone") -> str:
    """A Chinese mobile number (11 digits) or an international number, normalized; or a clear refusal."""
    text = re.sub(r"[\s\-()]", "", phone or "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if MOBILE.match(text) or INTERNATIONAL.match(text):
        return text
    raise ServiceError(_l("Enter an 11-digit mobile number (138 1234 5678), or a foreign number starting "
                          "with + and the country code."), field=field)
