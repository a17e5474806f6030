"""Reminders: the next service by date or by the mileage the car's own history projects,
first service, the 三包 windows, insurance, declined work; worked as a list; consent."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.models import Appointment, Vehicle
from kiosk.services import consent, customers, reminder_work, reminders
from sync import changelog
from tests.support.care import customer_of, delivered


def _kinds(rows, vehicle):
    return sorted(r["kind"] for r in rows if r["vehicle"].id == vehicle.id)


def test_the_mileage_projected_from_two_readings_brings_the_service_forward(db):
    today = times.today()
    # 100 km a day: 20,000 km at a visit 60 days ago, 26,000 km at delivery yesterday.
    delivered(60, plate="沪C20001", phone="13700000001", mileage=20000)
    order = delivered(1, plate="沪C20001", phone="13700000001", mileage=26000,
                      next_service_date=today + dt.timedelta(days=180), next_service_mileage=30000)
    vehicle = Vehicle.get_by_id(order.vehicle_id)
    rows = reminders.readings([vehicle.id])[vehicle.id]
    assert reminders.km_per_day(rows) == pytest.approx(6000 / 59, rel=0.02)
    found = [r for r in reminders.due(today, 60) if r["kind"] == "maintenance"]
    assert len(found) == 1
    entry = found[0]
    # 4,000 km at ~100 km a day: about 40 days, long before the date (180 days).
    assert today + dt.timedelta(days=35) <= entry["due_date"] <= today + dt.timedelta(days=45)
    assert entry["own_pace"] and entry["due_mileage"] == 30000
    assert not [r for r in reminders.due(today, 20) if r["kind"] == "maintenance"]


def test_without_history_the_store_pace_is_used_and_the_date_can_come_first(db):
    today = times.today()
    delivered(1, plate="沪C20002", phone="13700000002", mileage=10000,
              next_service_date=today + dt.timedelta(days=30), next_service_mileage=15000)
    entry = [r for r in reminders.due(today, 60) if r["kind"] == "maintenance"][0]
    assert not entry["own_pace"]
    assert entry["due_date"] == today + dt.timedelta(days=30)  # 5,000 km at 40 a day is later


def test_first_service_warranty_and_insurance(db):
    today = times.today()
    customer = customers.find_or_create_customer("李女士", "13700000003")
    vehicle = customers.create_vehicle(customer, "沪C20003", model="大众 朗逸")
    changelog.save_changes(vehicle, {"sold_on": today - dt.timedelta(days=80), "sold_here": True,
                                     "insurance_until": today + dt.timedelta(days=20), "insurer": "平安"})
    rows = reminders.due(today, 14)
    assert _kinds(rows, vehicle) == ["first_service", "insurance"]
    old = customers.create_vehicle(customer, "沪C20004", model="大众 帕萨特")
    changelog.save_changes(old, {"sold_on": today - dt.timedelta(days=2 * 365 - 10)})
    warranty = [r for r in reminders.due(today, 0) if r["vehicle"].id == old.id]
    assert [(r["kind"], r["window"]) for r in warranty] == [("warranty", "sanbao")]


def test_declined_work_never_done_is_a_reminder(db):
    today = times.today()
    delivered(40, plate="沪C20005", phone="13700000005", declined="更换雨刮片")
    rows = [r for r in reminders.due(today, 0) if r["kind"] == "declined_work"]
    assert [r["job"].description for r in rows] == ["更换雨刮片"]


def test_the_list_is_worked_call_book_dismiss(db, make_staff):
    agent = make_staff("care")
    today = times.today()
    cars = []
    for n in range(3):
        order = delivered(1, plate=f"沪D3000{n}", phone=f"1360000000{n}",
                          next_service_date=today + dt.timedelta(days=5))
        cars.append(Vehicle.get_by_id(order.vehicle_id))
    open_keys = {r["key"]: r for r in reminders.due(today, 7)}
    first, second, third = (next(r for r in open_keys.values() if r["vehicle"].id == car.id) for car in cars)
    reminder_work.call(first, agent, "no_answer")
    assert first["key"] not in {r["key"] for r in reminders.due(today, 7)}
    assert first["key"] in {r["key"] for r in reminders.due(today + dt.timedelta(days=1), 7)}
    reminder_work.call(first, agent, "no_answer")
    reminder_work.call(first, agent, "no_answer")  # the store's three attempts: unreachable
    assert first["key"] not in {r["key"] for r in reminders.due(today + dt.timedelta(days=1), 7)}
    when = times.at_local(today + dt.timedelta(days=2), dt.time(10, 0))
    appointment = reminder_work.book(second["vehicle"], agent, when, reminder=second)
    assert Appointment.get_by_id(appointment.id).service == "定期保养"
    with pytest.raises(ServiceError):
        reminder_work.dismiss(third, agent, " ")
    reminder_work.dismiss(third, agent, "车已卖掉")
    left = {r["key"] for r in reminders.due(today, 7)}
    assert second["key"] not in left and third["key"] not in left


def test_withdrawing_consent_empties_the_lists(db, make_staff):
    today = times.today()
    order = delivered(3, next_service_date=today + dt.timedelta(days=3))
    assert [r for r in reminders.due(today, 7) if r["vehicle"].id == order.vehicle_id]
    consent.withdraw(customer_of(order), consent.SERVICE_CALLS, staff=make_staff("care"))
    assert not [r for r in reminders.due(today, 7) if r["vehicle"].id == order.vehicle_id]
