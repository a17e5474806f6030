"""Small helpers the workshop tests share: an order with jobs, clock and QC facts written
the way a bay kiosk (or a merged offline kiosk with a wrong clock) leaves them."""
from __future__ import annotations

import datetime as dt
import itertools

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Attendance, ClockEvent
from kiosk.services import customers, workorders
from sync import changelog

_plates = itertools.count(1)


def make_order(jobs=((" 更换机油机滤", 1.0),), *, advisor=None, model="丰田 凯美瑞", promised_at=None,
               status="in_repair"):
    """A work order moved to ``status`` with the given (description, sold hours) jobs."""
    n = next(_plates)
    customer = customers.find_or_create_customer(f"客户{n}", f"1381234{n:04d}")
    vehicle = customers.create_vehicle(customer, f"沪A·W{n:04d}", model=model)
    order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="异响",
                                       jobs=[{"description": d.strip(), "sold_hours": h} for d, h in jobs],
                                       walkaround={"promised_at": promised_at} if promised_at else None)
    if status != "checked_in":
        workorders.move(order, status)
    return order


def clock(tech, job, action, at, *, reason="", loss="", flagged=False, terminal="test"):
    """One clock fact, written as the bay kiosk writes it."""
    with transaction():
        event = ClockEvent(technician=tech, job=job, work_order=job.work_order_id, action=action,
                           reason=reason, loss_reason=loss, at=at, terminal=terminal, flagged=flagged)
        changelog.save(event)
    return event


def attend(tech, action, at):
    with transaction():
        changelog.save(Attendance(technician=tech, action=action, at=at))


def at(hour, minute=0, day=dt.date(2026, 11, 27)):
    """The store's wall time ``hour:minute`` on ``day``, as stored (UTC, see kiosk.core.times)."""
    return times.at_local(day, dt.time(hour, minute))
