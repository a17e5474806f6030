"""The parts catalogue: add and change parts, their barcodes and supersession.

Every write is one transaction recording its change events. Finding a part by
any of its numbers or codes is kiosk.services.catalogue.find_part.
"""
from __future__ import annotations

import re

from kiosk.i18n import lazy_gettext as _l

from kiosk.db import transaction
from kiosk.models import Part, PartBarcode
from kiosk.services.catalogue import find_part
from kiosk.services.codes import normalize
from kiosk.services.errors import NotFound, ServiceError
from kiosk.services.workorders import decimal_of
from sync import changelog

SYMBOLOGIES = ("EAN13", "Code128", "Code39", "DataMatrix")
UNITS = ("pc", "set", "L", "kg", "m", "bottle", "box")
PART_NO_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-\.]{1,39}$")
_CODE39 = re.compile(r"^[A-Z0-9\-\. \$/\+%]+$")
TEXT_FIELDS = ("name", "name_en", "manufacturer_no", "supplier_no", "unit", "bin", "superseded_by")
MONEY_FIELDS = ("price", "cost", "reorder_point")


def ean13_ok(code: str) -> bool:
    """True when ``code`` is 13 digits with a right check digit."""
    if not re.fullmatch(r"\d{13}", code):
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return (10 - total % 10) % 10 == int(code[12])


def guess_symbology(code: str) -> str:
    """What a scanned code most likely was printed as (the clerk may correct it)."""
    if ean13_ok(code):
        return "EAN13"
    if "\x1d" in code or code.startswith("]d2") or len(code) > 40:
        return "DataMatrix"
    if _CODE39.match(code):
        return "Code39"
    return "Code128"


def get(part_no: str) -> Part:
    part = Part.get_or_none((Part.part_no == (part_no or "").strip().upper()) & (Part.deleted == False))  # noqa: E712
    if part is None:
        raise NotFound(_l("No part with this number."), detail={"part_no": part_no})
    return part


def barcodes(part: Part) -> list[PartBarcode]:
    return list(PartBarcode.select().where((PartBarcode.part == part) & (PartBarcode.deleted == False))  # noqa: E712
                .order_by(PartBarcode.code))


def search(text: str, limit: int = 50) -> list[Part]:
    """Parts whose number, names, other numbers or a barcode contain ``text``."""
    text = (text or "").strip()
    query = Part.select().where(Part.deleted == False).order_by(Part.part_no).limit(limit)  # noqa: E712
    if not text:
        return list(query)
    exact = find_part(text)
    like = f"%{text}%"
    coded = PartBarcode.select(PartBarcode.part).where(PartBarcode.code ** like)
    found = list(query.where(Part.part_no ** like | Part.name ** like | Part.name_en ** like
                             | Part.manufacturer_no ** like | Part.supplier_no ** like | Part.id.in_(coded)))
    if exact is not None and exact not in found:
        found.insert(0, exact)
    return found


def _clean(values: dict) -> dict:
    out = {}
    for key in TEXT_FIELDS:
        if key in values:
            out[key] = str(values[key] or "").strip()
    for key in ("manufacturer_no", "supplier_no", "bin", "superseded_by"):
        if key in out:
            out[key] = out[key].upper()
    if "name" in out and not out["name"]:
        raise ServiceError(_l("Enter the part's name."), field="name")
    if "unit" in out and not out["unit"]:
        out["unit"] = "pc"
    for key in MONEY_FIELDS:
        if key in values:
            out[key] = decimal_of(values[key] if values[key] not in (None, "") else 0, key)
    return out


def create_part(part_no: str, name: str, *, barcodes_: list | None = None, staff=None, **values) -> Part:
    """A new catalogue part; ``barcodes_`` are codes (or ``{"code", "symbology"}``) on its packaging."""
    number = normalize(part_no).upper()
    if not PART_NO_RE.match(number):
        raise ServiceError(_l("A part number has 2 to 40 letters, digits, dashes or dots."), field="part_no")
    if Part.get_or_none((Part.part_no == number) & (Part.deleted == False)):  # noqa: E712
        raise ServiceError(_l("Part %(part_no)s is already in the catalogue.", part_no=number),
                           field="part_no", status=409)
    clean = _clean({**values, "name": name})
    codes = [_code_entry(c) for c in barcodes_ or []]
    for code, _sym in codes:
        _check_free(code)
    with transaction():
        part = Part(part_no=number, **clean)
        changelog.save(part)
        for code, symbology in codes:
            changelog.save(PartBarcode(part=part, code=code, symbology=symbology))
    return part


def update_part(part: Part, **values) -> Part:
    """Change a part's details; only the fields that changed are recorded."""
    clean = _clean(values)
    if clean.get("superseded_by"):
        if clean["superseded_by"] == part.part_no:
            raise ServiceError(_l("A part cannot replace itself."), field="superseded_by")
        if find_part(clean["superseded_by"], follow_supersession=False) is None:
            raise ServiceError(_l("No part with this number."), field="superseded_by")
    changelog.save_changes(part, clean)
    return part


def _code_entry(entry) -> tuple[str, str]:
    if isinstance(entry, dict):
        code, symbology = normalize(str(entry.get("code", ""))), str(entry.get("symbology") or "")
    else:
        code, symbology = normalize(str(entry)), ""
    if not code or len(code) > 200:
        raise ServiceError(_l("Scan or type the barcode."), field="code")
    if symbology and symbology not in SYMBOLOGIES:
        raise ServiceError(_l("Choose the kind of barcode."), field="symbology")
    return code, symbology or guess_symbology(code)


def _check_free(code: str) -> None:
    owner = find_part(code, follow_supersession=False)
    if owner is not None:
        raise ServiceError(_l("This barcode already belongs to %(part_no)s.", part_no=owner.part_no),
                           field="code", status=409)


def attach_barcode(part: Part, code: str, symbology: str = "") -> PartBarcode:
    """Attach a scanned code to ``part`` (the answer to an unknown barcode)."""
    code, symbology = _code_entry({"code": code, "symbology": symbology})
    _check_free(code)
    with transaction():
        row = PartBarcode(part=part, code=code, symbology=symbology)
        changelog.save(row)
    return row


def detach_barcode(row: PartBarcode) -> None:
    with transaction():
        row.deleted = True
        changelog.save(row, fields=["deleted"])

