"""Parts, stock moves, orders in repair and the bays' parts requests, written through the change log."""
from __future__ import annotations

from decimal import Decimal

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Customer, Part, PartsRequest, StockMove, Vehicle
from kiosk.services import authorization, workorders
from sync import changelog


def make_part(part_no="5QD698151", name="前刹车片", cost="300", price="560", bin_="C-01-01", reorder="0"):
    with transaction():
        part = Part(part_no=part_no, name=name, cost=Decimal(cost), price=Decimal(price), bin=bin_,
                    reorder_point=Decimal(reorder))
        changelog.save(part)
    return part


def put_stock(part, qty, bin_=None, kind="receipt", at=None):
    with transaction():
        move = StockMove(part=part, bin=part.bin if bin_ is None else bin_, qty=Decimal(qty), kind=kind,
                         at=at or times.utcnow())
        changelog.save(move)
    return move


def order_in_repair(n=1):
    with transaction():
        customer = Customer(name=f"客户{n}", phone=f"1390000{n:04d}")
        changelog.save(customer)
        vehicle = Vehicle(customer=customer, plate=f"沪A{n:05d}", vin="", model="大众 帕萨特")
        changelog.save(vehicle)
    order = workorders.open_work_order(customer, vehicle, complaint="刹车异响",
                                       jobs=[{"description": "更换前刹车片", "sold_hours": 1, "price": 300}])
    authorization.authorize(order, "f" * 64)
    return workorders.move(order, "in_repair")


def request_for(order, part_no="5QD698151", qty=2):
    job = workorders.live_jobs(order)[0]
    with transaction():
        request = PartsRequest(work_order=order, job=job, part_no=part_no, qty=Decimal(qty),
                               requested_at=times.utcnow())
        changelog.save(request)
    return request
