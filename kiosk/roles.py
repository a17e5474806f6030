"""Roles and what each may do. A person may hold several roles.

Stations check permissions, never role names, so a store can reshape roles
in one place.
"""
from __future__ import annotations

from kiosk.i18n import lazy_gettext as _l

ROLES = {
    "advisor": _l("Service advisor"),
    "technician": _l("Technician"),
    "foreman": _l("Workshop manager"),
    "qc": _l("QC inspector"),
    "parts_clerk": _l("Parts clerk"),
    "parts_manager": _l("Parts manager"),
    "cashier": _l("Cashier"),
    "care": _l("Customer care"),
    "claims": _l("Claims clerk"),
    "manager": _l("Service manager"),
    "admin": _l("Administrator"),
}

PERMISSIONS = {
    "reception": {"advisor", "manager", "admin"},
    "bay": {"technician", "foreman", "qc", "manager", "admin"},
    "dispatch": {"foreman", "manager", "admin"},
    "qc": {"qc", "foreman", "manager", "admin"},
    "parts": {"parts_clerk", "parts_manager", "manager", "admin"},
    "parts_manage": {"parts_manager", "manager", "admin"},
    "cashier": {"cashier", "manager", "admin"},
    # Handing the car back (交车): the advisor at reception or the cashier (issue #12).
    "delivery": {"advisor", "cashier", "manager", "admin"},
    "care": {"care", "claims", "manager", "admin"},
    # Warranty claims, old parts, insurance repairs and the 三包 watch (the claims desk).
    "claims": {"claims", "manager", "admin"},
    "reports": {"manager", "admin"},
    # The labour catalogue's import and the service packages (the estimate's prices).
    "catalogue": {"manager", "admin"},
    "staff_admin": {"admin"},
    # Full phone and ID numbers on a shared screen (audited).
    "unmask": {"advisor", "care", "manager", "admin"},
    # Whoever hears a complaint registers it (the care desk follows it up).
    "complaint_intake": set(ROLES),
}


def allowed(role_names, permission: str) -> bool:
    return bool(set(role_names) & PERMISSIONS[permission])


def label(role: str):
    return ROLES.get(role, role)
