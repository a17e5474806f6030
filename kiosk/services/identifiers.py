"""Chinese number plates, VINs and phone numbers: the one identifier rule every door calls.

* Plates (GA 36): a province's character, the issuing office's letter, then five
  letters or digits (7 characters); new-energy plates have six (8 characters:
  D or F then five, or five digits then D or F); coach, police, trailer, Hong
  Kong and Macau plates end in 学 警 挂 港 澳. An odd foreign or temporary plate is
  accepted when the person confirms it (``unusual_plate``).
* VINs (GB 16735 / ISO 3779): 17 letters and digits without I, O, Q; the ninth
  is a check digit (weighted sum mod 11, 10 written X). A VIN whose check digit
  does not fit is accepted when the person compared it with the car's nameplate
  (``vin_confirmed``): a few grey imports carry such VINs.
* Phones: a mobile (11 digits starting 13–19; +86 or 0086 in front is dropped),
  an international number (+ and another country code), or a landline when the
  person confirms the customer has no mobile (``landline``: no text reaches it).

Everything is normalised first: full-width letters and digits become half-width
(an IME's ＡＢ１２), letters upper case, spaces and separators dropped.
``check_identifiers`` is the rule; the desk's fields, bookings, the API and
``kiosk.services.customers`` all call it with the person's ``Confirmations``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import limits
from kiosk.core.errors import ServiceError

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # no I or O on a plate
PLATE_PATTERNS = (
    re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{5}}$"),  # ordinary (blue, yellow)
    re.compile(rf"^[{PROVINCES}][{_LETTER}][DF][{_LETTER}0-9][0-9]{{4}}$"),  # new energy, small car
    re.compile(rf"^[{PROVINCES}][{_LETTER}][0-9]{{5}}[DF]$"),  # new energy, large vehicle
    re.compile(rf"^[{PROVINCES}][{_LETTER}][{_LETTER}0-9]{{4}}[学警挂港澳领]$"),  # coach, police, trailer …
)
NEW_ENERGY = PLATE_PATTERNS[1:3]
PLATE_MAX = 16
VIN_SHAPE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
               **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
INTERNATIONAL = re.compile(r"^\+(?!86)\d{7,15}$")
# An area code (0 and 2–3 digits) and a 7–8 digit number; a local number alone; a 400/800 service line.
LANDLINE = re.compile(r"^(0[1-9]\d{8,10}|[2-9]\d{6,7}|[48]00\d{7})$")

# The confirmations a person gives, by name (the form's checkbox, the API's JSON field).
UNUSUAL_PLATE, VIN_CONFIRMED, LANDLINE_OK = "unusual_plate", "vin_confirmed", "landline"


@dataclass(frozen=True)
class Confirmations:
    """What the person at a door confirmed against the rule's doubts.

    ``warn`` names the doubts this door accepts with a warning instead of a
    refusal when nobody confirmed them (the API: ``vin_confirmed``, so a call
    valid before the check digit was checked stays valid).
    """

    unusual_plate: bool = False
    vin_confirmed: bool = False
    landline: bool = False
    warn: frozenset = frozenset()


NONE = Confirmations()


@dataclass(frozen=True)
class Doubt:
    """A doubt this door let through with a warning: which confirmation would lift it, where, why."""

    confirmation: str
    field: str
    message: object  # a lazy translation

    def as_json(self, prefix: str = "") -> dict:
        return {"field": prefix + self.field, "confirmation": self.confirmation, "message": str(self.message)}


@dataclass(frozen=True)
class Checked:
    """The identifiers normalised (None where none was given), with the doubts let through."""

    phone: str | None = None
    plate: str | None = None
    vin: str | None = None
    warnings: tuple[Doubt, ...] = ()


def fold(text: str | None) -> str:
    """Full-width letters, digits and signs as half-width (ＡＢ１２ → AB12, the ideographic space a space)."""
    return unicodedata.normalize("NFKC", text or "")


def normalize_plate(plate: str | None) -> str:
    """京A·12345, '京a 12345', '京Ａ１２３４５' and '京A12345' are one plate."""
    return re.sub(r"[\s·・.\-]", "", fold(plate)).upper()


def normalize_vin(vin: str | None) -> str:
    return re.sub(r"\s", "", fold(vin)).upper()


def normalize_phone(phone: str | None) -> str:
    """Digits (and a leading +) without separators; +86, 0086 and 86 before a mobile dropped."""
    text = re.sub(r"[\s\-().]", "", fold(phone))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            return text[len(prefix):]
    if len(text) == 13 and text.startswith("86") and MOBILE.match(text[2:]):
        return text[2:]
    return text


def plate_ok(plate: str) -> bool:
    return any(p.match(normalize_plate(plate)) for p in PLATE_PATTERNS)


def is_new_energy_plate(plate: str) -> bool:
    """The green 8-character plate of an electric or plug-in hybrid car."""
    return any(p.match(normalize_plate(plate)) for p in NEW_ENERGY)


def vin_check_digit(vin: str) -> str:
    """The ninth character a VIN must have (weighted sum mod 11, 10 → X)."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS))
    return "X" if total % 11 == 10 else str(total % 11)


