"""Reminders (保养, 首保, 三包, 保险, declined work): which cars to call back to the workshop.

Computed from facts, never stored: the next service recorded at delivery, the car's
own odometer readings (its kilometres a day from at least two readings on different
days, else the store's default), the sale (first service, the 三包 windows), the
insurance's end, and declined jobs no later visit did. A reminder is due on its date
or on the day the projected mileage reaches its mileage, whichever comes first.
Working one (a call, a booking, a dismissal) is a ``ReminderAction`` fact: see
kiosk.services.reminder_work.
"""
from __future__ import annotations

import datetime as dt
import math

from kiosk.core import times
from kiosk.models import Customer, Delivery, JobLine, ReminderAction, Vehicle, WorkOrder
from kiosk.services import campaigns, care_settings, consent

KINDS = ("maintenance", "first_service", "warranty", "insurance", "declined_work")
# The manufacturer's warranty windows from the sale: 三包 validity and the repair warranty.
WARRANTY_WINDOWS = {"sanbao": (2, 50_000), "repair": (3, 60_000)}
DECLINED_AFTER_DAYS = 30  # declined work is offered again this long after the visit
LAPSED_DAYS = 30  # an insurance that ended this recently is still worth a call
CLOSING = {"booked", "dismissed"}
FIRST_SERVICE_STALE_DAYS = 180  # a first service missed by more than this is not offered any more


def readings(vehicle_ids) -> dict:
    """vehicle id -> [(store day, odometer)] from check-ins and deliveries, oldest first."""
    found: dict = {}
    for order in WorkOrder.select(WorkOrder.vehicle, WorkOrder.opened_at, WorkOrder.mileage).where(
            WorkOrder.vehicle.in_(list(vehicle_ids)) & (WorkOrder.mileage > 0) & (WorkOrder.deleted == False)):  # noqa: E712
        found.setdefault(order.vehicle_id, []).append((times.local_date(order.opened_at), order.mileage))
    for delivery in Delivery.select(Delivery.vehicle, Delivery.at, Delivery.mileage).where(
            Delivery.vehicle.in_(list(vehicle_ids)) & (Delivery.mileage > 0)):
        found.setdefault(delivery.vehicle_id, []).append((times.local_date(delivery.at), delivery.mileage))
    return {key: sorted(rows) for key, rows in found.items()}


def km_per_day(rows: list) -> float | None:
    """The car's own pace from its first and last readings on different days (None: no history)."""
    if len(rows) < 2:
        return None
    (first_day, first_km), (last_day, last_km) = rows[0], rows[-1]
    days = (last_day - first_day).days
    if days < 1 or last_km <= first_km:
        return None
    return (last_km - first_km) / days


class Projection:
    """Where the odometer will be: from the last reading at the car's pace (or the store's)."""

    def __init__(self, rows: list, start: tuple | None = None):
        own = km_per_day(rows)
        self.own = own is not None
        self.pace = own if own is not None else float(care_settings.number(care_settings.KM_PER_DAY))
        self.day, self.km = rows[-1] if rows else (start or (times.today(), 0))

    def mileage_on(self, day: dt.date) -> int:
        return int(round(self.km + self.pace * max(0, (day - self.day).days)))

    def day_reaching(self, mileage: int) -> dt.date:
        if mileage <= self.km:
            return self.day
        return self.day + dt.timedelta(days=math.ceil((mileage - self.km) / self.pace))


def _entry(vehicle, kind, key, due_date, due_mileage, projection, day, **extra) -> dict:
    return {"vehicle": vehicle, "customer": vehicle.customer, "kind": kind, "key": key, "due_date": due_date,
            "due_mileage": due_mileage, "projected_mileage": projection.mileage_on(day) if projection else None,
            "own_pace": projection.own if projection else False, **extra}


def _earlier(by_date: dt.date | None, mileage: int | None, projection: Projection) -> dt.date:
    candidates = [d for d in (by_date, projection.day_reaching(mileage) if mileage else None) if d is not None]
    return min(candidates)


