"""Figures from clock facts: pairing (with the odd data merged kiosks leave), clocked
minutes per job, a technician's day (efficiency, loss by reason, idle), first-time fix."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from kiosk.db import transaction
from kiosk.models import ClockEvent, QcCheck
from kiosk.services import figures
from kiosk.services import staff as staff_service
from sync import changelog
from tests.support.workshop import at, attend, clock, make_order

DAY = dt.date(2026, 11, 27)
LATE = at(23, 0)


@pytest.fixture
def shop(db):
    tech = staff_service.create_staff("张师傅", "TEC-101", ["technician"], "2221")
    mate = staff_service.create_staff("李师傅", "TEC-102", ["technician"], "2222")
    order = make_order([("更换机油机滤", 1.0), ("检查刹车", 2.0)])
    jobs = list(order.jobs.order_by("position"))
    return tech, mate, order, jobs


def pairs(events, now=LATE):
    return [(i.start, i.end, i.open, i.flagged, i.problem) for i in figures.intervals(events, now)]


def test_on_off_pairs_into_one_interval_per_job(shop):
    tech, _, order, (oil, brakes) = shop
    clock(tech, oil, "on", at(9))
    clock(tech, oil, "off", at(9, 45), reason="switch")
    clock(tech, brakes, "on", at(9, 45))
    clock(tech, brakes, "off", at(10, 30), reason="finish")
    found = figures.intervals(ClockEvent.select(), LATE)
    assert [(i.job_id, i.minutes, i.end_reason, i.flagged) for i in found] == [
        (oil.id, 45, "switch", False), (brakes.id, 45, "finish", False)]
    assert figures.clocked_minutes_by_job(order, LATE) == {oil.id: 45, brakes.id: 45}


def test_a_running_clock_counts_up_to_now_and_is_open(shop):
    tech, _, order, (oil, _) = shop
    clock(tech, oil, "on", at(9))
    assert pairs(ClockEvent.select(), at(9, 20)) == [(at(9), at(9, 20), True, False, "")]
    assert figures.clocked_minutes_of_job(oil, at(9, 20)) == 20


def test_two_ons_keep_the_first_and_are_flagged(shop):
    tech, _, _, (oil, _) = shop
    clock(tech, oil, "on", at(9), terminal="bay-1")
    clock(tech, oil, "on", at(9, 10), terminal="bay-2")  # two kiosks, offline, same job
    clock(tech, oil, "off", at(10), reason="finish")
    assert pairs(ClockEvent.select()) == [(at(9), at(10), False, True, "two_ons")]


def test_an_off_without_an_on_is_zero_minutes_and_flagged(shop):
    tech, _, order, (oil, _) = shop
    clock(tech, oil, "off", at(9), reason="pause", loss="parts")
    assert pairs(ClockEvent.select()) == [(at(9), at(9), False, True, "off_without_on")]
    assert figures.clocked_minutes_by_job(order, LATE) == {oil.id: 0}


def test_an_off_earlier_than_its_on_never_counts_negative(shop):
    """Clocked on at a kiosk whose clock is right, off at one 20 minutes behind."""
    tech, _, order, (oil, _) = shop
    clock(tech, oil, "on", at(10))
    clock(tech, oil, "off", at(9, 40), reason="finish", terminal="slow-kiosk")
    found = figures.intervals(ClockEvent.select(), LATE)
    assert [(i.start, i.end, i.minutes, i.open, i.flagged, i.problem) for i in found] == [
        (at(10), at(10), 0, False, True, "clock_jump")]
    assert figures.clocked_minutes_by_job(order, LATE) == {oil.id: 0}


def test_team_members_are_paired_separately(shop):
    tech, mate, order, (oil, _) = shop
    clock(tech, oil, "on", at(9))
    clock(mate, oil, "on", at(9, 30))
    clock(tech, oil, "off", at(10), reason="finish")
    clock(mate, oil, "off", at(10), reason="stop")
    assert figures.clocked_minutes_by_job(order, LATE) == {oil.id: 90}


def test_technician_day_efficiency_and_loss_by_reason(shop):
    tech, _, _, (oil, brakes) = shop
    attend(tech, "in", at(8))
    clock(tech, oil, "on", at(8, 30))
    clock(tech, oil, "off", at(9), reason="pause", loss="parts")  # waits 30 min for parts
    clock(tech, oil, "on", at(9, 30))
    clock(tech, oil, "off", at(10), reason="finish")  # 1 h clocked, 1.0 sold
    clock(tech, brakes, "on", at(10))
    clock(tech, brakes, "off", at(11), reason="pause", loss="break")  # 15 min break
    clock(tech, brakes, "on", at(11, 15))
    clock(tech, brakes, "off", at(12), reason="finish")  # 1 h 45 clocked, 2.0 sold
    attend(tech, "out", at(12, 30))
    day = figures.technician_day(tech, DAY, now=LATE)
    assert day["clocked_minutes"] == 165
    assert day["clocked_hours"] == Decimal("2.75")
    assert day["sold_hours"] == Decimal("3.00")
    assert day["efficiency"] == pytest.approx(3 / 2.75, abs=0.001)
    assert day["loss_minutes"] == {"parts": 30, "authorization": 0, "break": 15, "tool": 0, "other": 0}
    assert day["attended_minutes"] == 270
    assert day["idle_minutes"] == 270 - 165 - 45  # 8:00-8:30 and 12:00-12:30


def test_a_pause_never_resumed_counts_only_within_the_shift(shop):
    tech, _, _, (oil, _) = shop
    attend(tech, "in", at(8))
    clock(tech, oil, "on", at(8))
    clock(tech, oil, "off", at(16), reason="pause", loss="authorization")
    attend(tech, "out", at(17))
    day = figures.technician_day(tech, DAY, now=LATE)
    assert day["loss_minutes"]["authorization"] == 60
    assert day["sold_hours"] == Decimal("0.00") and day["idle_minutes"] == 0


def test_sold_hours_are_shared_by_clocked_time_and_counted_once(shop):
    tech, mate, _, (_, brakes) = shop  # brakes sold 2.0 h
    clock(tech, brakes, "on", at(9))
    clock(mate, brakes, "on", at(9))
    clock(mate, brakes, "off", at(9, 30), reason="stop")
    clock(tech, brakes, "off", at(10, 30), reason="finish")  # tech 90 min, mate 30 min
    assert figures.technician_day(tech, DAY, now=LATE)["sold_hours"] == Decimal("1.50")
    assert figures.technician_day(mate, DAY, now=LATE)["sold_hours"] == Decimal("0.50")
    # Rework the next day: more clock, no more sold hours (it counts against efficiency).
    next_day = DAY + dt.timedelta(days=1)
    clock(tech, brakes, "on", at(9, day=next_day))
    clock(tech, brakes, "off", at(10, day=next_day), reason="finish")
    later = figures.technician_day(tech, next_day, now=at(23, day=next_day))
    assert later["sold_hours"] == Decimal("0.00") and later["clocked_minutes"] == 60
    assert later["efficiency"] == 0
    assert figures.technician_day(tech, DAY, now=LATE)["sold_hours"] == Decimal("1.50")


def test_a_clock_over_midnight_is_cut_at_the_day(shop):
    tech, _, _, (oil, _) = shop
    clock(tech, oil, "on", at(22))
    clock(tech, oil, "off", at(2, day=DAY + dt.timedelta(days=1)), reason="stop")
    assert figures.technician_day(tech, DAY, now=LATE + dt.timedelta(days=2))["clocked_minutes"] == 120
    assert figures.technician_day(tech, DAY + dt.timedelta(days=1), now=LATE + dt.timedelta(days=2))[
        "clocked_minutes"] == 120


def test_an_empty_day_has_no_efficiency(shop):
    tech = shop[0]
    day = figures.technician_day(tech, DAY, now=LATE)
    assert day["clocked_minutes"] == 0 and day["efficiency"] is None and day["idle_minutes"] == 0


def qc(order, passed, when, rework=()):
    with transaction():
        changelog.save(QcCheck(work_order=order, passed=passed, at=when,
                               rework_jobs=json.dumps([j.id.hex for j in rework])))


def test_first_time_fix_counts_orders_without_rework(shop):
    _, _, first, (oil, brakes) = shop
    second, third = make_order(), make_order()
    qc(first, True, at(15))
    qc(second, False, at(11), rework=list(second.jobs))
    qc(second, True, at(16))
    qc(third, False, at(17))  # not through QC yet
    ftf = figures.first_time_fix(DAY, DAY)
    assert ftf == {"through": 2, "first_time": 1, "rate": 0.5, "reworks": 1}
    assert figures.first_time_fix(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1))["rate"] is None
