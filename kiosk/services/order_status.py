"""Moving a work order through the status chain, and the moves a person at reception
may make. Below ``kiosk.services.workorders`` (which re-exports these) and the
station services that own each move (kiosk.services.estimate, clock, qc …).
"""
from __future__ import annotations


from kiosk.core import status as states, times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import StatusChange, WorkOrder
from sync import changelog

# The moves a person makes by hand at the reception desk, and the only ones the
# API's status call makes for an integration. Every other move belongs to the
# service of the station that makes it, with the badge of the person there:
# authorized by the customer's signature (kiosk.services.authorization), in
# repair and waiting by clocking (kiosk.services.clock, extrawork, purchasing),
# QC and washing by the inspector (kiosk.services.qc); settled by the cashier
# and delivered at delivery, when those stations come. The state machine alone
# would let any forward jump through (checked in straight to settled).
RECEPTION_MOVES = ("diagnosis", "estimate", "cancelled")


def reception_moves(order: WorkOrder) -> list[str]:
    """The desk's moves open to ``order`` now (the buttons the work-order page shows)."""
    return [target for target in RECEPTION_MOVES if states.can_move(order.status, target)]


def move_at_reception(order: WorkOrder, target: str, staff=None, note: str = "") -> WorkOrder:
    """A move made by hand at the desk or by the API's status call: only ``RECEPTION_MOVES``,
    and never ``authorized``, which only the customer's signature gives."""
    if target == "authorized":
        raise ServiceError(_l("Only the customer's signature authorizes a work order: sign the estimate "
                              "(POST /api/v1/work-orders/NUMBER/authorizations)."), status=409, field="status",
                           detail={"allowed": reception_moves(order)})
    if target not in RECEPTION_MOVES:
        raise ServiceError(_l("Reception cannot make this change."), field="status", status=409,
                           detail={"allowed": reception_moves(order)})
    return move(order, target, staff=staff, note=note)


def move(order: WorkOrder, target: str, staff=None, note: str = "") -> WorkOrder:
    """Move the order to ``target`` if the state machine allows it, recording who and when.

    Called only by the service that owns the move (see ``RECEPTION_MOVES``), never by a view:
    people and integrations go through ``move_at_reception``.
    """
    if not states.can_move(order.status, target):
        raise ServiceError(_l("A work order cannot go from “%(a)s” to “%(b)s”.",
                              a=states.label(order.status), b=states.label(target)), status=409)
    with transaction():
        changelog.save(StatusChange(work_order=order, from_status=order.status, to_status=target,
                                    staff=staff, at=times.utcnow(), note=note))
        order.status = target
        changelog.save(order, fields=["status"])
    return order
