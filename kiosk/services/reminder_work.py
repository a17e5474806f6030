"""Working the reminder list: call (outcome as for follow-ups), book an appointment in one
step, or dismiss with a reason. Each is a ``ReminderAction`` fact; a booking goes through
the appointments service in the same transaction."""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.core.errors import NotFound, ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Appointment, OutboxMessage, ReminderAction, Staff, Vehicle
from kiosk.services import appointments, messages, reminders
from kiosk.services.followups import OUTCOMES
from sync import changelog

KIND_LABELS = {"maintenance": _l("Maintenance due"), "first_service": _l("First service (首保)"),
               "warranty": _l("Warranty ends (三包)"), "insurance": _l("Insurance ends"),
               "declined_work": _l("Declined work")}
SERVICES = {"maintenance": "定期保养", "first_service": "首次保养", "warranty": "三包到期前检查",
            "insurance": "续保", "declined_work": "上次未做项目"}


def service_for(reminder: dict | None) -> str:
    """What the appointment is for, unless the agent writes it: declined work names its job."""
    if reminder is None:
        return ""
    job = reminder.get("job")
    return job.description if job is not None else SERVICES[reminder["kind"]]


def open_reminder(vehicle: Vehicle, key: str) -> dict:
    """The open reminder ``key`` of ``vehicle`` (404 when there is none: done, dismissed or unknown)."""
    found = reminders.find(vehicle, key)
    if found is None:
        raise NotFound(_l("This reminder is not open any more."))
    return found


def _fact(reminder: dict, staff: Staff | None, action: str, **values) -> ReminderAction:
    fact = ReminderAction(vehicle=reminder["vehicle"], key=reminder["key"], kind=reminder["kind"], action=action,
                          staff=staff, at=times.utcnow(), **values)
    changelog.save(fact)
    return fact


def call(reminder: dict, staff: Staff | None, outcome: str) -> ReminderAction:
    """A call about the reminder: no answer brings it back tomorrow, any other outcome ends it."""
    if outcome not in OUTCOMES:
        raise ServiceError(_l("Choose what came of the call."), field="outcome")
    with transaction():
        return _fact(reminder, staff, "called", outcome=outcome)


def dismiss(reminder: dict, staff: Staff | None, reason: str) -> ReminderAction:
    """Take the reminder off the list, saying why (sold the car, serviced elsewhere …)."""
    if not (reason or "").strip():
        raise ServiceError(_l("Say why the reminder is dismissed."), field="reason")
    with transaction():
        return _fact(reminder, staff, "dismissed", reason=reason.strip())


def book(vehicle: Vehicle, staff: Staff | None, scheduled_at: dt.datetime, service: str = "",
         advisor: Staff | None = None, reminder: dict | None = None) -> Appointment:
    """Book the car in (the appointments service) and close ``reminder`` if it came from one,
    in one step (also for a repeat fault a follow-up call found: no reminder)."""
    if vehicle.customer is None:
        raise ServiceError(_l("The vehicle has no customer on file."), status=409)
    default = service_for(reminder)
    with transaction():
        appointment = appointments.book(vehicle.customer, vehicle, scheduled_at, (service or "").strip() or default,
                                        advisor)
        if reminder is not None:
            _fact(reminder, staff, "booked", appointment_id=appointment.id.hex)
    return appointment


def text(reminder: dict, staff: Staff | None, channel: str = "sms") -> OutboxMessage:
    """Queue the reminder's text (its template, its date and mileage) in the outbox."""
    job = reminder.get("job")
    return messages.queue(reminder["kind"], reminder["customer"], reminder["vehicle"], channel=channel, staff=staff,
                          values={"date": reminder["due_date"].isoformat(), "mileage": reminder["due_mileage"] or "",
                                  "job": job.description if job is not None else ""})


def history(vehicle: Vehicle) -> list[ReminderAction]:
    """What was done about the vehicle's reminders, newest first."""
    return list(ReminderAction.select().where(ReminderAction.vehicle == vehicle).order_by(ReminderAction.at.desc()))
