"""Work orders (维修委托书): open, edit job and part lines (kiosk.services.order_edits),
authorize, move through the chain (kiosk.services.order_status).

Every function here is one transaction that also records its change events;
the reception pages, the JSON API and (later) scans and sync all call these.
"""
from __future__ import annotations

import datetime as dt
import functools
import json

from kiosk.i18n import lazy_gettext as _l
from peewee import JOIN, SQL, fn

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Customer, Staff, StatusChange, Vehicle, WorkOrder
from kiosk.core import status as states
from kiosk.core.errors import NotFound, ServiceError
from kiosk.services.numbers import next_number
from kiosk.services.order_lines import (  # noqa: F401  (the lines' reading side: public here too)
    PAY_TYPES, check_editable, decimal_of, get_job, get_part_line, given, is_editable, live_jobs,
    live_part_lines, totals,
)
from kiosk.services.order_edits import (  # noqa: F401  (the line edits: public here too)
    add_job, add_part_line, remove_job, remove_part_line, update_job, update_part_line,
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
