"""Customers and vehicles: find them fast at the desk, create them on the spot."""
from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
import weakref

from kiosk.i18n import lazy_gettext as _l
from peewee import JOIN, OP, SQL, Expression, NodeList, Value

from kiosk.core import times
from kiosk.db import database, is_postgresql, transaction
from kiosk.models import Customer, Vehicle
from kiosk.core.errors import NotFound, ServiceError
from kiosk.core.prepared import Prepared
from kiosk.services import identifiers
from kiosk.services.identifiers import NONE, Confirmations, fold, normalize_plate
from sync import changelog


def normalize_phone(phone: str) -> str:
    """A phone's digits (and +) for searching and masking, +86 before a mobile dropped as the
    identifier rule stores it (kiosk.services.identifiers checks it)."""
    return identifiers.normalize_phone(re.sub(r"[^\d+]", "", fold(phone)))


def mask_phone(phone: str) -> str:
    """Shared screens show 138****5678."""
    digits = normalize_phone(phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


# What a phone search may contain: digits and the separators people type.
PHONE_TYPED_RE = re.compile(r"^\+?[\d\s\-]+$")
# The trigram index finds substrings of three characters or more.
INDEXED_MIN = 3
_search_index: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # database → bool


def _has_search_index() -> bool:
    """Whether the bound database has the trigram index of migration m0004 (SQLite with FTS5)."""
    db = database.obj
    if db not in _search_index:
        _search_index[db] = not is_postgresql(db) and "vehicle_search" in db.get_tables()
    return _search_index[db]


def _match(text: str) -> str:
    """``text`` as one FTS5 phrase (a substring for the trigram tokenizer)."""
    return '"' + text.replace('"', '""') + '"'


def _contains_pattern(text: str) -> str:
    """A LIKE pattern for "contains ``text``", its own % and _ taken literally (as Peewee's contains)."""
    return "%" + text.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"


def _contains(field, slot):
    """``field`` LIKE the slot's pattern (case-insensitive, ILIKE on PostgreSQL), with \\ as escape."""
    return Expression(field, OP.ILIKE, NodeList((slot(), SQL("ESCAPE"), Value("\\", converter=False))))


@functools.cache
def _search_query(by_phone: bool, indexed: bool) -> Prepared:
    """The search's SQL for each of its four shapes, built once (see kiosk.core.prepared).

    Slots: the plate/VIN pattern twice, the phone pattern (``by_phone``), the
    FTS5 query (``indexed``: candidates from the trigram index, checked again).
    """
    def build(slot):
        cond = _contains(Vehicle.plate, slot) | _contains(Vehicle.vin, slot)
        if by_phone:
            cond |= _contains(Customer.phone, slot)
        cond &= Vehicle.deleted == False  # noqa: E712
        if indexed:
            cond &= Vehicle.id.in_(NodeList((SQL("(SELECT vehicle_id FROM vehicle_search WHERE vehicle_search MATCH"),
                                             slot(), SQL(")")), glue=" "))
        return (Vehicle.select(Vehicle, Customer).join(Customer, JOIN.LEFT_OUTER)
                .where(cond).order_by(Vehicle.plate).limit(slot()))
    return Prepared(build)


def find_vehicles(query: str, limit: int = 20) -> list[Vehicle]:
    """Vehicles whose plate, VIN or owner's phone matches ``query`` (whole or in part).

    The owner's phone is searched when ``query`` looks like a phone number (digits,
    spaces, dashes): a plate like 京B0123 does not list owners whose phone holds 0123.
    With the trigram index (SQLite) the candidates come from it and the same
    conditions are checked again on the rows, so the answer is what a full scan
    would give; a query too short for it (one or two characters) scans.
    """
    text = (query or "").strip()
    if not text:
        return []
    plate = normalize_plate(text)
    phone = normalize_phone(text) if PHONE_TYPED_RE.match(text) else ""
    if len(phone) < 4:
        phone = ""
    indexed = len(plate) >= INDEXED_MIN and _has_search_index()
    values = [_contains_pattern(plate)] * 2
    if phone:
        values.append(_contains_pattern(phone))
    if indexed:
        values.append("{plate vin}: " + _match(plate) + (" OR {phone}: " + _match(phone) if phone else ""))
    return _search_query(bool(phone), indexed).rows(*values, limit)


def parse_id(value) -> uuid.UUID | None:
    """A row id from a URL or a form (hex text or UUID); None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value or "").strip())
    except ValueError:
        return None


def get_vehicle(vehicle_id) -> Vehicle:
    key = parse_id(vehicle_id)
    vehicle = key and Vehicle.get_or_none((Vehicle.id == key) & (Vehicle.deleted == False))  # noqa: E712
    if vehicle is None:
        raise NotFound(_l("This vehicle is not on file."))
    return vehicle


class Found(tuple):
    """``(customer, vehicle)`` as ``find_or_create`` found or made them, with ``warnings``:
    the identifier doubts the caller's door let through (kiosk.services.identifiers.Doubt)."""

    warnings: tuple = ()

    def __new__(cls, customer: Customer, vehicle: Vehicle, warnings=()):
        found = super().__new__(cls, (customer, vehicle))
        found.warnings = tuple(warnings)
        return found


def _check_customer(name: str, phone: str, confirm: Confirmations) -> tuple[str, str]:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_l("Enter the customer's name."), field="name")
    return name, identifiers.check_identifiers(phone=phone, confirm=confirm).phone


