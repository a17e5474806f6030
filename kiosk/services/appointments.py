"""Appointments: book, list by day, check in (which opens the work order)."""
from __future__ import annotations

import datetime as dt
import functools

from kiosk.i18n import lazy_gettext as _l
from peewee import JOIN

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Appointment, Customer, Staff, Vehicle
from kiosk.services import checkin_record, consent, customers, workorders
from kiosk.core.errors import NotFound, ServiceError
from kiosk.core.prepared import Prepared
from sync import changelog


def check_time(scheduled_at) -> None:
    """An appointment needs a date and time, not in the past (an hour's grace for a late entry)."""
    if not isinstance(scheduled_at, dt.datetime):
        raise ServiceError(_l("Choose the date and time of the appointment."), field="scheduled_at")
    if scheduled_at < times.utcnow() - dt.timedelta(hours=1):
        raise ServiceError(_l("An appointment cannot be in the past."), field="scheduled_at")


def book(customer: Customer, vehicle: Vehicle, scheduled_at: dt.datetime, service: str,
         advisor: Staff | None = None) -> Appointment:
    """A booking; it goes to ``advisor`` only when that person is an active service advisor
    (the booking page's list and the API's badge alike)."""
    check_time(scheduled_at)
    if not (service or "").strip():
        raise ServiceError(_l("Write what service the customer asks for."), field="service")
    if advisor is not None and not (advisor.active and not advisor.deleted and advisor.has_role("advisor")):
        raise ServiceError(_l("No service advisor with this badge."), field="advisor")
    with transaction():
        appointment = Appointment(customer=customer, vehicle=vehicle, advisor=advisor,
                                  scheduled_at=scheduled_at, service=service.strip())
        changelog.save(appointment)
    return appointment


_BETWEEN = Prepared(lambda slot: (
    Appointment.select(Appointment, Customer, Vehicle, Staff).join(Customer)
    .switch(Appointment).join(Vehicle)
    .switch(Appointment).join(Staff, JOIN.LEFT_OUTER)
    .where((Appointment.scheduled_at >= slot(Appointment.scheduled_at))
           & (Appointment.scheduled_at < slot(Appointment.scheduled_at))
           & (Appointment.deleted == False))  # noqa: E712
    .order_by(Appointment.scheduled_at)))


def for_days(first: dt.date, days: int = 1) -> list[Appointment]:
    """The appointments from ``first`` on for ``days`` days, by time, with their
    customer, vehicle and advisor (one query: the lists show all three)."""
    return _BETWEEN.rows(*times.day_bounds(first, days))


def for_day(day: dt.date) -> list[Appointment]:
    """One day's appointments (see ``for_days``)."""
    return for_days(day, 1)


def get(appointment_id) -> Appointment:
    key = customers.parse_id(appointment_id)
    found = key and Appointment.get_or_none(Appointment.id == key)
    if found is None:
        raise NotFound(_l("This appointment does not exist."))
    return found


def check_in(appointment: Appointment, complaint: str, walkaround: dict | None = None, staff=None, *,
             photos=(), folder=None, consents=None):
    """The booked car arrived: open its work order from the appointment, with the walk-around
    ``photos`` (JPEG or PNG bytes, kept in ``folder``) and, when the customer was asked, the
    purposes they ``consents`` to (kiosk.services.consent). All of it or nothing."""
    if appointment.status != "booked":
        raise ServiceError(_l("This appointment was already checked in or cancelled."), status=409)
    with transaction():
        order = workorders.open_work_order(
            appointment.customer, appointment.vehicle, advisor=appointment.advisor or staff,
            complaint=complaint or appointment.service, walkaround=walkaround,
            appointment=appointment, staff=staff)
        _add_photos(order, photos, folder, staff)
        _record_consent(order.customer, consents, staff)
    return order


def _record_consent(customer: Customer, consents, staff) -> None:
    # None: nobody asked (an older client, the API without the field); a list, even empty, is the answer.
    if consents is not None:
        consent.answer(customer, consents, how=consent.AT_RECEPTION, staff=staff)


def _add_photos(order, photos, folder, staff) -> None:
    for content in photos:
        checkin_record.add_photo(order, content, folder, staff=staff)


