"""Appointments: book, list by day, check in (which opens the work order)."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from kiosk.db import transaction
from kiosk.models import Appointment, Customer, Staff, Vehicle
from kiosk.services import workorders
from kiosk.services.errors import NotFound, ServiceError
from sync import changelog


def book(customer: Customer, vehicle: Vehicle, scheduled_at: dt.datetime, service: str,
         advisor: Staff | None = None) -> Appointment:
    if not isinstance(scheduled_at, dt.datetime):
        raise ServiceError(_l("Choose the date and time of the appointment."), field="scheduled_at")
    if scheduled_at < dt.datetime.now() - dt.timedelta(hours=1):
        raise ServiceError(_l("An appointment cannot be in the past."), field="scheduled_at")
    if not (service or "").strip():
        raise ServiceError(_l("Write what service the customer asks for."), field="service")
    with transaction():
        appointment = Appointment(customer=customer, vehicle=vehicle, advisor=advisor,
                                  scheduled_at=scheduled_at, service=service.strip())
        changelog.save(appointment)
    return appointment


def for_day(day: dt.date) -> list[Appointment]:
    start = dt.datetime.combine(day, dt.time.min)
    return list(Appointment.select(Appointment, Customer, Vehicle).join(Customer)
                .switch(Appointment).join(Vehicle)
                .where((Appointment.scheduled_at >= start)
                       & (Appointment.scheduled_at < start + dt.timedelta(days=1))
                       & (Appointment.deleted == False))  # noqa: E712
                .order_by(Appointment.scheduled_at))


def get(appointment_id) -> Appointment:
    found = Appointment.get_or_none(Appointment.id == appointment_id)
    if found is None:
        raise NotFound(_l("This appointment does not exist."))
    return found


def check_in(appointment: Appointment, complaint: str, walkaround: dict | None = None, staff=None):
    """The booked car arrived: open its work order from the appointment."""
    if appointment.status != "booked":
        raise ServiceError(_l("This appointment was already checked in or cancelled."), status=409)
    return workorders.open_work_order(
        appointment.customer, appointment.vehicle, advisor=appointment.advisor or staff,
        complaint=complaint or appointment.service, walkaround=walkaround,
        appointment=appointment, staff=staff)


def cancel(appointment: Appointment) -> Appointment:
    if appointment.status != "booked":
        raise ServiceError(_l("This appointment was already checked in or cancelled."), status=409)
    with transaction():
        appointment.status = "cancelled"
        changelog.save(appointment, fields=["status"])
    return appointment
