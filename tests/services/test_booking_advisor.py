"""A booking goes only to an active service advisor: the rule of appointments.book, whichever
door (the booking page's list, the API's badge) names the person."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.models import Appointment
from kiosk.services import appointments, customers


def _tomorrow_at_nine() -> dt.datetime:
    return times.at_local(times.today() + dt.timedelta(days=1), dt.time(9))


@pytest.mark.parametrize("who", ["technician", "inactive advisor"])
def test_a_booking_is_refused_for_anyone_but_an_active_advisor(db, make_staff, who):
    person = make_staff("technician" if who == "technician" else "advisor")
    if who == "inactive advisor":
        person.active = False
        person.save()
    found = customers.find_or_create("张三", "13812345678", "京A12345", "LSVAB4BG1DN123456", "帕萨特")
    with pytest.raises(ServiceError) as refused:
        appointments.book(*found, _tomorrow_at_nine(), "保养", advisor=person)
    assert refused.value.field == "advisor" and Appointment.select().count() == 0


def test_an_advisor_takes_the_booking(db, make_staff):
    advisor = make_staff("advisor")
    found = customers.find_or_create("张三", "13812345678", "京A12345", "LSVAB4BG1DN123456", "帕萨特")
    booked = appointments.book(*found, _tomorrow_at_nine(), "保养", advisor=advisor)
    assert booked.advisor_id == advisor.id
