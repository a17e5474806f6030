"""The labour-operation catalogue (工时目录): find an operation, price it, keep it.

An operation has a code, a Chinese and an English name, standard hours and a
labour rate for each pay type; a job added from it is priced hours × rate.
Advisors find operations by code, by a piece of the Chinese name, or by the
pinyin initials of the name ("byjy" for 保养机油) or its full pinyin; the pinyin
comes from pypinyin (its dictionary knows the readings people type), computed
once per name and kept in memory, never stored.
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal

from kiosk.i18n import lazy_gettext as _l
from pypinyin import Style, lazy_pinyin

from kiosk.db import transaction
from kiosk.models import LabourOperation
from kiosk.services.errors import NotFound, ServiceError
from sync import changelog

RATE_FIELDS = {"customer": "rate_customer", "warranty": "rate_warranty", "insurance": "rate_insurance",
               "internal": "rate_internal"}
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-_.]{0,39}$")
MAX_HOURS = Decimal(1000)
MAX_RATE = Decimal(100_000)
Q = Decimal("0.01")


def normal_code(code: str) -> str:
    return (code or "").strip().upper()


def _live():
    return LabourOperation.select().where(LabourOperation.deleted == False)  # noqa: E712


def find_operation(code: str) -> LabourOperation | None:
    """The live operation with this code (any case), or None."""
    code = normal_code(code)
    return _live().where(LabourOperation.code == code).first() if code else None


def get_operation(code: str) -> LabourOperation:
    found = find_operation(code)
    if found is None:
        raise NotFound(_l("No labour operation %(code)s in the catalogue.", code=normal_code(code)),
                       field="operation")
    return found


def rate(operation: LabourOperation, pay_type: str) -> Decimal:
    """The labour rate (¥ an hour) of ``operation`` for ``pay_type``."""
    return getattr(operation, RATE_FIELDS.get(pay_type, "rate_customer"))


def price(operation: LabourOperation, pay_type: str, hours=None) -> Decimal:
    """What a job of ``operation`` costs ``pay_type``: hours (standard unless given) × rate."""
    used = operation.hours if hours in (None, "") else Decimal(str(hours))
    return (used * rate(operation, pay_type)).quantize(Q)


@functools.lru_cache(maxsize=20_000)
def pinyin_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of ``name`` in lower case, letters and digits only:
    保养机油 → ("byjy", "baoyangjiyou"); other characters count as typed (ECU → "ecu")."""
    def clean(parts):
        return "".join(re.sub(r"[^0-9a-z]", "", p.lower()) for p in parts)

    return clean(lazy_pinyin(name, style=Style.FIRST_LETTER)), clean(lazy_pinyin(name))


def search(text: str, limit: int = 20) -> list[LabourOperation]:
    """Operations matching ``text``: code, Chinese or English name, pinyin initials or full
    pinyin. The exact code first, then what starts with the text, then what contains it."""
    text = (text or "").strip()
    rows = list(_live().order_by(LabourOperation.code))
    if not text:
        return rows[:limit]
    upper, lower = text.upper(), text.lower()
    typed = re.sub(r"[^0-9a-z]", "", lower)
    scored = []
    for op in rows:
        initials, full = pinyin_keys(op.name)
        keys = [op.code, re.sub(r"[^0-9A-Z]", "", op.code), op.name, op.name_en.upper()]
        if op.code == upper:
            rank = 0
        elif any(k.startswith(upper) or k.startswith(text) for k in keys) or (
                typed and (initials.startswith(typed) or full.startswith(typed))):
            rank = 1
        elif any(upper in k or text in k for k in keys) or (typed and (typed in initials or typed in full)):
            rank = 2
        else:
            continue
        scored.append((rank, op.code, op))
    return [op for _r, _c, op in sorted(scored, key=lambda t: t[:2])][:limit]


def clean_values(values: dict) -> dict:
    """A row of the catalogue checked: code, names, hours, the four rates (a clear error names the field)."""
    code = normal_code(values.get("code"))
    if not CODE_RE.match(code):
        raise ServiceError(_l("A labour code has 1 to 40 letters, digits, dashes, dots or underscores."),
                           field="code")
    name = str(values.get("name") or "").strip()
    if not name:
        raise ServiceError(_l("Enter the operation's Chinese name."), field="name")
    out = {"code": code, "name": name[:120], "name_en": str(values.get("name_en") or "").strip()[:120]}
    out["hours"] = _number(values.get("hours"), "hours", MAX_HOURS, required=True)
    if out["hours"] <= 0:
        raise ServiceError(_l("The standard hours must be more than zero."), field="hours")
    for pay_type, name_ in RATE_FIELDS.items():
        out[name_] = _number(values.get(name_), name_, MAX_RATE)
    if out["rate_customer"] <= 0:
        raise ServiceError(_l("Enter the customer labour rate."), field="rate_customer")
    return out


def _number(value, field: str, maximum: Decimal, *, required: bool = False) -> Decimal:
    text = str(value if value is not None else "").strip().replace(",", "")
    if not text:
        if required:
            raise ServiceError(_l("Enter a number."), field=field)
        return Decimal(0)
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise ServiceError(_l("Enter a number."), field=field)
    if not number.is_finite() or number < 0 or number >= maximum or number != number.quantize(Q):
        raise ServiceError(_l("Enter a number that is not negative, with at most two decimals."), field=field)
    return number


def save_operation(values: dict) -> LabourOperation:
    """Add an operation, or change the one with the same code (only the fields that differ travel)."""
    clean = clean_values(values)
    with transaction():
        existing = find_operation(clean["code"])
        if existing is not None:
            changelog.save_changes(existing, clean)
            return existing
        operation = LabourOperation(**clean)
        changelog.save(operation)
    return operation


def as_dict(operation: LabourOperation) -> dict:
    """An operation for the API and the pages' live search."""
    return {"code": operation.code, "name": operation.name, "name_en": operation.name_en,
            "hours": operation.hours, "rates": {p: rate(operation, p) for p in RATE_FIELDS}}
