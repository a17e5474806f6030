"""Demo data for a first start: a believable Shanghai 4S store's service department.

Staff of every role (badges and PINs in ``DEMO_STAFF``), customers and their
cars, a parts catalogue, today's and tomorrow's appointments and work orders
at every stage of the workshop, and the past year of delivered work the
manager's figures read (kiosk.demo.figures_year, ``DEMO_HISTORY_DAYS``).
Everything goes through the services, so change events are recorded as for
any other write and the demo store syncs like a real one. Seeded random: every store made from it is the same.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import itertools
import random

from flask import current_app
from PIL import Image, ImageDraw

from kiosk.core import times
from kiosk.db import transaction
from kiosk.demo import parts as demo_parts
from kiosk.demo.cashier import seed_cashier
from kiosk.demo.data import (
    APPOINTMENT_SERVICES, APPOINTMENT_SLOTS, COLORS, CUSTOMER_NAMES, CUSTOMER_NOTES, DEMO_STAFF,
    DEMO_STORE_NAME, JOBS, MODELS, PARTS, PATHS, PHONE_PREFIXES, PLATE_AREAS, WORK_ORDERS,
)
from kiosk.demo.care import seed_care
from kiosk.demo.claims import seed_claims
from kiosk.demo.figures_year import seed_year
from kiosk.demo.purchasing import seed_purchasing
from kiosk.demo.workshop import seed_findings, seed_workshop
from kiosk.demo import estimates as demo_estimates
from kiosk.models import Appointment, Part, Staff, WorkOrder
from kiosk.services import appointments, authorization, customers, files, signatures, workorders
from kiosk.services import staff as staff_service
from kiosk.services.identifiers import vin_check_digit
from sync import changelog
from sync.node import current_node

__all__ = ["DEMO_STAFF", "DEMO_STORE_NAME", "seed", "seed_if_empty"]

SEED = 4_2024
_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on a plate


def make_vin(rng: random.Random, wmi: str, year_code: str) -> str:
    """A random VIN of the maker ``wmi`` and model year ``year_code`` with a fitting check digit."""
    body = wmi + "".join(rng.choice(_VIN_CHARS) for _ in range(5))
    tail = year_code + rng.choice("ABCDEFGH") + "".join(rng.choice("0123456789") for _ in range(6))
    return with_check_digit(body + "0" + tail)


def with_check_digit(vin: str) -> str:
    """``vin`` (17 characters) with the check digit that fits as its ninth."""
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def ean13(first12: str) -> str:
    """``first12`` with its EAN-13 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _plate(rng: random.Random, new_energy: bool) -> str:
    area = rng.choice(PLATE_AREAS)
    digits = [rng.choice("0123456789") for _ in range(5)]
    if new_energy:  # green plates: D (battery) then five digits
        return area + "D" + "".join(digits)
    for position in rng.sample(range(5), rng.randint(0, 2)):  # most plates are digits, some carry letters
        digits[position] = rng.choice(_PLATE_LETTERS)
    return area + "".join(digits)


