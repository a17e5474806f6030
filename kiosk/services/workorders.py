"""Work orders (维修委托书): open, edit job and part lines, authorize, move through the chain.

Every function here is one transaction that also records its change events;
the reception pages, the JSON API and (later) scans and sync all call these.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal

from kiosk.i18n import lazy_gettext as _l
from peewee import JOIN, SQL, fn

from kiosk.core import limits, times
from kiosk.db import transaction
from kiosk.models import Customer, JobLine, PartLine, PartsRequest, Staff, StatusChange, Vehicle, WorkOrder
from kiosk.core import status as states
from kiosk.core.errors import NotFound, ServiceError
from kiosk.services import catalogue, estimate, labour, stock
from kiosk.services.numbers import next_number
from kiosk.services.order_lines import (  # noqa: F401  (the lines' reading side: public here too)
    PAY_TYPES, check_editable, decimal_of, get_job, get_part_line, given, is_editable, live_jobs,
    live_part_lines, totals,
)
from kiosk.services.order_status import (  # noqa: F401  (the status moves: public here too)
    RECEPTION_MOVES, move, move_at_reception, reception_moves,
)
from kiosk.core.prepared import Prepared
from sync import changelog

# "" petrol or diesel (and ordinary hybrids), "hev", "phev" plug-in hybrid, "ev" electric.
POWERTRAINS = ("", "hev", "phev", "ev")
CHARGED = ("phev", "ev")  # these record their battery charge at check-in instead of the fuel level
WARNING_LIGHTS = ("engine", "oil", "battery", "brake", "abs", "airbag", "tpms", "coolant")
DAMAGE_KINDS = ("scratch", "dent", "crack", "chip", "other")


# The order with its customer, vehicle and advisor: outer joins, so what is
# found is exactly what a lookup by number alone finds.
_BY_NUMBER = Prepared(lambda slot: (
    WorkOrder.select(WorkOrder, Customer, Vehicle, Staff)
    .join(Customer, JOIN.LEFT_OUTER).switch(WorkOrder)
    .join(Vehicle, JOIN.LEFT_OUTER).switch(WorkOrder)
    .join(Staff, JOIN.LEFT_OUTER)
    .where((WorkOrder.number == slot(WorkOrder.number)) & (WorkOrder.deleted == False))  # noqa: E712
    .limit(1)))


def get_by_number(number: str) -> WorkOrder:
    """The live order with this number, its customer, vehicle and advisor loaded with it (one query)."""
    order = _BY_NUMBER.first((number or "").strip().upper())
    if order is None:
        raise NotFound(_l("No work order with this number."), detail={"number": number})
    return order


def get_by_id(order_id) -> WorkOrder:
    order = WorkOrder.get_or_none(WorkOrder.id == order_id)
    if order is None:
        raise NotFound(_l("No work order with this number."))
    return order


def _clean_walkaround(walk: dict) -> dict:
    """Validate the walk-around record (mileage, fuel, damage marks, lights, belongings)."""
    out = {}
    if "mileage" in walk:
        try:
            mileage = int(str(walk["mileage"]).strip() or 0)
        except ValueError:
            raise ServiceError(_l("Enter the mileage in kilometres."), field="mileage")
        if mileage < 0 or mileage > 2_000_000:
            raise ServiceError(_l("Enter the mileage in kilometres."), field="mileage")
        out["mileage"] = mileage
    if "fuel_eighths" in walk:
        try:
            fuel = int(walk["fuel_eighths"])
        except (TypeError, ValueError):
            fuel = -1
        if not 0 <= fuel <= 8:
            raise ServiceError(_l("Choose the fuel level."), field="fuel_eighths")
        out["fuel_eighths"] = fuel
    if "battery_percent" in walk:
        text = str(walk["battery_percent"] if walk["battery_percent"] is not None else "").strip().rstrip("%")
        try:
            battery = int(text) if text else None
        except ValueError:
            battery = -1
        if battery is not None and not 0 <= battery <= 100:
            raise ServiceError(_l("Enter the battery charge in per cent (0 to 100)."), field="battery_percent")
        out["battery_percent"] = battery
    if "damage" in walk:
        marks = walk["damage"]
        if isinstance(marks, str):
            try:
                marks = json.loads(marks or "[]")
            except ValueError:
                raise ServiceError(_l("The damage marks could not be read."), field="damage")
        clean = []
        for mark in marks if isinstance(marks, list) else []:
            try:
                x, y = float(mark["x"]), float(mark["y"])
            except (KeyError, TypeError, ValueError):
                raise ServiceError(_l("The damage marks could not be read."), field="damage")
            kind = mark.get("kind") if mark.get("kind") in DAMAGE_KINDS else "other"
            clean.append({"x": round(min(max(x, 0), 100), 1), "y": round(min(max(y, 0), 100), 1),
                          "kind": kind, "note": str(mark.get("note", ""))[:200]})
        out["damage"] = json.dumps(clean, ensure_ascii=False)
    if "warning_lights" in walk:
        lights = [x for x in walk["warning_lights"] or [] if x in WARNING_LIGHTS]
        out["warning_lights"] = json.dumps(sorted(set(lights)))
    for key in ("belongings", "complaint", "notes"):
        if key in walk:
            out[key] = str(walk[key] or "").strip()
    if "under_warranty" in walk:
        out["under_warranty"] = bool(walk["under_warranty"])
    if "promised_at" in walk:
        out["promised_at"] = _promised_time(walk["promised_at"])
    return out


def _promised_time(value) -> dt.datetime | None:
    """The promised delivery time as stored (UTC): a datetime is taken as stored
    already (naive UTC, or aware); ISO text (a form's ``2026-11-27T17:30``, an API
    body) without an offset is the store's local time (``kiosk.core.times``)."""
    if not value:
        return None
    if isinstance(value, dt.datetime):
        stored = value if value.tzinfo is None else times.to_utc(value)
        return stored.replace(second=0, microsecond=0)
    try:
        return times.parse_local(value).replace(second=0, microsecond=0)
    except ValueError:
        raise ServiceError(_l("Enter the promised date and time."), field="promised_at")


