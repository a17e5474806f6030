"""A believable year of delivered work for the manager's figures: every working day some
cars come in, technicians clock them (with the odd wait for parts), QC passes most the first
time, parts are issued the same day or the next, cars go back on or after their promise,
a few come back (返修), customers return for their next service, cars sold here come for
their first service.

``year`` builds the rows in memory (seeded random: the same year every time); the demo
saves them through the change log like any other write (``seed_year``), the benchmark
inserts them in bulk into a group hub (benchmarks/figures_bench.py).
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from uuid6 import uuid7

from kiosk.core import times
from kiosk.db import transaction
from kiosk.demo.data import COLORS, CUSTOMER_NAMES, JOBS, MODELS, PHONE_PREFIXES
from kiosk.models import (Attendance, ClockEvent, Customer, Delivery, JobLine, PartsRequest, QcCheck, StatusChange,
                          StockMove, Vehicle, WorkOrder)
from kiosk.services import cashier_settings
from sync import changelog

# The order rows are made in; parents before children (foreign keys).
MODELS_IN_ORDER = (Customer, Vehicle, WorkOrder, JobLine, QcCheck, Delivery, StatusChange, Attendance, ClockEvent,
                   PartsRequest, StockMove)
_JOB_KINDS = tuple(JOBS.values())
# The store's quality-guarantee days per repair type: the cashier's legal minimums (one rule).
GUARANTEE_DAYS = {kind: days for kind, (_, days) in cashier_settings.GUARANTEE_MINIMUM.items()}


def _time(day: dt.date, minutes: float) -> dt.datetime:
    """The stored (UTC) time ``minutes`` after the store's midnight of ``day``."""
    return times.at_local(day, dt.time()) + dt.timedelta(minutes=round(minutes))


class _Year:
    def __init__(self, rng, prefix, advisors, technicians, clerk, qc, part, plate, vin):
        self.rng, self.prefix, self.advisors, self.technicians = rng, prefix, advisors, technicians
        self.plate, self.vin = plate, vin
        self.clerk, self.qc, self.part = clerk, qc, part
        self.rows: dict = defaultdict(list)
        self.cars: list = []  # (customer, vehicle) that may come back
        self.recent: list = []  # (order, delivered at) a comeback may repeat
        self.serial = 0

    def add(self, row):
        row.id = row.id or uuid7()
        self.rows[type(row)].append(row)
        return row

    def car(self, day: dt.date):
        rng = self.rng
        if self.cars and rng.random() < 0.55:
            return rng.choice(self.cars)
        self.serial += 1
        name = rng.choice(CUSTOMER_NAMES)
        customer = self.add(Customer(name=name, phone=f"{rng.choice(PHONE_PREFIXES)}{rng.randint(10**7, 10**8 - 1)}"))
        model = rng.choice(MODELS)
        sold_here = rng.random() < 0.3
        vehicle = self.add(Vehicle(customer=customer, plate=self.plate(rng), vin=self.vin(rng, model[1]),
                                   model=model[0], color=rng.choice(COLORS), mileage=rng.randint(3000, 90000),
                                   sold_here=sold_here,
                                   sold_on=day - dt.timedelta(days=rng.randint(20, 170)) if sold_here else None))
        self.cars.append((customer, vehicle))
        return customer, vehicle

    def order(self, day: dt.date, number: int, free: dict) -> None:
        rng = self.rng
        customer, vehicle = self.car(day)
        comeback = ""
        if self.recent and rng.random() < 0.025:
            earlier, at = rng.choice(self.recent)
            if (day - times.local_date(at)).days <= GUARANTEE_DAYS[earlier.repair_type]:
                customer, vehicle, comeback = earlier.customer, earlier.vehicle, earlier.number
        opened = _time(day, 8 * 60 + 10 + 70 * (number - 1) + rng.randint(0, 40))  # one after another
        kinds = [rng.choice(_JOB_KINDS) for _ in range(1 if rng.random() < 0.7 else 2)]
        sold = sum(Decimal(k[2]) for k in kinds)
        repair = "maintenance" if kinds[0][0].startswith("MAINT") else rng.choice(("minor", "minor", "major"))
        promised = opened + dt.timedelta(hours=float(sold) + rng.choice((2.5, 3, 3.5, 4)))
        advisor = rng.choice(self.advisors)
        order = self.add(WorkOrder(number=f"{self.prefix}-{day:%Y%m%d}-{number:04d}", customer=customer,
                                   vehicle=vehicle, advisor=advisor, status="delivered", opened_at=opened,
                                   promised_at=promised, mileage=vehicle.mileage, complaint="保养/维修",
                                   repair_type=repair, comeback_of=comeback))
        tech = min(self.technicians, key=lambda t: free[t.id])
        start = max(free[tech.id], opened + dt.timedelta(minutes=20))
        for position, kind in enumerate(kinds, 1):
            job = self.add(JobLine(work_order=order, position=position, operation=kind[0], description=kind[1],
                                   sold_hours=Decimal(kind[2]), price=Decimal(kind[3]), pay_type=kind[4],
                                   status="done", technician=tech))
            start = self.clock(tech, job, order, start, float(kind[2]), bool(kind[5]))
        free[tech.id] = start
        checked = start + dt.timedelta(minutes=10)
        if rng.random() < 0.04:  # sent back once
            self.add(QcCheck(work_order=order, inspector=self.qc, passed=False, at=checked))
            checked += dt.timedelta(minutes=40)
        self.add(QcCheck(work_order=order, inspector=self.qc, passed=True, at=checked))
        delivered = checked + dt.timedelta(minutes=rng.randint(15, 90) + (120 if rng.random() < 0.08 else 0))
        self.add(Delivery(work_order=order, vehicle=vehicle, staff=advisor, at=delivered, mileage=vehicle.mileage,
                          promised_at=promised, on_time=delivered <= promised))
        self.add(StatusChange(work_order=order, from_status="ready", to_status="delivered", staff=advisor,
                              at=delivered))
        self.recent = (self.recent + [(order, delivered)])[-300:]

    def clock(self, tech, job, order, start, hours: float, parts: bool) -> dt.datetime:
        rng = self.rng
        took = dt.timedelta(hours=hours * rng.uniform(0.75, 1.35))
        self.add(ClockEvent(technician=tech, job=job, work_order=order, action="on", at=start, terminal="demo"))
        if parts:
            request = self.add(PartsRequest(work_order=order, job=job, requested_by=tech, part_no=self.part.part_no,
                                            description=self.part.name, qty=1, status="issued", requested_at=start))
            late = rng.random() < 0.1
            issued = start + (dt.timedelta(days=1) if late else dt.timedelta(minutes=rng.randint(5, 25)))
            self.add(StockMove(part=self.part, qty=-1, kind="issue", at=issued, staff=self.clerk, receiver=tech,
                               work_order=order, job=job, request=request, unit_cost=self.part.cost,
                               unit_price=self.part.price))
            if late or rng.random() < 0.1:  # waited for the part (or a short pause for it)
                pause = start + took / 2
                wait = dt.timedelta(minutes=rng.randint(15, 60))
                self.add(ClockEvent(technician=tech, job=job, work_order=order, action="off", reason="pause",
                                    loss_reason="parts", at=pause, terminal="demo"))
                self.add(ClockEvent(technician=tech, job=job, work_order=order, action="on", at=pause + wait,
                                    terminal="demo"))
                took += wait
        end = start + took
        self.add(ClockEvent(technician=tech, job=job, work_order=order, action="off", reason="finish", at=end,
                            terminal="demo"))
        return end + dt.timedelta(minutes=rng.randint(5, 20))