def check_identifiers(*, phone: str | None = None, plate: str | None = None, vin: str | None = None,
                      confirm: Confirmations = NONE) -> Checked:
    """The one identifier rule: each identifier given (None: not checked) normalised, or a refusal.

    A refusal is a ServiceError at the identifier's field; one a confirmation
    would lift carries ``detail={"confirmation": name}``. A doubt named in
    ``confirm.warn`` and not confirmed is let through and listed in ``warnings``.
    """
    warnings: list[Doubt] = []

    def doubt(name: str, field: str, message) -> None:
        if getattr(confirm, name):
            return
        if name in confirm.warn:
            warnings.append(Doubt(name, field, message))
            return
        raise ServiceError(message, field=field, detail={"confirmation": name})

    if phone is not None:
        phone = normalize_phone(phone)
        if not (MOBILE.match(phone) or INTERNATIONAL.match(phone)):
            if not LANDLINE.match(phone):
                raise ServiceError(_l("Enter an 11-digit mobile number (138 1234 5678), or a foreign number "
                                      "starting with + and the country code."), field="phone")
            doubt(LANDLINE_OK, "phone", _l("This is a landline, not a mobile: no text message reaches it. "
                                           "Enter a mobile number, or confirm “Landline, no mobile”."))
    if plate is not None:
        plate = normalize_plate(plate)
        limits.check_text("plate", plate, PLATE_MAX)
        if plate and not plate_ok(plate):
            doubt(UNUSUAL_PLATE, "plate", _l(
                "This is not a Chinese plate: a province, a letter and 5 letters or digits (京A12345), or 6 for "
                "a new-energy plate (沪AD12345). For a foreign or temporary plate tick “Unusual plate”."))
    if vin is not None:
        vin = normalize_vin(vin)
        if vin and not VIN_SHAPE.match(vin):
            raise ServiceError(_l("A VIN has 17 letters and digits (no I, O or Q)."), field="vin")
        if vin and vin[8] != vin_check_digit(vin):
            doubt(VIN_CONFIRMED, "vin", _l(
                "This VIN's check digit (the 9th character) does not fit: it should be %(digit)s. Check each "
                "character against the car's nameplate; if they match, confirm “VIN checked on the car”.",
                digit=vin_check_digit(vin)))
    return Checked(phone=phone, plate=plate, vin=vin, warnings=tuple(warnings))


def check_vin(vin: str, *, confirmed: bool = False) -> str:
    """The VIN in capitals, or a clear refusal (an empty one too): its shape, then its check digit
    (``confirmed``: the person compared it with the car's nameplate)."""
    checked = check_identifiers(vin=vin, confirm=Confirmations(vin_confirmed=confirmed)).vin
    if not checked:
        raise ServiceError(_l("A VIN has 17 letters and digits (no I, O or Q)."), field="vin")
    return checked