def open_work_order(customer: Customer, vehicle: Vehicle, *, advisor=None, complaint: str = "",
                    jobs: list[dict] | None = None, walkaround: dict | None = None,
                    appointment=None, staff=None) -> WorkOrder:
    """Check a vehicle in: a new work order with its walk-around and first job lines. An
    electric or plug-in hybrid car (``powertrain`` in the walk-around, kept on the vehicle)
    records its battery charge instead of the fuel level."""
    given = dict(walkaround or {})
    powertrain = given.pop("powertrain", None)
    if powertrain is not None and powertrain not in POWERTRAINS:
        raise ServiceError(_l("Choose how the car is powered."), field="powertrain")
    walk = _clean_walkaround({**given, "complaint": complaint})
    if not walk.get("complaint"):
        raise ServiceError(_l("Write down the customer's complaint in their own words."), field="complaint")
    if (powertrain if powertrain is not None else vehicle.powertrain) in CHARGED:
        if walk.get("battery_percent") is None:
            raise ServiceError(_l("Enter the battery charge in per cent (0 to 100)."), field="battery_percent")
    else:
        walk["battery_percent"] = None
    now = times.utcnow()
    with transaction():
        order = WorkOrder(number=next_number("WO"), customer=customer, vehicle=vehicle, advisor=advisor,
                          status="checked_in", opened_at=now, **walk)
        order.mileage = walk.get("mileage", vehicle.mileage)
        changelog.save(order)
        changelog.save(StatusChange(work_order=order, from_status="", to_status="checked_in",
                                    staff=staff or advisor, at=now))
        for job in jobs or []:
            add_job(order, **job)
        if order.mileage > (vehicle.mileage or 0):
            vehicle.mileage = order.mileage
            changelog.save(vehicle, fields=["mileage"])
        if powertrain is not None and powertrain != vehicle.powertrain:
            vehicle.powertrain = powertrain
            changelog.save(vehicle, fields=["powertrain"])
        if appointment is not None:
            appointment.status, appointment.work_order_id = "checked_in", order.id.hex
            changelog.save(appointment, fields=["status", "work_order_id"])
    return order


def update_walkaround(order: WorkOrder, **walk) -> WorkOrder:
    """Change the check-in record; only the fields that changed are recorded."""
    check_editable(order)
    clean = _clean_walkaround(walk)
    changelog.save_changes(order, clean)
    return order


def _after_priced_change(order: WorkOrder, staff=None, note: str = "") -> None:
    """A signed order whose priced lines changed waits for the customer (kiosk.services.estimate)."""
    estimate.await_customer(order, staff, note)


