"""Clocking on and off job lines: continuous clocking, team jobs, assignment rules,
order status moves, shift attendance, and kiosk clocks that jump."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.models import Attendance, ClockEvent, JobLine, Staff, WorkOrder
from kiosk.services import attendance, authorization, clock, clock_rules, customers, figures, workorders
from kiosk.services.errors import ServiceError

T0 = dt.datetime(2026, 11, 27, 9, 0)


def make_order(advisor=None, jobs=(("更换前刹车片", "1.0"), ("四轮定位", "0.8")), *, authorized=True,
               technician=None, plate="沪A12345"):
    """An order with ``jobs`` (description, hours); signed (authorized) unless told otherwise."""
    customer = customers.find_or_create_customer("张先生", "13800000001")
    vehicle = customers.create_vehicle(customer, plate, model="大众 帕萨特", mileage=30000)
    order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="刹车异响")
    for description, hours in jobs:
        workorders.add_job(order, description, hours, 300, technician=technician)
    if authorized:
        workorders.move(order, "diagnosis")
        workorders.move(order, "estimate")
        authorization.authorize(order, "0" * 64)
    return WorkOrder.get_by_id(order.id)


def jobs_of(order):
    return workorders.live_jobs(WorkOrder.get_by_id(order.id))


def fresh(row):
    return type(row).get_by_id(row.id)


@pytest.fixture
def tech(db, make_staff):
    return make_staff("technician", name="张伟", badge="TEC-9")


@pytest.fixture
def tech2(db, make_staff):
    return make_staff("technician", name="李军", badge="TEC-8")


def test_start_clocks_in_assigns_and_moves_the_order_to_in_repair(tech):
    order = make_order()
    job = jobs_of(order)[0]
    result = clock.clock_on(tech, job, terminal="bay-1", now=T0)
    assert result.clocked_in and result.assigned and not result.switched_from
    assert fresh(job).technician_id == tech.id and fresh(job).status == "in_progress"
    assert fresh(order).status == "in_repair"
    assert attendance.is_in(tech, T0)
    assert clock.running(tech).job_id == job.id
    # Starting it again is no second clock.
    assert clock.clock_on(tech, fresh(job), now=T0 + dt.timedelta(minutes=1)).already
    assert ClockEvent.select().count() == 1


def test_starting_another_job_ends_the_running_one(tech):
    first, second = jobs_of(make_order())
    clock.clock_on(tech, first, now=T0)
    result = clock.clock_on(tech, second, now=T0 + dt.timedelta(minutes=30))
    assert result.switched_from.id == first.id
    assert [c.job_id for c in clock.open_clocks_of_technician(tech)] == [second.id]
    off = ClockEvent.get((ClockEvent.job == first) & (ClockEvent.action == "off"))
    assert off.reason == "switch" and fresh(first).status == "paused"
    minutes = figures.clocked_minutes_by_job(first.work_order, T0 + dt.timedelta(minutes=45))
    assert minutes == {first.id: 30, second.id: 15}


def test_pause_with_reason_resume_and_finish_moves_the_order_to_qc(tech):
    order = make_order(jobs=(("更换前刹车片", "1.0"),))
    job = jobs_of(order)[0]
    clock.clock_on(tech, job, now=T0)
    with pytest.raises(ServiceError, match="Choose why"):
        clock.clock_off(tech, job, reason="pause", loss_reason="nap", now=T0)
    clock.clock_off(tech, job, reason="pause", loss_reason="parts", now=T0 + dt.timedelta(minutes=20))
    assert fresh(job).status == "paused" and fresh(order).status == "waiting_parts"
    clock.clock_on(tech, fresh(job), now=T0 + dt.timedelta(minutes=50))
    assert fresh(order).status == "in_repair"
    clock.clock_off(tech, fresh(job), reason="finish", now=T0 + dt.timedelta(minutes=70))
    assert fresh(job).status == "done" and fresh(order).status == "qc"
    assert clock.running(tech) is None
    assert figures.clocked_minutes_by_job(order, T0 + dt.timedelta(hours=3)) == {job.id: 40}
    with pytest.raises(ServiceError, match="has left the workshop"):
        clock.clock_on(tech, fresh(job), now=T0 + dt.timedelta(minutes=80))


def test_two_technicians_on_one_job_only_when_it_is_a_team_job(tech, tech2):
    order = make_order(jobs=(("前保险杠钣喷", "6.0"),))
    job = jobs_of(order)[0]
    clock.clock_on(tech, job, now=T0)
    clock_rules.set_rule("take_others", True)
    with pytest.raises(ServiceError, match="张伟 is clocked on this job now"):
        clock.clock_on(tech2, fresh(job), now=T0 + dt.timedelta(minutes=5))
    job = fresh(job)
    job.team = True
    job.save()
    clock.clock_on(tech2, job, now=T0 + dt.timedelta(minutes=5))
    assert {c.technician_id for c in clock.open_clocks_of_job(job)} == {tech.id, tech2.id}
    # Finishing a team job closes everybody's clock on it.
    clock.clock_off(tech2, fresh(job), reason="finish", now=T0 + dt.timedelta(minutes=65))
    assert clock.open_clocks_of_job(job) == []
    assert figures.clocked_minutes_by_job(order) == {job.id: 125}


def test_store_rules_decide_about_unassigned_jobs_and_jobs_of_others(tech, tech2):
    order = make_order(technician=None)
    first, second = jobs_of(order)
    clock_rules.set_rule("take_unassigned", False)
    with pytest.raises(ServiceError, match="no technician yet"):
        clock.clock_on(tech, first, now=T0)
    first.technician = tech2
    first.save()
    with pytest.raises(ServiceError, match="assigned to 李军"):
        clock.clock_on(tech, fresh(first), now=T0)
    clock_rules.set_rule("take_others", True)
    assert not clock.clock_on(tech, fresh(first), now=T0).assigned
    assert fresh(first).technician_id == tech2.id  # clocking does not take the job away
    assert ClockEvent.select().count() == 1
    assert clock_rules.all_rules() == {"take_unassigned": False, "take_others": True}


def test_orders_not_in_the_workshop_are_refused(tech, advisor):
    unsigned = make_order(authorized=False, plate="沪B11111")
    with pytest.raises(ServiceError, match="not authorized yet"):
        clock.clock_on(tech, jobs_of(unsigned)[0])
    cancelled = make_order(plate="沪B22222")
    workorders.move(cancelled, "cancelled")
    with pytest.raises(ServiceError, match="settled or cancelled"):
        clock.clock_on(tech, jobs_of(cancelled)[0])
    assert ClockEvent.select().count() == 0 and Attendance.select().count() == 0


def test_only_technicians_clock(make_staff):
    advisor = make_staff("advisor")
    with pytest.raises(ServiceError, match="Only technicians"):
        clock.clock_on(advisor, jobs_of(make_order())[0])


def test_a_kiosk_clock_that_jumps_back_never_makes_a_negative_interval(tech):
    job = jobs_of(make_order())[0]
    clock.clock_on(tech, job, now=T0)
    # The kiosk's clock now reads an hour earlier than when the job started.
    clock.clock_off(tech, fresh(job), reason="pause", loss_reason="break", now=T0 - dt.timedelta(hours=1))
    off = ClockEvent.get(ClockEvent.action == "off")
    assert off.at == T0 and off.flagged
    assert figures.clocked_minutes_by_job(job.work_order, T0 + dt.timedelta(hours=2)) == {job.id: 0}


def test_an_off_synced_before_its_on_counts_zero_and_is_flagged(tech):
    """Two kiosks' facts merged: the off's kiosk clock was behind the on's."""
    job = jobs_of(make_order())[0]
    on = ClockEvent(technician=tech, job=job, work_order=job.work_order_id, action="on", at=T0, hlc="2")
    off = ClockEvent(technician=tech, job=job, work_order=job.work_order_id, action="off", reason="pause",
                     loss_reason="break", at=T0 - dt.timedelta(minutes=10), hlc="3")
    on.save(force_insert=True)
    off.save(force_insert=True)
    spans = figures.intervals([on, off], T0 + dt.timedelta(hours=1))
    assert [(s.seconds, s.flagged) for s in spans] == [(0.0, True)]
    assert clock.running(tech) is None


