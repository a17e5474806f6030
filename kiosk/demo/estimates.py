"""The demo store's catalogues and vehicle histories: the labour catalogue, service packages
for the 朗逸 and the 帕萨特, recalls for some VINs, and earlier visits of the cars that come
today (with the mileage, the work done, and declined work still open), so a new user sees
the vehicle's history at check-in and builds an estimate from a package in one tap.
"""
from __future__ import annotations

import datetime as dt
import random

from kiosk.core import times
from kiosk.db import transaction
from kiosk.demo.data import CAMPAIGNS, LABOUR, PACKAGES
from kiosk.models import JobLine, Vehicle, WorkOrder
from kiosk.services import authorization, campaigns, labour, packages, workorders
from kiosk.services.numbers import next_number
from sync import changelog

# An earlier visit: months ago, km fewer than today, the complaint, the labour codes done,
# and a job the customer declined then (description, hours, price) or None.
VISITS = (
    (7, 9_600, "1万公里保养", ["MAINT-10K"], ("后刹车片偏薄, 建议更换", "1.0", "300")),
    (13, 19_200, "常规保养, 空调有异味", ["BY-JY", "BY-KT"], None),
    (4, 4_800, "更换雨刮片", ["WIPER", "CAMP-AC24"], ("轮胎换位", "0.5", "150")),
)
CLOSED_PATH = ("in_repair", "qc", "washing", "ready", "settled", "delivered", "followed_up", "closed")


def seed_catalogue() -> None:
    """The labour operations and the service packages."""
    fields = ("code", "name", "name_en", "hours", "rate_customer", "rate_warranty", "rate_insurance",
              "rate_internal")
    with transaction():
        for row in LABOUR:
            labour.save_operation(dict(zip(fields, row)))
        labour.save_operation({"code": "CAMP-AC24", "name": "空调系统免费检测", "name_en": "Free A/C check (campaign)",
                               "hours": "0.3", "rate_customer": "100"})
        for code, name, model, interval, pricing, price, lines in PACKAGES:
            packages.save_package(code, name, packages.items_from_text(lines), model=model, interval_km=interval,
                                  pricing=pricing, price=price)


def _earlier_visit(vehicle: Vehicle, advisor, signature: str, when: dt.datetime, spec) -> WorkOrder:
    _months, km_back, complaint, codes, declined = spec
    mileage = max(1, (vehicle.mileage or 0) - km_back)
    order = workorders.open_work_order(vehicle.customer, vehicle, advisor=advisor, complaint=complaint,
                                       walkaround={"mileage": mileage, "fuel_eighths": 4}, staff=advisor)
    for code in codes:
        workorders.add_job(order, operation=code, staff=advisor)
    authorization.authorize(order, signature, staff=advisor, at=when + dt.timedelta(minutes=20))
    if declined:  # found during the work, the customer said no: open declined work since
        description, hours, price = declined
        workorders.add_job(WorkOrder.get_by_id(order.id), description, hours, price, staff=advisor)
        authorization.decline_changes(WorkOrder.get_by_id(order.id), staff=advisor, note="下次再做")
    order = WorkOrder.get_by_id(order.id)
    for job in workorders.live_jobs(order):
        if job.authorization != "declined":
            changelog.save_changes(job, {"status": "done"})
    for step in CLOSED_PATH:
        if order.status != step:
            workorders.move(order, step, staff=advisor)
    changelog.save_changes(order, {"opened_at": when, "number": next_number("WO", times.local_date(when)),
                                   "promised_at": None})
    return order


def seed_histories(vehicles: list[Vehicle], advisor, signature: str, now: dt.datetime) -> None:
    """Earlier visits for ``vehicles`` (newest mileage is today's), a recall on some VINs.
    ``now`` is UTC (kiosk.core.times); the visits are at the store's opening hours."""
    rng = random.Random(11_2026)
    local = times.to_local(now)
    with transaction():
        for index, vehicle in enumerate(vehicles):
            visits = [VISITS[index % len(VISITS)]] + ([VISITS[1]] if index % 2 == 0 else [])
            for spec in visits:
                when = (local - dt.timedelta(days=30 * spec[0] + rng.randint(0, 20))).replace(
                    hour=rng.choice((9, 10, 14, 15)), minute=rng.choice((0, 15, 30)), second=0, microsecond=0)
                _earlier_visit(vehicle, advisor, signature, times.to_utc(when), spec)
        for vehicle in vehicles:
            if vehicle.vin:
                code, title, kind = CAMPAIGNS[1]
                campaigns.record(vehicle.vin, code, title, kind=kind,
                                 announced=times.today(now) - dt.timedelta(days=200))


def seed_recall(now: dt.datetime) -> None:
    """The ECU recall for the VIN of every car with the recall job on its order, and a few more."""
    code, title, kind = CAMPAIGNS[0]
    with transaction():
        vins = {j.work_order.vehicle.vin for j in JobLine.select().where(JobLine.operation == code)}
        for vin in sorted(v for v in vins if v):
            campaigns.record(vin, code, title, kind=kind, announced=times.today(now) - dt.timedelta(days=60))