def cancel(appointment: Appointment) -> Appointment:
    if appointment.status != "booked":
        raise ServiceError(_l("This appointment was already checked in or cancelled."), status=409)
    with transaction():
        appointment.status = "cancelled"
        changelog.save(appointment, fields=["status"])
    return appointment


def advisors() -> list[Staff]:
    """Active staff who hold the service-advisor role (whom a booking can go to)."""
    candidates = Staff.select().where((Staff.active == True) & (Staff.deleted == False)  # noqa: E712
                                      & Staff.roles.contains("advisor")).order_by(Staff.name)
    return [person for person in candidates if person.has_role("advisor")]


def _vehicle_and_owner(vehicle: Vehicle | None, new: dict | None) -> tuple[Customer, Vehicle]:
    """The chosen vehicle and its owner, or a new pair made from ``new`` (name, phone, plate, vin, model)."""
    if vehicle is None:
        if not new:
            raise ServiceError(_l("Find the vehicle, or enter the customer and vehicle."), field="plate")
        customer, vehicle = customers.find_or_create(**new)
        return customer, vehicle
    if vehicle.customer_id is None:
        raise ServiceError(_l("This vehicle has no owner on file."), field="vehicle_id")
    return vehicle.customer, vehicle


def book_visit(*, vehicle: Vehicle | None = None, new: dict | None = None,
               scheduled_at: dt.datetime | None = None, service: str = "",
               advisor: Staff | None = None) -> Appointment:
    """Book for a vehicle on file, or for a new customer and vehicle made on the spot.

    One transaction: a booking that fails (time in the past, no service) leaves
    no new customer or vehicle behind.
    """
    with transaction():
        customer, vehicle = _vehicle_and_owner(vehicle, new)
        return book(customer, vehicle, scheduled_at, service, advisor=advisor)


def check_in_walk_in(*, vehicle: Vehicle | None = None, new: dict | None = None, complaint: str = "",
                     walkaround: dict | None = None, advisor: Staff | None = None, staff=None, photos=(),
                     folder=None, consents=None):
    """A car without an appointment arrived: open its work order, creating the
    customer and vehicle first when they are new, with the walk-around ``photos`` and
    the customer's answers on consent (as ``check_in``). All of it or nothing."""
    with transaction():
        customer, vehicle = _vehicle_and_owner(vehicle, new)
        order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint=complaint,
                                           walkaround=walkaround, staff=staff)
        _add_photos(order, photos, folder, staff)
        _record_consent(customer, consents, staff)
    return order


def booked_for_vehicle(vehicle: Vehicle, day: dt.date) -> Appointment | None:
    """The vehicle's appointment on ``day`` that still waits for check-in, if any."""
    start, end = times.day_bounds(day)
    return (Appointment.select()
            .where((Appointment.vehicle == vehicle) & (Appointment.status == "booked")
                   & (Appointment.deleted == False)  # noqa: E712
                   & (Appointment.scheduled_at >= start)
                   & (Appointment.scheduled_at < end))
            .order_by(Appointment.scheduled_at).first())


@functools.lru_cache(maxsize=64)
def _booked_for(count: int) -> Prepared:
    """Booked appointments of ``count`` vehicles in a time range (one shape per length of the IN list)."""
    return Prepared(lambda slot: (
        Appointment.select()
        .where(Appointment.vehicle.in_([slot(Appointment.vehicle) for _ in range(count)])
               & (Appointment.status == "booked") & (Appointment.deleted == False)  # noqa: E712
               & (Appointment.scheduled_at >= slot(Appointment.scheduled_at))
               & (Appointment.scheduled_at < slot(Appointment.scheduled_at)))
        .order_by(Appointment.scheduled_at)))


def booked_for_vehicles(vehicle_ids, day: dt.date) -> dict:
    """``booked_for_vehicle`` for many vehicles in one query: ``{vehicle_id: appointment}``."""
    ids = list(vehicle_ids)
    if not ids:
        return {}
    found: dict = {}
    for appointment in _booked_for(len(ids)).rows(*ids, *times.day_bounds(day)):
        found.setdefault(appointment.vehicle_id, appointment)  # the earliest, as booked_for_vehicle
    return found