def test_a_clock_event_in_the_future_is_not_undercut(tech):
    """An "on" stamped ahead by another kiosk: this kiosk's off lands at that time, flagged."""
    job = jobs_of(make_order())[0]
    clock.clock_on(tech, job, now=T0 + dt.timedelta(hours=2))
    clock.clock_off(tech, fresh(job), reason="stop", now=T0)
    assert [(e.action, e.at, e.flagged) for e in ClockEvent.select().order_by(ClockEvent.id)] == [
        ("on", T0 + dt.timedelta(hours=2), False), ("off", T0 + dt.timedelta(hours=2), True)]


def test_pausing_without_a_clock_and_stopping_nothing_are_clear(tech):
    job = jobs_of(make_order())[0]
    with pytest.raises(ServiceError, match="not clocked on this job"):
        clock.clock_off(tech, job, reason="pause", loss_reason="tool")
    with pytest.raises(ServiceError, match="No clock is running"):
        clock.clock_off(tech, reason="stop")
    assert clock.stop_running(tech) is None


def test_shift_attendance_is_apart_from_job_time(tech):
    job = jobs_of(make_order())[0]
    attendance.clock_in(tech, now=T0)
    with pytest.raises(ServiceError, match="already clocked in"):
        attendance.clock_in(tech, now=T0 + dt.timedelta(minutes=1))
    clock.clock_on(tech, job, now=T0 + dt.timedelta(minutes=10))
    assert Attendance.select().count() == 1  # already in: starting a job adds none
    attendance.clock_out(tech, now=T0 + dt.timedelta(hours=1))
    off = ClockEvent.get(ClockEvent.action == "off")
    assert off.reason == "shift_end" and clock.running(tech) is None
    assert attendance.minutes_present(tech, T0.date(), T0 + dt.timedelta(hours=5)) == 60
    with pytest.raises(ServiceError, match="not clocked in"):
        attendance.clock_out(tech, now=T0 + dt.timedelta(hours=2))


def test_a_store_setting_is_one_row_whatever_node_made_it(db):
    clock_rules.set_rule("take_others", True)
    clock_rules.set_rule("take_others", False)
    clock_rules.set_rule("take_others", False)
    from kiosk.models import StoreSetting

    assert [(r.id, r.value) for r in StoreSetting.select()] == [(clock_rules.setting_id("take_others"), "0")]
    with pytest.raises(ServiceError):
        clock_rules.set_rule("free_lunch", True)
    assert Staff.select().count() == 0
    assert JobLine.select().count() == 0


def test_a_double_tap_on_start_clocks_once(app, tech):
    """Two requests to start the same job at once (a double tap): one clock, the other finds it."""
    import threading

    from kiosk.db import connected

    job = jobs_of(make_order())[0]
    ready, results, errors = threading.Barrier(2), [], []

    def tap():
        try:
            with app.app_context(), connected():
                ready.wait()
                results.append(clock.clock_on(tech, job))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    taps = [threading.Thread(target=tap) for _ in range(2)]
    for t in taps:
        t.start()
    for t in taps:
        t.join()
    assert not errors
    assert sorted(r.already for r in results) == [False, True]
    assert ClockEvent.select().where(ClockEvent.action == "on").count() == 1
