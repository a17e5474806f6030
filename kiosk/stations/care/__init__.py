"""The customer-care desk (客服专员): follow-up calls, complaints, reminders, consent, messages.

One blueprint (``care``, /care). Its tabs are one partial, templates/care/_nav.html:
another part of the desk (the claims clerk's) adds its module to this package (every
module is imported below) and one line to that partial. Complaints can also be
registered from any station (kiosk.stations.care.intake, its own blueprint).
"""
from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint

from kiosk.access import current_staff, may
from kiosk.services import complaints

bp = Blueprint("care", __name__, url_prefix="/care")


@bp.context_processor
def _care_helpers() -> dict:
    # The tabs show a red count of overdue complaints wherever the desk is open.
    return {"care_may": may, "care_me": current_staff, "overdue_count": lambda: len(complaints.listing("overdue"))}


def _import_modules() -> None:
    for name in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        if name != "intake":  # its own blueprint, registered on every node
            importlib.import_module(f"{__name__}.{name}")


_import_modules()
