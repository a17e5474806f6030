"""Delivered orders for the after-sales tests (the care desk, claims, figures).

The ONE place tests hand a car back: through the real chain (settled, paid, then
``kiosk.services.delivery.deliver``), by the demo's own ``kiosk.demo.handover``.
"""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.demo.handover import hand_back
from kiosk.models import Delivery, WorkOrder


def deliver_for_test(order: WorkOrder, *, at: dt.datetime | None = None, mileage: int | None = None, staff=None,
                     next_service_date: dt.date | None = None, next_service_mileage: int | None = None) -> Delivery:
    """Hand ``order``'s car back at ``at`` (UTC, default now), settled and paid first."""
    return hand_back(order, at or times.utcnow(), advisor=staff, mileage=mileage,
                     next_service_date=next_service_date, next_service_mileage=next_service_mileage)
