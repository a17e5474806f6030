"""The care desk's demo: delivered cars with calls due, complaints (one overdue), reminders
of every kind, consent records and a queued text.

The cars are settled, paid and handed back through the real chain (``deliver_for_demo``:
``kiosk.demo.handover.hand_back``, the cashier's settlement and the delivery service).
"""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.demo.handover import hand_back
from kiosk.models import Delivery, WorkOrder
from kiosk.services import complaints, consent, customers, followups, messages, workorders
from kiosk.services.numbers import next_number
from sync import changelog

# name, phone, plate, model, odometer, days since delivery, jobs, next service (days, km), declined job
DELIVERED = (
    ("陈先生", "13921000011", "沪A6K281", "大众 帕萨特", 31500, 5, ("更换前刹车片", "四轮定位"), (170, 40000), ""),
    ("黄女士", "13921000012", "沪B3Q772", "大众 朗逸", 18620, 4, ("10000公里保养",), (180, 28600), "更换空调滤芯"),
    ("周先生", "13921000013", "沪C8M105", "大众 途观L", 52300, 3, ("更换蓄电池",), (20, 53300), ""),
    ("吴女士", "13921000014", "沪D2P639", "大众 帕萨特", 9200, 3, ("首次保养",), (150, 15000), ""),
    ("徐先生", "13921000015", "沪E5T418", "大众 朗逸", 66400, 1, ("更换雨刮片", "空调清洗"), (175, 76400), ""),
    ("孙女士", "13921000016", "沪F7W350", "大众 途岳", 40100, 45, ("更换轮胎",), (50, 50100), "更换后刹车片"),
)


def deliver_for_demo(order: WorkOrder, at: dt.datetime, mileage: int, staff=None, next_service_date=None,
                     next_service_mileage=None) -> Delivery:
    """Hand ``order``'s car back at ``at`` (UTC), settled and paid first."""
    return hand_back(order, at, advisor=staff, mileage=mileage, next_service_date=next_service_date,
                     next_service_mileage=next_service_mileage)


def _visit(customer, vehicle, advisor, at: dt.datetime, mileage: int, jobs, declined: str = "") -> WorkOrder:
    order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="、".join(jobs),
                                       walkaround={"mileage": mileage, "fuel_eighths": 4}, staff=advisor)
    for description in jobs:
        job = workorders.add_job(order, description, "1.0", 280)
        changelog.save_changes(job, {"status": "done"})
    if declined:
        changelog.save_changes(workorders.add_job(order, declined, "0.5", 150), {"authorization": "declined"})
    order = WorkOrder.get_by_id(order.id)
    changelog.save_changes(order, {"opened_at": at - dt.timedelta(hours=5),
                                   "number": next_number("WO", times.local_date(at))})
    return order


def seed_care(staff: dict, now: dt.datetime, vin) -> None:
    """The care desk's demo store (inside the demo's one transaction); ``vin()`` makes a valid VIN."""
    agent, manager, advisor = staff["CRE-001"], staff["MGR-001"], staff["ADV-001"]
    today = times.local_date(now)
    orders = []
    for name, phone, plate, model, km, days, jobs, (next_days, next_km), declined in DELIVERED:
        customer = customers.find_or_create_customer(name, phone)
        vehicle = customers.create_vehicle(customer, plate, vin(), model=model, mileage=km)
        at = now - dt.timedelta(days=days)
        if plate == "沪C8M105":  # an earlier visit: its own pace (about 150 km a day) brings the service forward
            earlier = _visit(customer, vehicle, advisor, at - dt.timedelta(days=60), km - 9000, ("更换机油机滤",))
            deliver_for_demo(earlier, at - dt.timedelta(days=60), km - 9000, advisor)
            followups.record(earlier, agent, "reached", score=10, at=at - dt.timedelta(days=56))
        order = _visit(customer, vehicle, advisor, at, km, jobs, declined)
        deliver_for_demo(order, at, km, advisor, today + dt.timedelta(days=next_days - days), next_km)
        orders.append(WorkOrder.get_by_id(order.id))
    # Yesterday nobody answered at 沪B3Q772: it is back today. 沪A6K281 scored low: a complaint.
    followups.record(orders[1], agent, "no_answer", at=now - dt.timedelta(days=1))
    followups.record(orders[0], agent, "reached", score=5, answers={"repair": 4, "price": 6},
                     comment="刹车还有点响，等车时间太长")
    followups.record(orders[5], agent, "reached", score=9, answers={"reception": 10, "repair": 9},
                     at=now - dt.timedelta(days=42))
    complaints.open_complaint(None, channel="consumer_12315", category="price",
                                        text="12315转来：客户认为工时费偏高，要求解释", vehicle=orders[4].vehicle,
                                        now=now - dt.timedelta(days=2))
    working = complaints.open_complaint(agent, channel="phone", category="time", text="交车比承诺晚了两个小时",
                                        work_order=orders[3], now=now - dt.timedelta(hours=6))
    complaints.act(working, agent, "called", text="已致电客户致歉，说明配件到货延迟")
    complaints.act(working, agent, "assign", to=manager)
    _reminder_cars(today, vin)
    customer_of = {o.customer_id: o.customer for o in orders}
    for order in orders[:3]:
        consent.record(customer_of[order.customer_id], consent.MARKETING, True, how="paper", staff=agent)
    consent.withdraw(orders[5].customer, consent.MARKETING, staff=agent)
    consent.withdraw(orders[4].customer, consent.SERVICE_CALLS, staff=agent)  # said "do not call"
    messages.queue("follow_up", orders[2].customer, orders[2].vehicle, staff=agent,
                   values={"date": times.local_date(now - dt.timedelta(days=3)).isoformat()})


def _reminder_cars(today: dt.date, vin) -> None:
    """Cars sold here: one due its first service, one whose 三包 ends soon, one whose insurance ends."""
    cars = (("郑先生", "13921000021", "沪G1H826", "大众 朗逸", 3100,
             {"sold_on": today - dt.timedelta(days=85), "sold_here": True}),
            ("王女士", "13921000022", "沪H4J517", "大众 帕萨特", 28400,
             {"sold_on": today - dt.timedelta(days=2 * 365 - 12), "sold_here": True}),
            ("冯先生", "13921000023", "沪J9K240", "大众 途观L", 35200,
             {"insurance_until": today + dt.timedelta(days=18), "insurer": "中国平安"}))
    for name, phone, plate, model, km, values in cars:
        customer = customers.find_or_create_customer(name, phone)
        vehicle = customers.create_vehicle(customer, plate, vin(), model=model, mileage=km)
        changelog.save_changes(vehicle, values)
