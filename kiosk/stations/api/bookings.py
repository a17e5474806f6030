"""Bookings over the API: the booking page's door for an integration (an OEM's app,
the store's call centre), through the same services (customers.find_or_create with
the identifier rule, appointments.book)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.core.errors import NotFound
from kiosk.db import transaction
from kiosk.services import appointments, customers
from kiosk.services import staff as staff_service
from kiosk.stations.api import BadRequest, bp, confirmations, fields_under, json_object, member, text, warnings_json

# The booking service's field names → the names in the API body.
_FIELDS = {"scheduled_at": "at"}


def _advisor(body: dict):
    badge = text(body, "advisor", "advisor", required=False)
    if not badge:
        return None
    person = staff_service.find_by_badge(badge)
    if person is None:
        raise NotFound(_("No service advisor with this badge."), field="advisor")
    return person  # whether this person may take bookings: appointments.book


@bp.post("/appointments")
def book_appointment():
    """``{"customer": {"name", "phone", "landline"?}, "vehicle": {"plate", "vin", "model",
    "unusual_plate"?, "vin_confirmed"?}, "at": ISO time (the store's), "service", "advisor"?: badge}``
    → 201 the appointment; the customer's car is found again or created as at the desk."""
    body = json_object()
    customer = member(body, "customer", dict, "customer")
    vehicle = member(body, "vehicle", dict, "vehicle")
    confirm = confirmations(customer, vehicle)
    try:
        at = times.parse_local(text(body, "at", "at"))
    except ValueError:
        raise BadRequest(_("%(field)s must be an ISO 8601 time.", field="at"), field="at")
    with transaction():
        with fields_under("vehicle.", customer_fields="customer."):
            found = customers.find_or_create(
                text(customer, "name", "customer.name"), text(customer, "phone", "customer.phone"),
                text(vehicle, "plate", "vehicle.plate", required=False),
                text(vehicle, "vin", "vehicle.vin", required=False),
                text(vehicle, "model", "vehicle.model", required=False), confirm=confirm)
        with fields_under("", names=_FIELDS):
            booked = appointments.book(*found, at, text(body, "service", "service", required=False),
                                       advisor=_advisor(body))
    car = booked.vehicle
    return jsonify({"id": booked.id.hex, "at": times.isoformat(booked.scheduled_at), "service": booked.service,
                    "status": booked.status, "advisor": booked.advisor.badge if booked.advisor_id else None,
                    "customer": {"name": booked.customer.name, "phone": customers.mask_phone(booked.customer.phone)},
                    "vehicle": {"plate": car.plate, "vin": car.vin, "model": car.model},
                    "warnings": warnings_json(found)}), 201
