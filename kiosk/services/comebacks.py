"""A comeback (返修): a work order that repeats an earlier order of the same vehicle.

``mark(order, number)`` records the earlier order's NUMBER on ``order.comeback_of``
(the API's work-order call, CONTRACT "The chain after the workshop"); first-time fix
and the care desk read it. Refused when the number names no earlier order of the
same vehicle.
"""
from __future__ import annotations

from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import WorkOrder
from sync import changelog


def mark(order: WorkOrder, number: str) -> WorkOrder:
    """``order`` repeats the earlier order ``number`` of the same vehicle."""
    number = (number or "").strip()
    earlier = WorkOrder.get_or_none((WorkOrder.number == number) & (WorkOrder.deleted == False))  # noqa: E712
    if earlier is None or earlier.id == order.id or earlier.vehicle_id != order.vehicle_id \
            or earlier.opened_at > order.opened_at:
        raise ServiceError(_l("%(number)s is not an earlier work order of this vehicle.", number=number),
                           field="comeback_of")
    with transaction():
        order.comeback_of = number
        changelog.save(order, fields=["comeback_of"])
    return order
