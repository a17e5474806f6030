"""The demo store's claims desk: warranty claims in every state with their old parts in
the store or shipped, a delivered warranty order waiting for its claim, insurance
repairs (one in the workshop with an assessment and a supplement, one delivered and
owed by the insurer), and a car one repair short of a 三包 limit.

The cars handed back here are settled, paid and handed back through the real chain
(``kiosk.demo.handover.hand_back``: the cashier's settlement and the delivery service).
"""
from __future__ import annotations

import datetime as dt
import io
import random

from flask import current_app
from PIL import Image, ImageDraw

from kiosk.core import times
from kiosk.db import transaction
from kiosk.demo.handover import hand_back
from kiosk.demo.data import CLAIM_CARS, CLAIM_CODES, INSURANCE_DEMO, SANBAO_VISITS
from kiosk.models import ClockEvent, Part, StockMove, Vehicle, WorkOrder
from kiosk.services import authorization, claim_codes, claims, findings, insurance, old_parts, workorders
from sync import changelog

# The workshop's part of a visit; the cashier and the handover follow (``_handed_back``).
DELIVERED_PATH = ("diagnosis", "estimate", "authorized", "in_repair", "qc", "washing", "ready")


def _photo(rng: random.Random) -> bytes:
    """A stand-in for the bay's camera: a grey part with a dark stain."""
    image = Image.new("RGB", (640, 480), (150, 150, 155))
    draw = ImageDraw.Draw(image)
    x, y = rng.randint(150, 400), rng.randint(120, 300)
    draw.ellipse((x, y, x + 140, y + 90), fill=(40, 35, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _handed_back(order: WorkOrder, at: dt.datetime) -> None:
    """The car settled, paid and handed back at ``at`` (see the module's docstring)."""
    hand_back(order, at)


def _cars(count: int) -> list[Vehicle]:
    """Demo cars for the claims desk: those not in the workshop now first (their customers keep
    their names; the claims only add earlier visits)."""
    busy = WorkOrder.select(WorkOrder.vehicle).where(WorkOrder.status.not_in(("delivered", "closed")))
    free = list(Vehicle.select().where(Vehicle.id.not_in(busy) & (Vehicle.vin != "")).order_by(Vehicle.plate))
    rest = list(Vehicle.select().where(Vehicle.id.in_(busy) & (Vehicle.vin != "")).order_by(Vehicle.plate))
    return (free + rest)[:count]


def _sold(vehicle: Vehicle, days: int, now: dt.datetime) -> Vehicle:
    """Sold here ``days`` ago, with the maker's three-year warranty from the sale."""
    sold = times.today(now) - dt.timedelta(days=days)
    changelog.save_changes(vehicle, {"sold_on": sold, "sold_here": True,
                                     "warranty_until": sold + dt.timedelta(days=3 * 365)})
    return vehicle


def _visit(vehicle, advisor, tech, code, complaint, days_ago, days_in_shop, now, *, signature, part_no="", qty=0,
           hours=1.5, finding="", photo=b"", still_at="washing"):
    """A warranty visit: the job, its part issued, its clock, its finding; handed back unless
    ``days_in_shop`` is None (still in the shop, at the status ``still_at``)."""
    opened = now - dt.timedelta(days=days_ago)
    order = workorders.open_work_order(vehicle.customer, vehicle, advisor=advisor, complaint=complaint,
                                       walkaround={"mileage": max(1, vehicle.mileage - 40 * days_ago - 50)},
                                       staff=advisor)
    job = workorders.add_job(order, pay_type="warranty", operation=code, technician=tech, staff=advisor)
    path = DELIVERED_PATH if days_in_shop is not None else DELIVERED_PATH[:DELIVERED_PATH.index(still_at) + 1]
    _through(order, path, advisor, signature)
    order = WorkOrder.get_by_id(order.id)
    changelog.save_changes(order, {"opened_at": opened})
    if part_no:
        part = Part.get(Part.part_no == part_no)
        changelog.save(StockMove(part=part, bin=part.bin, qty=-qty, kind="issue", at=opened + dt.timedelta(hours=1),
                                 staff=None, receiver=tech, work_order=order, job=job, unit_cost=part.cost,
                                 unit_price=part.price))
    start = opened + dt.timedelta(hours=2)
    for action, at in (("on", start), ("off", start + dt.timedelta(hours=hours))):
        changelog.save(ClockEvent(technician=tech, job=job, work_order=order, action=action,
                                  reason="finish" if action == "off" else "", at=at, terminal="demo"))
    if finding or photo:
        findings.add_finding(job, tech, finding, photo or None, current_app.config["BLOB_FOLDER"])
    if days_in_shop is not None:
        _handed_back(order, opened + dt.timedelta(days=days_in_shop, hours=-3))
    return order, job


def _through(order: WorkOrder, steps, advisor, signature: str) -> None:
    """Move the order along ``steps``; the customer signs the estimate (authorized) on the way."""
    for step in steps:
        if step == "authorized":
            authorization.authorize(WorkOrder.get_by_id(order.id), signature, staff=advisor)
        else:
            workorders.move(WorkOrder.get_by_id(order.id), step, staff=advisor)


def seed_claims(staff: dict, signature: str, now: dt.datetime) -> None:
    """The claims desk's demo (see the module's docstring)."""
    rng = random.Random(14_2026)
    clerk, advisor, tech = staff["CLM-001"], staff["ADV-001"], staff["TEC-002"]
    with transaction():
        codes = "kind,code,text\n" + "".join(f"{k},{c},{t}\n" for k, c, t in CLAIM_CODES)
        claim_codes.import_codes("codes.csv", codes.encode("utf-8"))
        shipment = old_parts.new_shipment()
        cars = _cars(len(CLAIM_CARS) + 2)
        # The 三包 car: the one that has run least (its validity ends at 50,000 km).
        cars.append(cars.pop(cars.index(min(cars, key=lambda c: c.mileage))))
        for n, (days_ago, state, amount, reason, place, with_photo) in enumerate(CLAIM_CARS):
            car = _sold(cars[n], 240 + 30 * n, now)
            # The one not claimed yet: the shocks are in, the car is still in the workshop.
            order, job = _visit(car, advisor, tech, "SUSP-F", "过减速带时前悬挂异响", days_ago,
                                2 if state else None, now, signature=signature, part_no="5Q0413031", qty=2,
                                finding="右前减震器漏油, 更换左右前减震器。", photo=_photo(rng) if with_photo else b"",
                                still_at="in_repair")
            if state is None:
                continue
            visited = now - dt.timedelta(days=days_ago)
            claim = claims.build(order, job, clerk, at=visited + dt.timedelta(days=2))
            claims.update(claim, {"symptom_code": "S101", "diagnosis_code": "D4101"}, clerk)
            tag = old_parts.tag(claim, "5Q0413031", clerk)
            if place in ("store", "ship"):
                old_parts.scan(tag.number, "store", bin="J-01", staff=clerk, terminal="demo")
            if place == "ship":
                old_parts.scan(tag.number, "ship", shipment=shipment, staff=clerk, terminal="demo")
            if state == "draft":
                continue
            claims.submit(claim, clerk, at=visited + dt.timedelta(days=3))
            if state in ("partly_approved", "credited", "rejected", "approved"):
                claims.record(claim, state if state != "credited" else "approved", amount=amount,
                              reason_code=reason, staff=clerk, at=visited + dt.timedelta(days=12))
            if state == "credited":
                claims.record(claim, "credited", staff=clerk, at=visited + dt.timedelta(days=40))
        _insurance(rng, staff, signature, cars[-2], now)
        _sanbao_car(advisor, staff["TEC-003"], _sold(cars[-1], 300, now), signature, now)


def _insurance(rng, staff, signature, car, now):
    clerk, advisor = staff["CLM-001"], staff["ADV-001"]
    folder = current_app.config["BLOB_FOLDER"]
    bumper = (WorkOrder.select().where((WorkOrder.status == "in_repair") & (WorkOrder.deleted == False))  # noqa: E712
              .order_by(WorkOrder.number).first())
    if bumper is not None:
        case = insurance.open_case(bumper, {**INSURANCE_DEMO["case"],
                                            "accident_date": (times.today(now) - dt.timedelta(days=3)).isoformat()},
                                   clerk)
        insurance.add_assessment(case, INSURANCE_DEMO["assessment"], staff=clerk, photos=[_photo(rng)],
                                 folder=folder)
        insurance.add_assessment(case, INSURANCE_DEMO["supplement"], staff=clerk, photos=[_photo(rng)],
                                 note="拆下保险杠后发现大灯支架断裂", folder=folder)
    order = workorders.open_work_order(car.customer, car, advisor=advisor, complaint="追尾事故, 后保险杠及后备箱盖受损",
                                       walkaround={"mileage": max(1, car.mileage - 1200)}, staff=advisor)
    workorders.add_job(order, "后保险杠钣喷", "5.0", "2500", pay_type="insurance", staff=advisor)
    case = insurance.open_case(order, {**INSURANCE_DEMO["delivered_case"],
                                       "accident_date": (times.today(now) - dt.timedelta(days=30)).isoformat()}, clerk)
    insurance.add_assessment(case, INSURANCE_DEMO["delivered_assessment"], staff=clerk, folder=folder)
    insurance.record_assignment(case, signature, clerk)
    _through(order, DELIVERED_PATH, advisor, signature)
    changelog.save_changes(WorkOrder.get_by_id(order.id), {"opened_at": now - dt.timedelta(days=25)})
    _handed_back(WorkOrder.get_by_id(order.id), now - dt.timedelta(days=21))


def _sanbao_car(advisor, tech, car, signature, now):
    """Two repairs of the same fault handed back, a third in the shop: one short of the limit."""
    # Still in the shop: washed after its QC (a status no other demo order is in).
    for days_ago, days_in_shop in SANBAO_VISITS:
        _visit(car, advisor, tech, "DIAG-ENG", "仪表提示动力系统故障, 限功率", days_ago, days_in_shop, now,
               signature=signature, hours=1.0, finding="动力系统故障码 P0A7F, 按厂家技术通报处理。")
