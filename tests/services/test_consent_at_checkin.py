"""Consent asked at check-in (reception): recorded through the care desk's one consent rule,
with when and how, and read by the care desk's call list."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.models import Consent, WorkOrder
from kiosk.services import appointments, consent, customers, followups
from tests.support.care import customer_of, delivered

WALKAROUND = {"mileage": "12000", "fuel_eighths": 4}


def test_a_walk_in_records_each_purpose_as_given_at_the_reception_desk(db, make_staff):
    advisor = make_staff("advisor", name="王顾问")
    new = {"name": "李四", "phone": "13987654321", "plate": "京C11111", "vin": "LFV2A21K1A3012345", "model": "捷达"}
    before = times.utcnow()
    order = appointments.check_in_walk_in(new=new, complaint="异响", walkaround=WALKAROUND, advisor=advisor,
                                          staff=advisor, consents=[consent.SERVICE_CALLS, consent.SHARE_OEM])
    known = consent.state(order.customer)
    assert {p for p, row in known.items() if row["granted"]} == {consent.SERVICE_CALLS, consent.SHARE_OEM}
    # Every purpose was asked, so each one is on record (declined ones too), with when, how and who.
    assert all(row["recorded"] and row["how"] == consent.AT_RECEPTION and row["at"] >= before
               and row["staff"].id == advisor.id for row in known.values())


def test_the_same_answers_at_the_next_visit_record_nothing_new(db, make_staff):
    advisor = make_staff("advisor")
    _, vehicle = customers.find_or_create("张三", "13812345678", "京A12345", "LSVAB4BG1DN123456", "帕萨特")
    appointments.check_in_walk_in(vehicle=vehicle, complaint="保养", walkaround=WALKAROUND, staff=advisor,
                                  consents=[consent.SERVICE_CALLS])
    assert Consent.select().count() == 4
    booked = appointments.book(vehicle.customer, vehicle, times.utcnow().replace(second=0, microsecond=0), "保养")
    appointments.check_in(booked, "", walkaround=WALKAROUND, staff=advisor,
                          consents=[consent.SERVICE_CALLS, consent.MARKETING])
    assert Consent.select().count() == 5  # only the changed answer: marketing now given
    assert consent.allows(vehicle.customer_id, consent.MARKETING)


def test_without_the_question_nothing_is_recorded(db):
    _, vehicle = customers.find_or_create("张三", "13812345678", "京A12345", "LSVAB4BG1DN123456", "帕萨特")
    appointments.check_in_walk_in(vehicle=vehicle, complaint="保养", walkaround=WALKAROUND)
    assert Consent.select().count() == 0


def test_an_unknown_purpose_refuses_the_whole_check_in(db):
    _, vehicle = customers.find_or_create("张三", "13812345678", "京A12345", "LSVAB4BG1DN123456", "帕萨特")
    with pytest.raises(ServiceError) as refused:
        appointments.check_in_walk_in(vehicle=vehicle, complaint="保养", walkaround=WALKAROUND,
                                      consents=["spam"])
    assert refused.value.field == "consents"
    assert WorkOrder.select().count() == 0 and Consent.select().count() == 0


def test_declining_calls_at_reception_takes_the_customer_off_the_care_desks_list(db, make_staff):
    order = delivered(3)
    today = times.today()
    assert order.number in [row["order"].number for row in followups.due_calls(today)]
    appointments.check_in_walk_in(vehicle=order.vehicle, complaint="又有异响", walkaround=WALKAROUND,
                                  staff=make_staff("advisor"), consents=[])
    assert not consent.allows(customer_of(order).id, consent.SERVICE_CALLS)
    assert order.number not in [row["order"].number for row in followups.due_calls(today + dt.timedelta(days=1))]