def _clocked_since(events: list, since: dt.datetime) -> list:
    """The clocks at the end of ``events`` (in the order they were made) from ``since`` on: the day's."""
    found = []
    for event in reversed(events):
        if event.at < since:
            break
        found.append(event)
    return found


def year(rng: random.Random, *, last: dt.date, days: int, per_day: float, prefix: str, advisors, technicians,
         clerk, qc, part, plate, vin, recent_days: int = 0, recent_per_day: float = 0) -> dict:
    """The rows of ``days`` days ending with ``last`` (Sundays closed), ``per_day`` cars a day on
    average (``recent_per_day`` in the last ``recent_days``): ``{model: [rows]}``, not saved.
    A technician attends from shortly before their first job until shortly after their last.
    ``plate(rng)`` and ``vin(rng, wmi)`` make a new car's plate and VIN."""
    made = _Year(rng, prefix, advisors, technicians, clerk, qc, part, plate, vin)
    for back in range(days - 1, -1, -1):
        day = last - dt.timedelta(days=back)
        if day.weekday() == 6:
            continue
        rate = recent_per_day if back < recent_days else per_day
        cars = int(rate * rng.uniform(0.6, 1.4) + rng.random())
        if not cars:
            continue
        start = _time(day, 8 * 60 + 30)
        free = {t.id: start for t in technicians}
        for number in range(1, cars + 1):
            made.order(day, number, free)
        today = _clocked_since(made.rows[ClockEvent], start - dt.timedelta(hours=1))
        for tech in technicians:
            if free[tech.id] > start:
                first = min(e.at for e in today if e.technician_id == tech.id)
                made.add(Attendance(technician=tech, action="in", at=first - dt.timedelta(minutes=rng.randint(5, 25)),
                                    terminal="demo"))
                made.add(Attendance(technician=tech, action="out", terminal="demo",
                                    at=free[tech.id] + dt.timedelta(minutes=rng.randint(10, 40))))
    issued = len(made.rows[StockMove])
    if issued:  # what the year issued was received first: the shelf is not emptied by the past
        made.rows[StockMove].insert(0, StockMove(id=uuid7(), part=part, bin=part.bin, qty=issued, kind="receipt",
                                                 at=_time(last - dt.timedelta(days=days), 8 * 60), staff=clerk,
                                                 unit_cost=part.cost))
    return made.rows


def seed_year(staff: dict, part, now: dt.datetime, days: int, plate, vin) -> int:
    """The demo store's past ``days`` (a year: the last 12 weeks busier, the months before
    lighter, to keep a first start quick), written through the change log (it syncs like any
    data). Numbers of past days only (today's counter is untouched). Returns the orders made."""
    rows = year(random.Random(2025), last=times.today(now) - dt.timedelta(days=1), days=days, per_day=0.5,
                recent_days=84, recent_per_day=2.0,
                prefix="DM", advisors=[staff["ADV-001"], staff["ADV-002"]],
                technicians=[staff["TEC-001"], staff["TEC-002"], staff["TEC-003"]], clerk=staff["PRT-001"],
                qc=staff["QC-001"], part=part, plate=plate, vin=vin)
    with transaction():
        for model in MODELS_IN_ORDER:
            for row in rows.get(model, []):
                changelog.save(row)
    return len(rows.get(WorkOrder, []))
