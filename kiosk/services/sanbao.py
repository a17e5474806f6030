"""The 三包 watch (家用汽车产品修理更换退货责任规定, 2022): the counts that give a family
car's owner the right to a replacement or a refund, seen before they are reached.

For a vehicle within its validity (from ``Vehicle.sold_on``: ``sanbao_years`` or
``sanbao_km``, whichever comes first), every visit with a warranty job counts:

* days in the shop for repairs, a started day counting as a day (from check-in
  to the car handed back; a visit still open counts up to now);
* repairs of the same fault (the claim's diagnosis code, else the job's labour
  operation, else its text);
* repairs of a serious safety fault (a claim marked ``safety``);
* replacements of the same major part (a claim's ``major_part``);
* the early windows from the sale: 60 days / 3,000 km, and 7 days.

A counter is ``reached`` at its limit and ``warn`` one short of it; a visit
longer than ``sanbao_loan_car_days`` under warranty owes the customer a loan car.
Limits are the store's settings (kiosk.services.claim_settings), the law's values
by default. Nothing is stored: every figure is read from orders, jobs,
deliveries and claims.
"""
from __future__ import annotations

import datetime as dt
import math

from kiosk.core import times
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Delivery, JobLine, Vehicle, WorkOrder
from kiosk.models.claims import WarrantyClaim
from kiosk.services import claim_settings

COUNTERS = {
    "repair_days": (_l("Days in the shop for repairs"), "sanbao_repair_days"),
    "same_fault": (_l("Repairs of the same fault"), "sanbao_same_fault"),
    "safety": (_l("Repairs of a serious safety fault"), "sanbao_safety_repairs"),
    "part_replacements": (_l("Replacements of the same major part"), "sanbao_part_replacements"),
}


def _days(start: dt.datetime, end: dt.datetime) -> int:
    """Days in the shop: every started 24 hours counts as a day."""
    return max(1, math.ceil((end - start).total_seconds() / 86400))


def visits(vehicle: Vehicle, now: dt.datetime | None = None) -> list[dict]:
    """The vehicle's warranty visits since the sale: order, days in the shop, open or not, faults."""
    now = now or times.utcnow()
    same_car = WorkOrder.vehicle == vehicle
    if vehicle.vin:
        same_car |= WorkOrder.vehicle.in_(Vehicle.select(Vehicle.id).where(Vehicle.vin == vehicle.vin))
    start = times.at_local(vehicle.sold_on, dt.time(0, 0)) if vehicle.sold_on else None
    out = []
    orders = WorkOrder.select().where(same_car & (WorkOrder.deleted == False)  # noqa: E712
                                      & (WorkOrder.status != "cancelled")).order_by(WorkOrder.opened_at)
    for order in orders:
        if start is not None and order.opened_at < start:
            continue
        jobs = list(JobLine.select().where((JobLine.work_order == order) & (JobLine.pay_type == "warranty")
                                           & (JobLine.deleted == False)))  # noqa: E712
        if not jobs:
            continue
        claims = {c.job_id: c for c in WarrantyClaim.select().where((WarrantyClaim.work_order == order)
                                                                    & (WarrantyClaim.deleted == False))}  # noqa: E712
        delivered = Delivery.select().where(Delivery.work_order == order).order_by(Delivery.at).first()
        end = delivered.at if delivered else now
        faults, safety, parts = set(), False, set()
        for job in jobs:
            claim = claims.get(job.id)
            faults.add((claim.diagnosis_code if claim and claim.diagnosis_code else "")
                       or job.operation or job.description.strip())
            if claim is not None:
                safety = safety or claim.safety
                if claim.major_part:
                    parts.add(claim.major_part)
        out.append({"order": order, "days": _days(order.opened_at, end), "open": delivered is None,
                    "mileage": order.mileage, "faults": faults, "safety": safety, "parts": parts})
    return out


def _level(value: int, limit: int) -> str:
    return "reached" if value >= limit else "warn" if value == limit - 1 else "ok"


