"""Store rules for clocking that the foreman sets (StoreSetting records).

``take_unassigned``: a technician may start a job nobody was dispatched to
(it is then assigned to them). ``take_others``: a technician may clock a job
dispatched to someone else. ``shift_end``: when clocks still running are
closed and flagged ("HH:MM"). Each setting's row id is derived from its key, so
the same setting changed on two kiosks is one record merged field by field.
"""
from __future__ import annotations

import re
import uuid

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import status as states
from kiosk.db import transaction
from kiosk.models import StoreSetting, WorkOrder
from kiosk.core.errors import ServiceError
from sync import changelog

# Order statuses in which the workshop works on the car. Diagnosis is clocked
# too: finding the fault is labour.
CLOCKABLE = ("diagnosis", "authorized", "in_repair", "waiting_parts", "waiting_authorization", "rework")

DEFAULTS = {"take_unassigned": True, "take_others": False}
LABELS = {
    "take_unassigned": _l("Technicians may take jobs nobody was dispatched to"),
    "take_others": _l("Technicians may clock jobs dispatched to someone else"),
}
_NAMESPACE = uuid.UUID("6f1d3c52-9a57-4c1e-8f0e-5b2a7c9d1e40")


def setting_id(key: str) -> uuid.UUID:
    """The one id every node gives the setting ``key``."""
    return uuid.uuid5(_NAMESPACE, f"store-setting:{key}")


def get(key: str) -> bool:
    """The rule's value on this node (its default until someone sets it)."""
    row = StoreSetting.get_or_none((StoreSetting.id == setting_id(key)) & (StoreSetting.deleted == False))  # noqa: E712
    return DEFAULTS[key] if row is None else row.value == "1"


def all_rules() -> dict[str, bool]:
    return {key: get(key) for key in DEFAULTS}


SHIFT_END = "shift_end"
_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def shift_end() -> str | None:
    """The shift end the foreman set for the store ("HH:MM"), or None when never set."""
    row = StoreSetting.get_or_none((StoreSetting.id == setting_id(SHIFT_END)) & (StoreSetting.deleted == False))  # noqa: E712
    return row.value if row is not None and _HH_MM.match(row.value or "") else None


def set_shift_end(text: str) -> None:
    """Set the store's shift end, "HH:MM" in the 24-hour clock."""
    text = (text or "").strip()
    match = _HH_MM.match(text)
    if not match:
        raise ServiceError(_l("Enter the shift end as hours and minutes, e.g. 18:00."), field=SHIFT_END)
    write_setting(SHIFT_END, f"{int(match[1]):02d}:{match[2]}")


def set_rule(key: str, value: bool) -> None:
    """Change one rule for the whole store (replicated like any record)."""
    if key not in DEFAULTS:
        raise ServiceError(_l("There is no such setting."), field="key")
    write_setting(key, "1" if value else "0")


def write_setting(key: str, text: str) -> None:
    """Store one replicated store setting (one id per key on every node); an unchanged value
    writes nothing. The one writer of every station's store settings."""
    with transaction():
        row = StoreSetting.get_or_none(StoreSetting.id == setting_id(key))
        if row is None:
            changelog.save(StoreSetting(id=setting_id(key), key=key, value=text))
        elif row.value != text or row.deleted:
            row.value, row.deleted = text, False
            changelog.save(row, fields=["value", "deleted"])


def check_order(order: WorkOrder) -> None:
    """Refuse an order the workshop may not clock: not yet authorized, past QC, settled or cancelled."""
    if order.status == "cancelled" or states.is_locked(order.status):
        raise ServiceError(_l("Work order %(number)s is settled or cancelled: it cannot be clocked.",
                              number=order.number), status=409)
    if order.status in CLOCKABLE:
        return
    if states.rank(order.status) < states.rank("authorized"):
        raise ServiceError(_l("Work order %(number)s is not authorized yet: the customer has not signed.",
                              number=order.number), status=409)
    raise ServiceError(_l("Work order %(number)s has left the workshop (%(status)s).",
                          number=order.number, status=states.label(order.status)), status=409)