def _signature(rng: random.Random) -> str:
    """A scribbled signature as the pad's data URL."""
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(30 + i * 30, 75 + rng.randint(-40, 40)) for i in range(12)]
    draw.line(points, fill=(20, 20, 60, 255), width=4, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _add_part(part_no: str, name: str, name_en: str, price: str, bin_: str, barcodes: list[str]) -> Part:
    return demo_parts.add_part(part_no, name, name_en, price, bin_, barcodes)


def _booked_earlier(customer, vehicle, at: dt.datetime, service: str, advisor) -> Appointment:
    """A slot earlier today, booked days ago (``book`` refuses times already past)."""
    with transaction():
        appointment = Appointment(customer=customer, vehicle=vehicle, advisor=advisor,
                                  scheduled_at=at, service=service)
        changelog.save(appointment)
    return appointment


def _staff() -> dict[str, Staff]:
    return {badge: staff_service.create_staff(name, badge, list(roles), pin)
            for name, badge, roles, pin in DEMO_STAFF}


def _customers_and_vehicles(rng: random.Random, today: dt.date) -> list:
    cars = []
    for i, name in enumerate(CUSTOMER_NAMES):
        phone = rng.choice(PHONE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
        customer = customers.create_customer(name, phone, notes=CUSTOMER_NOTES.get(i, ""))
        for _ in range(2 if i % 7 == 3 else 1):  # a few families bring two cars
            # Mostly the store's own make; now and then another brand for general repair.
            model, wmi, green = rng.choice([m for m in MODELS if m[1] == "LSV"] if rng.random() < 0.8 else MODELS)
            year = rng.randint(2021 if green else 2018, 2025)
            vin = make_vin(rng, wmi, "JKLMNPRS"[year - 2018])
            warranty = dt.date(year + 3, rng.randint(1, 12), 28)
            mileage = max(1, today.year - year) * rng.randint(8_000, 22_000) + rng.randint(0, 999)
            cars.append(customers.create_vehicle(
                customer, _plate(rng, green), vin, model, mileage=mileage,
                color=rng.choice(COLORS), warranty_until=warranty if warranty >= today else None))
    return cars


def _parts(rng: random.Random) -> dict[str, Part]:
    return {no: _add_part(no, name, en, price, bin_, [ean13("692" + "".join(rng.choice("0123456789")
                                                                          for _ in range(9)))])
            for no, name, en, price, bin_ in PARTS}


def _work_order(rng, vehicle, spec, advisor, people, parts, now):
    target, complaint, job_keys, walk = spec
    walk = {**walk, "mileage": vehicle.mileage + rng.randint(50, 900)}
    order = workorders.open_work_order(vehicle.customer, vehicle, advisor=advisor, complaint=complaint,
                                       walkaround=walk, staff=advisor)
    busy = "in_repair" in PATHS[target]  # the workshop has its technicians on it
    for key in job_keys:
        operation, description, hours, price, pay_type, lines = JOBS[key]
        job = workorders.add_job(order, description, hours, price, pay_type, operation,
                                 technician=rng.choice(people["technicians"]) if busy else None)
        for part_no, qty in lines:
            part = parts[part_no]
            workorders.add_part_line(order, part.name, qty, part.price, part_no, pay_type, job=job)
    promised = dt.datetime.combine(now.date(), dt.time(17, 30))  # the store's wall time
    promised = promised if now.hour < 15 else promised + dt.timedelta(days=1)
    workorders.set_promised(order, times.to_utc(promised))
    for step in PATHS[target]:
        if step == "sign":
            authorization.sign(order, _signature(rng), current_app.config["BLOB_FOLDER"], staff=advisor)
        else:
            who = {"qc": people["qc"], "in_repair": people["foreman"]}.get(step, advisor)
            workorders.move(order, step, staff=who)
    return order


def _appointments(rng, cars, advisors, now):
    booked = []
    services = itertools.cycle(rng.sample(APPOINTMENT_SERVICES, len(APPOINTMENT_SERVICES)))
    for day_offset, count in ((0, 6), (1, 7)):
        day = now.date() + dt.timedelta(days=day_offset)
        for slot in sorted(rng.sample(APPOINTMENT_SLOTS, count)):
            local = dt.datetime.combine(day, dt.time.fromisoformat(slot))  # the store's wall time
            at = times.to_utc(local)
            vehicle, advisor, service = cars.pop(), rng.choice(advisors), next(services)
            # A margin under book()'s one hour, so a slot right at the edge cannot be refused.
            if local < now - dt.timedelta(minutes=50):
                # This morning's bookings: the cars came and were checked in.
                appointment = _booked_earlier(vehicle.customer, vehicle, at, service, advisor)
                appointments.check_in(appointment, service, {"mileage": vehicle.mileage + rng.randint(100, 900)},
                                      staff=advisor)
            else:
                booked.append(appointments.book(vehicle.customer, vehicle, at, service, advisor=advisor))
    return booked


def _history_vehicles(booked: list[Appointment]) -> list:
    """The cars whose earlier visits the demo has: three booked for today or tomorrow, and
    those of the orders still at the desk (checked in, estimate)."""
    at_desk = (WorkOrder.select().where(WorkOrder.status.in_(("checked_in", "estimate")))
               .order_by(WorkOrder.number))
    return [a.vehicle for a in booked[:3]] + [o.vehicle for o in at_desk]


def seed() -> None:
    """Fill an empty store with the demo data (one transaction: all of it or none).

    Today's and tomorrow's appointments are laid around the clock's time now
    (the booking service refuses times already past).
    """
    now = times.utcnow()
    local = times.to_local(now)  # slots, promises and "today" are the store's wall time
    rng = random.Random(SEED)
    with transaction():
        node = current_node()
        if not node.store_name:
            node.store_name = DEMO_STORE_NAME
            node.save()
        staff = _staff()
        people = {"technicians": [staff["TEC-001"], staff["TEC-002"], staff["TEC-003"]],
                  "foreman": staff["FOR-001"], "qc": staff["QC-001"]}
        advisors = [staff["ADV-001"], staff["ADV-002"]]
        cars = _customers_and_vehicles(rng, local.date())
        parts = _parts(rng)
        demo_parts.seed_stock(parts, staff["PRT-001"], now)
        demo_estimates.seed_catalogue()
        rng.shuffle(cars)
        for i, spec in enumerate(WORK_ORDERS):
            _work_order(rng, cars.pop(), spec, advisors[i % 2], people, parts, local)
        booked = _appointments(rng, cars, advisors, local)
        signature = files.store(current_app.config["BLOB_FOLDER"], signatures.checked_png(_signature(rng)))
        demo_estimates.seed_histories(_history_vehicles(booked), advisors[0], signature, now)
        seed_workshop(staff)  # the bay's demo: jobs for TEC-001
        seed_findings()
        seed_purchasing(staff["PRT-002"], parts)
        demo_parts.seed_requests(now)
        demo_estimates.seed_recall(now)
        seed_cashier(staff, signature, now)  # the cashier's queue and the delivered cars (issue #12)
        # The care desk: delivered cars, calls, complaints, reminders.
        seed_care(staff, now, lambda: make_vin(rng, "LSV", "N"))
        seed_claims(staff, signature, now)
        seed_year(staff, parts["06L115562B"], now, current_app.config["DEMO_HISTORY_DAYS"],  # the figures' year
                  plate=lambda r: _plate(r, False), vin=lambda r, wmi: make_vin(r, wmi, "N"))


def seed_if_empty() -> bool:
    """Seed the demo store unless this node already has staff; True when it seeded."""
    if Staff.select().exists():
        return False
    seed()
    return True