def add_job(order: WorkOrder, description: str = "", sold_hours=None, price=None, pay_type: str = "customer",
            operation: str = "", technician=None, *, package: str = "", staff=None) -> JobLine:
    """A labour line on the order. With a catalogue ``operation`` code, what is left empty is
    filled from the catalogue: its name, its standard hours, hours × the pay type's rate."""
    check_editable(order)
    if pay_type not in PAY_TYPES:
        raise ServiceError(_l("Choose who pays for this job."), field="pay_type")
    code = (operation or "").strip().upper()
    catalogue = labour.find_operation(code) if code else None
    # A description over the limit is refused with its message (kiosk.core.limits), never cut short.
    description = limits.check_text("description", (description or "").strip()) or (catalogue.name if catalogue else "")
    if not description:  # a code not in the catalogue needs the words too
        if code:
            raise ServiceError(_l("No labour operation %(code)s in the catalogue. Describe the job.", code=code),
                               field="description")
        raise ServiceError(_l("Describe the job."), field="description")
    hours = decimal_of(sold_hours, "sold_hours") if given(sold_hours) else (catalogue.hours if catalogue else Decimal(0))
    if given(price):
        amount = decimal_of(price, "price")
    else:
        amount = labour.price(catalogue, pay_type, hours) if catalogue else Decimal(0)
    with transaction():
        position = JobLine.select().where(JobLine.work_order == order).count() + 1
        job = JobLine(work_order=order, position=position, operation=code, description=description,
                      sold_hours=hours, price=amount, pay_type=pay_type, technician=technician, package=package)
        changelog.save(job)
        _after_priced_change(order, staff, description)
    return job


def update_job(job: JobLine, *, sold_hours=None, price=None, pay_type: str | None = None, staff=None) -> JobLine:
    """Change a job's hours, price or payer (after the signature it waits for the customer again)."""
    check_editable(job.work_order)
    values = {}
    if given(sold_hours):
        values["sold_hours"] = decimal_of(sold_hours, "sold_hours")
    if given(price):
        values["price"] = decimal_of(price, "price")
    if pay_type is not None:
        if pay_type not in PAY_TYPES:
            raise ServiceError(_l("Choose who pays for this job."), field="pay_type")
        values["pay_type"] = pay_type
    with transaction():
        if changelog.save_changes(job, values):
            _after_priced_change(job.work_order, staff, job.description)
    return job


def remove_job(job: JobLine, staff=None) -> None:
    """Tombstone a job line and its parts (nothing is hard-deleted across nodes)."""
    check_editable(job.work_order)
    with transaction():
        job.deleted = True
        changelog.save(job, fields=["deleted"])
        for line in live_part_lines(job.work_order):
            if line.job_id == job.id:
                remove_part_line(line, check=False)
        _after_priced_change(job.work_order, staff, job.description)


def add_part_line(order: WorkOrder, description: str = "", qty=1, unit_price=None, part_no: str = "",
                  pay_type: str = "customer", job=None, *, non_catalogue: bool = False, package: str = "",
                  staff=None) -> PartLine:
    """An estimated part on the order, from the parts catalogue (number, barcode or any code on
    it, or its exact name: its name and price are filled when left empty), or, said explicitly, a non-catalogue
    line with a name and a price. A part short in stock is marked to order and reaches the
    parts counter's ordering list."""
    check_editable(order)
    description, code = (description or "").strip(), (part_no or "").strip()
    if pay_type not in PAY_TYPES:
        raise ServiceError(_l("Choose who pays for this part."), field="pay_type")
    quantity = decimal_of(qty if given(qty) else 1, "qty")
    if quantity == 0:
        raise ServiceError(_l("The quantity must be more than zero."), field="qty")
    if job is not None and (job.work_order_id != order.id or job.deleted):
        raise ServiceError(_l("This job is not on work order %(number)s.", number=order.number), field="job")
    part = None
    if non_catalogue:
        if not description:
            raise ServiceError(_l("Name the part that is not in the catalogue."), field="description")
        if not given(unit_price):
            raise ServiceError(_l("Enter the price of the part that is not in the catalogue."), field="unit_price")
        price = decimal_of(unit_price, "unit_price")
    else:
        if not code:
            raise ServiceError(_l("Scan or type the part number, or add it as a part not in the catalogue."),
                               field="part_no")
        part = catalogue.find_part_by_code_or_name(code)
        if part is None:
            raise ServiceError(_l("Part %(code)s is not in the catalogue. Check the number, or add it as a part "
                                  "not in the catalogue with its name and price.", code=code.upper()),
                               field="part_no")
        description = description or part.name
        price = decimal_of(unit_price, "unit_price") if given(unit_price) else part.price
    short = part is not None and stock.on_hand(part) < quantity
    with transaction():
        line = PartLine(work_order=order, job=job, part_no=part.part_no if part else code.upper(),
                        description=description[:200], qty=quantity, unit_price=price, pay_type=pay_type,
                        non_catalogue=bool(non_catalogue), to_order=short, package=package)
        changelog.save(line)
        if short:
            _order_for(order, line, job, staff)
        _after_priced_change(order, staff, description)
    return line


