"""Delivered orders and customers for the care desk's tests (through the one delivery helper)."""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Customer, Vehicle, WorkOrder
from kiosk.services import customers, workorders
from sync import changelog
from tests.support.aftersales import deliver_for_test


def delivered(days_ago: float = 3, *, plate: str = "沪A12345", name: str = "张先生", phone: str = "13800000001",
              mileage: int = 30000, advisor=None, next_service_date=None, next_service_mileage=None,
              job: str = "更换前刹车片", declined: str = "") -> WorkOrder:
    """An order of a new or known customer's car, handed back ``days_ago`` days ago."""
    customer = customers.find_or_create_customer(name, phone)
    vehicle = Vehicle.get_or_none(Vehicle.plate == plate) or customers.create_vehicle(
        customer, plate, model="大众 帕萨特", mileage=mileage)
    order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="保养")
    workorders.add_job(order, job, "1.0", 300)
    if declined:  # a job the customer said no to (kept on the order as declined work)
        changelog.save_changes(workorders.add_job(order, declined, "0.5", 100), {"authorization": "declined"})
    at = times.utcnow() - dt.timedelta(days=days_ago)
    with transaction():  # checked in that morning at that mileage
        changelog.save_changes(WorkOrder.get_by_id(order.id), {"opened_at": at - dt.timedelta(hours=4),
                                                              "mileage": mileage})
    order = WorkOrder.get_by_id(order.id)
    deliver_for_test(order, at=at, mileage=mileage, staff=advisor, next_service_date=next_service_date,
                     next_service_mileage=next_service_mileage)
    return WorkOrder.get_by_id(order.id)


def customer_of(order: WorkOrder) -> Customer:
    return Customer.get_by_id(order.customer_id)