def watch(vehicle: Vehicle, now: dt.datetime | None = None) -> dict:
    """The vehicle's 三包 counters, windows and warnings (see the module's docstring)."""
    now = now or times.utcnow()
    today = times.today(now)
    if vehicle.sold_on is None:
        return {"applies": False, "reason": _l("The date of sale is not on file."), "counters": [], "windows": [],
                "warnings": [], "loan_car": False}
    until = vehicle.sold_on.replace(year=vehicle.sold_on.year + claim_settings.get("sanbao_years")) \
        if not (vehicle.sold_on.month == 2 and vehicle.sold_on.day == 29) \
        else dt.date(vehicle.sold_on.year + claim_settings.get("sanbao_years"), 2, 28)
    seen = visits(vehicle, now)
    mileage = max([vehicle.mileage or 0] + [v["mileage"] for v in seen])
    km = claim_settings.get("sanbao_km")
    counted = [v for v in seen if times.local_date(v["order"].opened_at) <= until and v["mileage"] <= km]
    applies = today <= until and mileage <= km
    fault_counts: dict = {}
    part_counts: dict = {}
    for v in counted:
        for fault in v["faults"]:
            fault_counts[fault] = fault_counts.get(fault, 0) + 1
        for part in v["parts"]:
            part_counts[part] = part_counts.get(part, 0) + 1
    values = {"repair_days": sum(v["days"] for v in counted), "same_fault": max(fault_counts.values(), default=0),
              "safety": sum(1 for v in counted if v["safety"]),
              "part_replacements": max(part_counts.values(), default=0)}
    counters, warnings = [], []
    for key, (label, setting) in COUNTERS.items():
        limit = claim_settings.get(setting)
        level = _level(values[key], limit)
        counters.append({"key": key, "label": label, "value": values[key], "limit": limit, "level": level})
        if applies and level != "ok":
            warnings.append(_l("三包: %(what)s %(value)s of %(limit)s.", what=label, value=values[key], limit=limit))
    loan_days = claim_settings.get("sanbao_loan_car_days")
    loan_car = any(v["open"] and v["days"] > loan_days for v in seen)
    if loan_car:
        warnings.append(_l("More than %(days)s days in the shop under warranty: offer a loan car.", days=loan_days))
    age = (today - vehicle.sold_on).days
    windows = [
        {"key": "first_days", "label": _l("7 days from the sale"), "open": age <= claim_settings.get("sanbao_first_days"),
         "hint": _l("Replacing the engine, transmission, traction battery or drive motor (or a main part of "
                    "them) lets the customer choose a replacement or refund.")},
        {"key": "early", "label": _l("60 days / 3,000 km from the sale"),
         "open": age <= claim_settings.get("sanbao_early_days") and mileage <= claim_settings.get("sanbao_early_km"),
         "hint": _l("Failed steering or brakes, a cracked body, a fuel leak or a battery fire let the customer "
                    "choose a replacement or refund.")},
    ]
    for window in windows:
        if window["open"] and seen:
            warnings.append(_l("三包: within %(window)s.", window=window["label"]))
    return {"applies": applies, "reason": "", "until": until, "km": km, "mileage": mileage, "counters": counters,
            "windows": windows, "warnings": warnings, "loan_car": loan_car, "visits": seen}


def watched(now: dt.datetime | None = None, limit: int = 300) -> list[tuple[Vehicle, dict]]:
    """The cars within validity with a warning (one short of a limit, a limit reached, a
    loan car due, an early window open), the ones with the most warnings first."""
    now = now or times.utcnow()
    since = times.today(now) - dt.timedelta(days=366 * claim_settings.get("sanbao_years"))
    with_warranty = (WorkOrder.select(WorkOrder.vehicle).join(JobLine)
                     .where((JobLine.pay_type == "warranty") & (JobLine.deleted == False)))  # noqa: E712
    cars = (Vehicle.select().where((Vehicle.sold_on >= since) & (Vehicle.deleted == False)  # noqa: E712
                                   & Vehicle.id.in_(with_warranty)).order_by(Vehicle.sold_on.desc()).limit(limit))
    seen = [(car, watch(car, now)) for car in cars]
    return sorted([(c, w) for c, w in seen if w["applies"] and w["warnings"]], key=lambda cw: -len(cw[1]["warnings"]))
