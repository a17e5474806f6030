"""The manufacturer's code lists (symptoms, diagnoses, rejection reasons) and the
checking of what a clerk types into a claim.

A store imports each list from the manufacturer's file (CSV or XLSX, columns
``kind``, ``code``, ``text``; see the README). Once a list has codes, a claim may
only carry codes from it; an empty list accepts any code (a store that has not
imported one yet still claims).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models.claims import ManufacturerCode
from kiosk.services.labour_import import read_rows
from sync import changelog

KINDS = ("symptom", "diagnosis", "reason")
KIND_ALIASES = {"symptom": "symptom", "症状": "symptom", "故障现象": "symptom", "diagnosis": "diagnosis",
                "诊断": "diagnosis", "故障代码": "diagnosis", "reason": "reason", "拒赔原因": "reason"}
# The 三包 systems whose main parts count (article 24 (2) and (3)).
MAJOR_PARTS = ("engine", "transmission", "battery", "motor", "steering", "brake", "suspension", "driveline",
               "emission", "body")
MAJOR_PART_LABELS = {
    "engine": _l("Engine"), "transmission": _l("Transmission"), "battery": _l("Traction battery"),
    "motor": _l("Drive motor"), "steering": _l("Steering system"), "brake": _l("Brake system"),
    "suspension": _l("Suspension"), "driveline": _l("Driveline"), "emission": _l("Emission control"),
    "body": _l("Body"),
}


def codes(kind: str) -> list[ManufacturerCode]:
    return list(ManufacturerCode.select().where((ManufacturerCode.kind == kind)
                                                & (ManufacturerCode.deleted == False))  # noqa: E712
                .order_by(ManufacturerCode.code))


def check_code(kind: str, code, *, required: bool = False) -> str:
    """``code`` cleaned, and known in the manufacturer's ``kind`` list when the store imported one."""
    code = str(code or "").strip().upper()
    if not code:
        if required:
            raise ServiceError(_l("Enter the manufacturer's code."), field=f"{kind}_code")
        return ""
    known = codes(kind)
    if known and code not in {c.code for c in known}:
        raise ServiceError(_l("%(code)s is not in the manufacturer's list.", code=code), field=f"{kind}_code")
    return code


def money(value, field: str) -> Decimal:
    """An amount in yuan, at most two decimals, not negative."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(_l("Enter an amount in yuan, e.g. 120.50."), field=field)
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")) or number > 10**9:
        raise ServiceError(_l("Enter an amount in yuan, e.g. 120.50."), field=field)
    return number.quantize(Decimal("0.01"))


def clean_claim_values(values: dict) -> dict:
    """The claim's editable fields checked: codes against the lists, a date, a mileage."""
    out: dict = {}
    for key in ("symptom", "diagnosis"):
        if f"{key}_code" in values:
            out[f"{key}_code"] = check_code(key, values[f"{key}_code"])
        if f"{key}_text" in values:
            out[f"{key}_text"] = str(values[f"{key}_text"] or "").strip()[:2000]
    for key in ("causal_part_no", "campaign"):
        if key in values:
            out[key] = str(values[key] or "").strip().upper()[:60]
    if values.get("failure_date") not in (None, ""):
        try:
            out["failure_date"] = dt.date.fromisoformat(str(values["failure_date"]).strip())
        except ValueError:
            raise ServiceError(_l("Enter the date as YYYY-MM-DD."), field="failure_date")
    if values.get("mileage") not in (None, ""):
        try:
            out["mileage"] = int(str(values["mileage"]).strip())
        except ValueError:
            out["mileage"] = -1
        if not 0 <= out["mileage"] <= 2_000_000:
            raise ServiceError(_l("Enter the mileage in whole kilometres."), field="mileage")
    if "safety" in values:
        out["safety"] = str(values["safety"]).lower() in ("1", "true", "on", "yes")
    if "major_part" in values:
        part = str(values["major_part"] or "").strip()
        if part and part not in MAJOR_PARTS:
            raise ServiceError(_l("There is no such major part."), field="major_part")
        out["major_part"] = part
    return out


def import_codes(filename: str, content: bytes) -> int:
    """Import a manufacturer's code list (CSV/XLSX: kind, code, text); answers how many codes."""
    rows = read_rows(filename, content)
    if not rows:
        raise ServiceError(_l("The file is empty."), field="file")
    header = [str(c).strip().lower() for c in rows[0][1]]
    try:
        kind_at, code_at, text_at = header.index("kind"), header.index("code"), header.index("text")
    except ValueError:
        raise ServiceError(_l("Line 1 must name the columns kind, code and text."), field="file")
    clean = []
    for line, cells in rows[1:]:
        cells = [str(c).strip() for c in cells] + [""] * 3
        kind = KIND_ALIASES.get(cells[kind_at].lower())
        if not any(cells):
            continue
        if kind is None or not cells[code_at]:
            raise ServiceError(_l("Line %(line)s: the kind must be symptom, diagnosis or reason, and the code "
                                  "must be given.", line=line), field="file")
        clean.append((kind, cells[code_at].upper()[:40], cells[text_at][:200]))
    with transaction():
        for kind, code, text in clean:
            row = ManufacturerCode.get_or_none((ManufacturerCode.kind == kind) & (ManufacturerCode.code == code))
            if row is None:
                changelog.save(ManufacturerCode(kind=kind, code=code, text=text))
            elif row.text != text or row.deleted:
                changelog.save_changes(row, {"text": text, "deleted": False})
    return len(clean)


def text_of(kind: str, code: str) -> str:
    row = ManufacturerCode.get_or_none((ManufacturerCode.kind == kind) & (ManufacturerCode.code == code))
    return row.text if row is not None else ""
