"""Delivered orders for the after-sales tests (the care desk, claims, figures).

Until the cashier's delivery service (#12) is on main, this is the ONE place tests
hand a car back: it writes the ``Delivery`` fact and moves the order to delivered the
way ``kiosk.services.delivery.deliver`` will, so the lead switches only this helper
to the real service when #12 lands.
"""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Delivery, StatusChange, WorkOrder
from sync import changelog


def deliver_for_test(order: WorkOrder, *, at: dt.datetime | None = None, mileage: int | None = None, staff=None,
                     next_service_date: dt.date | None = None, next_service_mileage: int | None = None) -> Delivery:
    """Hand ``order``'s car back at ``at`` (UTC, default now), as the delivery service will."""
    at = at or times.utcnow()
    on_time = None if order.promised_at is None else at <= order.promised_at
    with transaction():
        delivery = Delivery(work_order=order, vehicle=order.vehicle, staff=staff, at=at,
                            mileage=order.mileage if mileage is None else mileage, promised_at=order.promised_at,
                            on_time=on_time, next_service_date=next_service_date,
                            next_service_mileage=next_service_mileage)
        changelog.save(delivery)
        changelog.save(StatusChange(work_order=order, from_status=order.status, to_status="delivered",
                                    staff=staff, at=at, note=""))
        order.status = "delivered"
        changelog.save(order, fields=["status"])
    return delivery
