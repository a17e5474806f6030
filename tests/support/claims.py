"""Warranty orders for the claims tests: a sold car, an order with a warranty job of the
labour catalogue, parts issued and clocks written the way the counter and the bay do."""
from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal

from PIL import Image

from kiosk.core import times
from kiosk.db import transaction
from kiosk.demo import with_check_digit
from kiosk.models import ClockEvent, LabourOperation, Part, StockMove, Vehicle, WorkOrder
from kiosk.services import customers, labour, workorders
from sync import changelog

_n = itertools.count(1)


def operation(code="BR0101", name="更换制动卡钳", hours="1.50", rate="200"):
    found = labour.find_operation(code)
    if found is not None:
        return found
    with transaction():
        row = LabourOperation(code=code, name=name, hours=Decimal(hours), rate_customer=Decimal(rate),
                              rate_warranty=Decimal(rate), rate_insurance=Decimal(rate), rate_internal=Decimal(rate))
        changelog.save(row)
    return row


def part(part_no="5QD615123", name="前制动卡钳", price="880"):
    found = Part.get_or_none(Part.part_no == part_no)
    if found is not None:
        return found
    with transaction():
        row = Part(part_no=part_no, name=name, price=Decimal(price), cost=Decimal(price) / 2, bin="B-02-01")
        changelog.save(row)
    return row


def sold_car(vin=None, sold_on=None, mileage=1200):
    n = next(_n)
    customer = customers.find_or_create_customer(f"三包客户{n}", f"1371234{n:04d}")
    vehicle = customers.create_vehicle(customer, f"沪B·C{n:04d}", vin=vin or with_check_digit(f"LSVAA4180N2{n:06d}"),
                                       model="大众 朗逸", mileage=0)
    with transaction():
        vehicle.sold_on = sold_on or (times.today() - dt.timedelta(days=100))
        changelog.save(vehicle, fields=["sold_on"])
    return Vehicle.get_by_id(vehicle.id)


def warranty_order(vehicle=None, *, mileage=5000, opened_at=None, code="BR0101", part_no="5QD615123", issue=True,
                   technician=None, complaint="刹车异响"):
    """An order of ``vehicle`` with one warranty job (catalogue ``code``) and its part issued."""
    vehicle = vehicle or sold_car()
    operation(code)
    order = workorders.open_work_order(vehicle.customer, vehicle, complaint=complaint,
                                       walkaround={"mileage": mileage})
    job = workorders.add_job(order, "", pay_type="warranty", operation=code, technician=technician)
    if opened_at is not None:
        with transaction():
            order.opened_at = opened_at
            changelog.save(order, fields=["opened_at"])
    if issue:
        issue_part(order, job, part(part_no))
    return WorkOrder.get_by_id(order.id), job


def issue_part(order, job, part_row, qty=1):
    with transaction():
        changelog.save(StockMove(part=part_row, bin=part_row.bin, qty=-Decimal(qty), kind="issue",
                                 at=times.utcnow(), work_order=order, job=job, unit_price=part_row.price))


def clock_hours(tech, job, hours, start=None):
    start = start or times.utcnow() - dt.timedelta(hours=hours + 1)
    with transaction():
        for action, at in (("on", start), ("off", start + dt.timedelta(hours=hours))):
            changelog.save(ClockEvent(technician=tech, job=job, work_order=job.work_order_id, action=action,
                                      reason="finish" if action == "off" else "", at=at, terminal="test"))


def photo() -> bytes:
    """A small JPEG, as a bay's camera sends one."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()
