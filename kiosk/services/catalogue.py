"""Finding parts in the catalogue by any number or barcode printed on them."""
from __future__ import annotations

from kiosk.i18n import lazy_gettext as _l

from kiosk.models import Part, PartBarcode

# The units a part is counted in, as kept on the part (``Part.unit``) and as the counter says them.
UNITS = {"pc": _l("pc"), "set": _l("set"), "pair": _l("pair"), "box": _l("box"), "bottle": _l("bottle"),
         "l": _l("litre"), "kg": _l("kg"), "m": _l("metre")}


def unit_label(unit: str) -> str:
    """A part's unit in the page's language; a unit of the store's own is shown as written."""
    return str(UNITS.get((unit or "").strip().lower(), unit or ""))


def display_name(part: Part, locale: str) -> str:
    """The part's name for a page in ``locale``: its English name on an English page when it has one."""
    return part.name_en if locale.startswith("en") and part.name_en else part.name


def _live(query):
    return query.where(Part.deleted == False)  # noqa: E712


def find_part(code: str, *, follow_supersession: bool = True) -> Part | None:
    """The part a scanned or typed ``code`` names: a barcode, the part number, or a
    manufacturer's or supplier's number; an old number leads to the part that replaced it."""
    code = (code or "").strip()
    if not code:
        return None
    part = (_live(Part.select().join(PartBarcode).where((PartBarcode.code == code)
                                                          & (PartBarcode.deleted == False)))  # noqa: E712
            .first())
    if part is None:
        upper = code.upper()
        part = (_live(Part.select().where((Part.part_no == upper) | (Part.manufacturer_no == upper)
                                          | (Part.supplier_no == upper)))
                .first())
    if part is None:  # codes kept on the part row itself (older data, the demo)
        part = _live(Part.select().where(Part.barcodes.contains(f'"{code}"'))).first()
    seen = set()
    while follow_supersession and part is not None and part.superseded_by and part.part_no not in seen:
        seen.add(part.part_no)
        newer = _live(Part.select().where(Part.part_no == part.superseded_by)).first()
        if newer is None:
            break
        part = newer
    return part


def find_part_by_code_or_name(text: str) -> Part | None:
    """``find_part``, or else the one live part whose name is exactly ``text`` (an advisor who
    typed 机油滤清器 and pressed Enter); None when no part, or several, answer to it."""
    part = find_part(text)
    if part is None and (text or "").strip():
        named = list(_live(Part.select().where(Part.name == text.strip())).limit(2))
        part = named[0] if len(named) == 1 else None
    return part