def _check_vehicle(plate: str, vin: str, confirm: Confirmations) -> identifiers.Checked:
    checked = identifiers.check_identifiers(plate=plate or "", vin=vin or "", confirm=confirm)
    if not checked.plate and not checked.vin:
        raise ServiceError(_l("Enter the plate or the VIN."), field="plate")
    return checked


def create_customer(name: str, phone: str, id_number: str = "", notes: str = "", *,
                    confirm: Confirmations = NONE) -> Customer:
    """A new customer; the phone must be a mobile (a landline when ``confirm.landline``)."""
    name, phone = _check_customer(name, phone, confirm)
    with transaction():
        customer = Customer(name=name, phone=phone, id_number=id_number.strip(), notes=notes)
        changelog.save(customer)
    return customer


def find_or_create_customer(name: str, phone: str, *, confirm: Confirmations = NONE) -> Customer:
    """The customer with this phone, or a new one (the desk never makes a duplicate by phone)."""
    name, phone = _check_customer(name, phone, confirm)
    existing = Customer.get_or_none(Customer.phone.in_(_stored_forms(phone)) & (Customer.deleted == False))  # noqa: E712
    return existing or create_customer(name, phone, confirm=confirm)


def _stored_forms(phone: str) -> list[str]:
    """The ways ``phone`` may be on file: as the rule stores it, and for a mobile as releases
    before the rule kept it, with the country code in front (+86…, 0086…, 86…)."""
    if not identifiers.MOBILE.match(phone):
        return [phone]
    return [phone, f"+86{phone}", f"0086{phone}", f"86{phone}"]


def create_vehicle(customer: Customer | None, plate: str, vin: str = "", model: str = "",
                   mileage: int = 0, color: str = "", warranty_until=None, *,
                   confirm: Confirmations = NONE) -> Vehicle:
    """A new vehicle; its plate and VIN pass the identifier rule with the person's ``confirm``."""
    checked = _check_vehicle(plate, vin, confirm)
    plate, vin = checked.plate, checked.vin
    if mileage is None or int(mileage) < 0:
        raise ServiceError(_l("Mileage cannot be negative."), field="mileage")
    duplicate = Vehicle.select().where(
        (Vehicle.deleted == False) & (  # noqa: E712
            ((Vehicle.plate == plate) & (Vehicle.plate != "")) | ((Vehicle.vin == vin) & (Vehicle.vin != ""))
        )
    ).first()
    if duplicate:
        raise ServiceError(_l("A vehicle with this plate or VIN is already on file."), field="plate",
                           status=409, detail={"vehicle": duplicate.id.hex})
    with transaction():
        vehicle = Vehicle(customer=customer, plate=plate, vin=vin, model=(model or "").strip(),
                          mileage=int(mileage), color=color, warranty_until=warranty_until)
        changelog.save(vehicle)
    return vehicle


def update_vehicle(vehicle: Vehicle, *, confirm: Confirmations = NONE, **changes) -> Vehicle:
    """Change some of a vehicle's fields; only the changed ones travel."""
    allowed = {"plate", "vin", "model", "color", "mileage", "warranty_until", "customer"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "plate" in changes or "vin" in changes:
        checked = _check_vehicle(changes.get("plate", vehicle.plate), changes.get("vin", vehicle.vin), confirm)
        changes["plate"], changes["vin"] = checked.plate, checked.vin
    changelog.save_changes(vehicle, changes)
    return vehicle


def find_or_create(name: str, phone: str, plate: str, vin: str = "", model: str = "",
                   mileage: int = 0, *, confirm: Confirmations = NONE) -> Found:
    """The customer and vehicle a check-in or a booking names: the one rule for
    the desk's new-customer form, the booking form and page, and the API.

    The phone, plate and VIN pass the identifier rule
    (``kiosk.services.identifiers.check_identifiers``) with the person's
    ``confirm``; the doubts the door lets through come back as ``warnings``.
    The customer is the one with this phone, or a new one. The vehicle is the
    customer's own car with this plate or VIN (a plate or VIN given must match
    it), or a new one of theirs. A plate or VIN on file as another car, or as
    another owner's, is a conflict (409, ``detail.vehicle``: the car on file):
    the person picks it from the search, or corrects what was typed.

    One transaction, so a refused vehicle does not leave a stray customer; a
    caller's outer transaction (check-in, booking) makes it part of its write.
    """
    checked = _check_vehicle(plate, vin, confirm)
    plate, vin = checked.plate, checked.vin
    with transaction():
        customer = find_or_create_customer(name, phone, confirm=confirm)
        on_file = list(Vehicle.select().where((Vehicle.deleted == False) & (  # noqa: E712
            ((Vehicle.plate == plate) & (Vehicle.plate != "")) | ((Vehicle.vin == vin) & (Vehicle.vin != "")))))
        if not on_file:
            return Found(customer, create_vehicle(customer, plate, vin, model, mileage, confirm=confirm),
                         checked.warnings)
        car = on_file[0]
        same = (len(on_file) == 1 and car.customer_id == customer.id
                and (not plate or car.plate == plate) and (not vin or not car.vin or car.vin == vin))
        if not same:
            raise ServiceError(_l("A vehicle with this plate or VIN is already on file."), field="plate",
                               status=409, detail={"vehicle": car.id.hex})
    return Found(customer, car, checked.warnings)


def warranty_active(vehicle: Vehicle | None, today: dt.date | None = None) -> bool:
    """Whether the vehicle's warranty still runs (it ends after ``warranty_until``)."""
    until = vehicle.warranty_until if vehicle is not None else None
    return bool(until) and until >= (today or times.today())
