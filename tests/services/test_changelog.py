"""The change log: every write records its event, in the same transaction."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Customer, Staff
from kiosk.services import appointments, authorization, customers, workorders
from kiosk.core.errors import ServiceError
from sync import changelog
from sync.tables import ChangeEvent
from sync.hlc import HybridClock, Timestamp
from sync.node import current_node
from tests.support.changes import assert_log_describes_db


@pytest.mark.postgres
def test_every_service_write_is_logged(db, make_staff):
    advisor = make_staff("advisor")
    customer = customers.create_customer("李雷", "13812345678")
    vehicle = customers.create_vehicle(customer, "京A12345", "LSVAA418XE2100001", "大众 帕萨特", 1200)
    customers.update_vehicle(vehicle, color="白")
    booked = appointments.book(customer, vehicle, times.utcnow() + dt.timedelta(hours=2), "保养", advisor)
    order = appointments.check_in(booked, "异响", {"mileage": 1500, "damage": [{"x": 10, "y": 20, "kind": "dent"}]})
    job = workorders.add_job(order, "更换机油", "0.5", "120")
    workorders.add_part_line(order, "机油滤清器", 1, "45.5", part_no="06L115562", non_catalogue=True)
    workorders.update_walkaround(order, belongings="雨伞", fuel_eighths=6)
    workorders.remove_job(job)
    workorders.add_job(order, "四轮定位", 1, 200)
    authorization.authorize(order, "ab" * 32, staff=advisor)
    workorders.move(order, "in_repair", advisor)
    appointments.cancel(appointments.book(customer, vehicle, times.utcnow() + dt.timedelta(days=1), "洗车"))
    assert_log_describes_db()


@pytest.mark.postgres
def test_updates_carry_only_changed_fields(db):
    customer = customers.create_customer("韩梅梅", "13900001111")
    vehicle = customers.create_vehicle(customer, "沪B54321")
    customers.update_vehicle(vehicle, mileage=5000)
    last = ChangeEvent.select().order_by(ChangeEvent.seq.desc()).first()
    assert last.op == "update" and last.data == {"mileage": 5000}


@pytest.mark.postgres
def test_events_number_per_node_without_gaps(db):
    for i in range(5):
        customers.create_customer(f"客户{i}", f"1380000000{i}")
    seqs = [e.origin_seq for e in ChangeEvent.select().order_by(ChangeEvent.seq)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert {e.origin_node for e in ChangeEvent.select()} == {current_node().node_id}


@pytest.mark.postgres
def test_failed_write_leaves_neither_row_nor_event(db):
    before = (Customer.select().count(), ChangeEvent.select().count())
    with pytest.raises(ServiceError):
        with transaction():
            customers.create_customer("张三", "13800000000")
            customers.create_vehicle(None, "", "")  # no plate, no VIN: refused
    assert (Customer.select().count(), ChangeEvent.select().count()) == before


@pytest.mark.postgres
def test_facts_are_append_only(db):
    customer = customers.create_customer("赵六", "13700000000")
    vehicle = customers.create_vehicle(customer, "粤C11111")
    order = workorders.open_work_order(customer, vehicle, complaint="刹车软")
    fact = order.status_changes.get()
    with pytest.raises(ValueError):
        with transaction():
            changelog.save(fact)


def test_hlc_orders_events_even_when_the_wall_clock_goes_back():
    times = iter([1000, 1000, 900, 2000])
    clock = HybridClock("n1", wall=lambda: next(times))
    stamps = [clock.now() for _ in range(4)]
    assert stamps == sorted(stamps)
    assert [str(s) for s in stamps] == sorted(str(s) for s in stamps)
    assert stamps[2].wall_ms == 1000 and stamps[2].counter == 2


def test_hlc_moves_past_a_remote_stamp():
    clock = HybridClock("n1", wall=lambda: 1000)
    seen = clock.observe(Timestamp(5000, 3, "n2"))
    assert seen > Timestamp(5000, 3, "n2") and clock.now() > seen
    assert Timestamp.parse(str(seen)) == seen


@pytest.mark.postgres
def test_staff_is_a_record_with_hashed_pin(db, make_staff):
    person = make_staff("technician", pin="9753")
    stored = Staff.get_by_id(person.id)
    assert stored.pin_hash.startswith("$argon2") and "9753" not in stored.pin_hash
    payload = ChangeEvent.get(ChangeEvent.row_id == person.id.hex).payload
    assert "9753" not in payload