def _order_for(order: WorkOrder, line: PartLine, job, staff) -> None:
    """A part short in stock: a request on the parts counter's ordering list (配件订购)."""
    changelog.save(PartsRequest(work_order=order, job=job, requested_by=staff, part_no=line.part_no,
                                description=line.description, qty=line.qty, part_line=line.id.hex,
                                requested_at=times.utcnow().replace(microsecond=0)))


def update_part_line(line: PartLine, *, qty=None, unit_price=None, pay_type: str | None = None,
                     staff=None) -> PartLine:
    """Change an estimated part's quantity, unit price or payer."""
    check_editable(line.work_order)
    values = {}
    if given(qty):
        values["qty"] = decimal_of(qty, "qty")
        if values["qty"] == 0:
            raise ServiceError(_l("The quantity must be more than zero."), field="qty")
    if given(unit_price):
        values["unit_price"] = decimal_of(unit_price, "unit_price")
    if pay_type is not None:
        if pay_type not in PAY_TYPES:
            raise ServiceError(_l("Choose who pays for this part."), field="pay_type")
        values["pay_type"] = pay_type
    with transaction():
        if changelog.save_changes(line, values):
            _after_priced_change(line.work_order, staff, line.description)
    return line


def remove_part_line(line: PartLine, *, check: bool = True, staff=None) -> None:
    """Tombstone an estimated part; a request ordered for it and not yet ordered is cancelled."""
    if check:
        check_editable(line.work_order)
    with transaction():
        line.deleted = True
        changelog.save(line, fields=["deleted"])
        for request in PartsRequest.select().where((PartsRequest.part_line == line.id.hex)
                                                   & (PartsRequest.status == "requested")):
            request.status = "cancelled"
            changelog.save(request, fields=["status"])
        if check:
            _after_priced_change(line.work_order, staff, line.description)


def set_promised(order: WorkOrder, promised_at: dt.datetime | None) -> WorkOrder:
    return update_walkaround(order, promised_at=promised_at)


def _open():
    """The condition of an open work order (before settlement, not deleted)."""
    return WorkOrder.status.in_(states.OPEN_STATUSES) & (WorkOrder.deleted == False)  # noqa: E712


def open_orders(limit: int = 200) -> list[WorkOrder]:
    """The open work orders, newest first, with their vehicle and customer (one query)."""
    return list(WorkOrder.select(WorkOrder, Vehicle, Customer).join(Vehicle).switch(WorkOrder).join(Customer)
                .where(_open()).order_by(WorkOrder.opened_at.desc()).limit(limit))


_BOARD = Prepared(lambda slot: (
    WorkOrder.select(WorkOrder.number, WorkOrder.status, WorkOrder.promised_at,
                     Vehicle.plate, Vehicle.model, fn.COUNT(SQL("*")).over().alias("total"))
    .join(Vehicle).where(_open()).order_by(WorkOrder.opened_at.desc()).limit(slot()).dicts()))


def open_orders_board(limit: int) -> tuple[list[dict], int]:
    """The newest ``limit`` open orders as plain values (number, status, promised_at,
    plate, model: what the desk's list shows) and how many are open in all.

    One query: the total rides along as a window count, and rows stay dicts,
    not three models each.
    """
    rows = _BOARD.rows(int(limit))
    return rows, (rows[0]["total"] if rows else 0)


@functools.lru_cache(maxsize=64)
def _open_orders_of(count: int) -> Prepared:
    """Open orders of ``count`` vehicles (one shape per length of the IN list), newest first."""
    return Prepared(lambda slot: (
        WorkOrder.select().where(_open() & WorkOrder.vehicle.in_([slot(WorkOrder.vehicle) for _ in range(count)]))
        .order_by(WorkOrder.opened_at.desc())))


def open_orders_of(vehicle_ids) -> dict:
    """Open work orders of these vehicles, newest first: ``{vehicle_id: [order, …]}`` in one query."""
    found: dict = {}
    ids = list(vehicle_ids)
    if ids:
        for order in _open_orders_of(len(ids)).rows(*ids):
            found.setdefault(order.vehicle_id, []).append(order)
    return found
