"""Bookings over the API (POST /api/v1/appointments): the booking page's services for an
integration, what a good call books and what a bad one says (and that it writes nothing)."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.db import connected
from kiosk.models import Appointment, Customer, Vehicle

BODY = {"customer": {"name": "周女士", "phone": "139 1234 5678"},
        "vehicle": {"plate": "浙A·12345", "vin": "LSVAB4BG1DN123456", "model": "大众 途观L"},
        "service": "常规保养 20000km"}


def _day(days: int) -> str:
    """The store's date ``days`` from today, asked when the test runs."""
    return (times.today() + dt.timedelta(days=days)).isoformat()


def _rows(app) -> tuple:
    with app.app_context(), connected():
        return Customer.select().count(), Vehicle.select().count(), Appointment.select().count()


def test_a_booking_finds_the_customers_car_again_and_names_its_advisor(app, api, make_staff):
    make_staff("advisor", name="王顾问", badge="ADV-701")
    first = api("post", "/appointments", json={**BODY, "at": f"{_day(1)}T09:30", "advisor": "ADV-701"})
    assert first.status_code == 201, first.json
    answer = first.json
    assert answer["at"].startswith(f"{_day(1)}T09:30") and answer["status"] == "booked"
    assert answer["advisor"] == "ADV-701" and answer["warnings"] == []
    assert answer["vehicle"] == {"plate": "浙A12345", "vin": "LSVAB4BG1DN123456", "model": "大众 途观L"}
    assert answer["customer"] == {"name": "周女士", "phone": "139****5678"}
    again = api("post", "/appointments", json={**BODY, "at": f"{_day(2)}T14:00"})
    assert again.status_code == 201 and again.json["advisor"] is None
    assert _rows(app) == (1, 1, 2)  # the same customer and car, booked twice


@pytest.mark.parametrize("changes, status, field", [
    ({"at": "yesterday"}, 400, "at"),
    ({"at": "2020-01-01T09:00"}, 400, "at"),  # in the past
    ({"service": " "}, 400, "service"),
    ({"advisor": "NOBODY"}, 404, "advisor"),
    ({"customer": {"name": "周女士"}}, 400, "customer.phone"),
    ({"customer": {"name": "", "phone": "13912345678"}}, 400, "customer.name"),
    ({"vehicle": {"plate": "", "vin": ""}}, 400, "vehicle.plate"),
    ({"vehicle": {"plate": "浙A12345", "unusual_plate": "yes"}}, 400, "vehicle.unusual_plate"),
    ({"customer": {"name": "周女士", "phone": "0571-8765 4321", "landline": 1}}, 400, "customer.landline"),
    ({"vehicle": "浙A12345"}, 400, "vehicle"),
])
def test_a_bad_booking_says_which_field_and_writes_nothing(app, api, make_staff, changes, status, field):
    make_staff("technician", badge="TEC-701")  # on the staff, but not an advisor
    answer = api("post", "/appointments", json={**BODY, "at": f"{_day(1)}T09:30", **changes})
    assert answer.status_code == status, answer.json
    assert answer.json["detail"]["field"] == field and answer.json["detail"]["message"]
    assert _rows(app) == (0, 0, 0)


def test_only_an_advisor_takes_a_booking(app, api, make_staff):
    # The rule is appointments.book's (tests/services/test_booking_advisor.py).
    make_staff("technician", badge="TEC-702")
    answer = api("post", "/appointments", json={**BODY, "at": f"{_day(1)}T09:30", "advisor": "TEC-702"})
    assert answer.status_code == 400 and answer.json["detail"]["field"] == "advisor"
    assert _rows(app) == (0, 0, 0)
