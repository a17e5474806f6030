"""Cars handed back in the demo store's past (and in the tests), through the real chain.

A delivery is only ever written by ``kiosk.services.delivery.deliver``, after the order
was settled and paid (issue #12). The demo's history (the care desk's calls, the claims
desk's warranty visits) and the tests that need a delivered order go through this one
function: the order is brought to ready (its QC and washing are not the point here),
settled at ``at``, the customer's share paid, and the car handed back at ``at``.
"""
from __future__ import annotations

import datetime as dt

from kiosk.core import status as states
from kiosk.models import Delivery, Staff, WorkOrder
from kiosk.services import delivery, order_status, payments, settlement


def hand_back(order: WorkOrder, at: dt.datetime, *, cashier: Staff | None = None, advisor: Staff | None = None,
              mileage: int | None = None, next_service_date: dt.date | None = None,
              next_service_mileage: int | None = None, method: str = "wechat") -> Delivery:
    """Settle ``order`` at ``at`` (UTC), pay the customer's share, and hand the car back at ``at``."""
    order = WorkOrder.get_by_id(order.id)
    if states.rank(order.status) < states.rank("ready"):
        order_status.move(order, "ready", staff=advisor)
    settled = settlement.settle(order, cashier, repair_type=order.repair_type or None, now=at)
    if settled.customer_due > 0:
        payments.pay(order, cashier, settled.customer_due, method, now=at)
    return delivery.deliver(WorkOrder.get_by_id(order.id), advisor, mileage=mileage,
                            next_service_date=next_service_date, next_service_mileage=next_service_mileage, now=at)