def _for_vehicle(vehicle, rows, deliveries, orders, day) -> list[dict]:
    found = []
    projection = Projection(rows)
    last = deliveries[-1] if deliveries else None
    if last is not None and (last.next_service_date or last.next_service_mileage) and not any(
            o.opened_at > last.at for o in orders):
        due = _earlier(last.next_service_date, last.next_service_mileage, projection)
        found.append(_entry(vehicle, "maintenance", f"maintenance:{last.id.hex}", due, last.next_service_mileage,
                            projection, day))
    if vehicle.sold_on is not None:
        sale = Projection(rows, start=(vehicle.sold_on, 0))
        if vehicle.sold_here and not orders:
            by_date = vehicle.sold_on + dt.timedelta(days=care_settings.number(care_settings.FIRST_SERVICE_DAYS))
            km = care_settings.number(care_settings.FIRST_SERVICE_KM)
            due = _earlier(by_date, km, sale)
            if due >= day - dt.timedelta(days=FIRST_SERVICE_STALE_DAYS):  # long missed: no longer a first service
                found.append(_entry(vehicle, "first_service", f"first_service:{vehicle.id.hex}", due, km, sale, day))
        for window, (years, km) in WARRANTY_WINDOWS.items():
            try:
                ends = vehicle.sold_on.replace(year=vehicle.sold_on.year + years)
            except ValueError:  # sold on 29 February
                ends = vehicle.sold_on.replace(year=vehicle.sold_on.year + years, day=28)
            due = _earlier(ends, km, sale)
            if due >= day:  # a window already over is nothing to remind of
                found.append(_entry(vehicle, "warranty", f"warranty:{window}:{vehicle.id.hex}", due, km, sale, day,
                                    window=window))
    if vehicle.insurance_until is not None and vehicle.insurance_until >= day - dt.timedelta(days=LAPSED_DAYS):
        found.append(_entry(vehicle, "insurance", f"insurance:{vehicle.id.hex}:{vehicle.insurance_until}",
                            vehicle.insurance_until, None, projection, day, insurer=vehicle.insurer or ""))
    return found


def _declined(vehicle, projection, day) -> list[dict]:
    found = []
    for item in campaigns.history(vehicle)["declined"]:
        due = times.local_date(item["order"].opened_at) + dt.timedelta(days=DECLINED_AFTER_DAYS)
        found.append(_entry(vehicle, "declined_work", f"declined_work:{item['job'].id.hex}", due, None, projection,
                            day, job=item["job"], order=item["order"]))
    return found


def _handled(keys, day: dt.date) -> set:
    """Keys closed (booked, dismissed, a call that ended it, the store's attempts unanswered)
    or called without answer on ``day`` (it comes back the next day)."""
    done, unanswered = set(), {}
    attempts = care_settings.number(care_settings.FOLLOW_UP_ATTEMPTS)
    for action in ReminderAction.select().where(ReminderAction.key.in_(list(keys))):
        if action.action in CLOSING or (action.action == "called" and action.outcome != "no_answer"):
            done.add(action.key)
        elif action.action == "called":
            unanswered[action.key] = unanswered.get(action.key, 0) + 1
            if times.local_date(action.at) >= day or unanswered[action.key] >= attempts:
                done.add(action.key)
    return done


def due(day: dt.date, within: int = 0, vehicles=None) -> list[dict]:
    """The open reminders due on or before ``day`` + ``within`` days (overdue ones included),
    soonest first; insurance and warranty ends are looked for the store's window ahead.
    Customers who withdrew their consent to service calls are left out."""
    window = max(within, care_settings.number(care_settings.INSURANCE_WINDOW))
    query = (Vehicle.select(Vehicle, Customer).join(Customer)
             .where((Vehicle.deleted == False) & (Customer.deleted == False)))  # noqa: E712
    if vehicles is not None:
        query = query.where(Vehicle.id.in_([v.id for v in vehicles]))
    cars = list(query)
    ids = [v.id for v in cars]
    all_rows = readings(ids)
    deliveries, orders = {}, {}
    for delivery in Delivery.select().where(Delivery.vehicle.in_(ids)).order_by(Delivery.at, Delivery.hlc):
        deliveries.setdefault(delivery.vehicle_id, []).append(delivery)
    for order in WorkOrder.select(WorkOrder.id, WorkOrder.vehicle, WorkOrder.opened_at).where(
            WorkOrder.vehicle.in_(ids) & (WorkOrder.deleted == False) & (WorkOrder.status != "cancelled")):  # noqa: E712
        orders.setdefault(order.vehicle_id, []).append(order)
    declined = {j.work_order.vehicle_id for j in JobLine.select(JobLine, WorkOrder).join(WorkOrder).where(
        (JobLine.authorization == "declined") & (JobLine.deleted == False) & WorkOrder.vehicle.in_(ids))}  # noqa: E712
    consents = consent.snapshot()
    found = []
    for car in cars:
        if not consent.allows(car.customer_id, consent.SERVICE_CALLS, consents):
            continue
        rows = all_rows.get(car.id, [])
        found += _for_vehicle(car, rows, deliveries.get(car.id, []), orders.get(car.id, []), day)
        if car.id in declined:
            found += _declined(car, Projection(rows), day)
    until = day + dt.timedelta(days=within)
    far = day + dt.timedelta(days=window)
    found = [r for r in found if r["due_date"] <= (far if r["kind"] in ("insurance", "warranty") else until)]
    closed = _handled([r["key"] for r in found], day)
    return sorted((r for r in found if r["key"] not in closed), key=lambda r: (r["due_date"], r["kind"]))


def find(vehicle: Vehicle, key: str, day: dt.date | None = None) -> dict | None:
    """The open reminder ``key`` of ``vehicle`` (whenever it is due), or None."""
    day = day or times.today()
    return next((r for r in due(day, 3650, vehicles=[vehicle]) if r["key"] == key), None)
