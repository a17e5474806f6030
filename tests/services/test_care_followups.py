"""Follow-up calls: scheduled from the delivery, retried the next day, finished after the
store's attempts; a low score or a repeat fault opens a complaint."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.models import Complaint, FollowUpCall, WorkOrder
from kiosk.services import care_settings, complaints, consent, followups
from tests.support.bay import make_order
from tests.support.care import customer_of, delivered


def _numbers(rows):
    return [r["order"].number for r in rows]


def test_a_call_is_due_the_store_days_after_delivery_oldest_first(db):
    today = times.today()
    older = delivered(5, plate="沪A10001", phone="13800000011")
    recent = delivered(3, plate="沪A10002", phone="13800000012")
    fresh = delivered(1, plate="沪A10003", phone="13800000013")
    due = followups.due_calls(today)
    assert _numbers(due)[:2] == [older.number, recent.number]
    assert fresh.number not in _numbers(due)
    assert fresh.number in _numbers(followups.due_calls(today + dt.timedelta(days=2)))
    care_settings.save({care_settings.FOLLOW_UP_DAYS: "1"})
    assert fresh.number in _numbers(followups.due_calls(today))


def test_an_unreached_call_comes_back_the_next_day_until_the_attempts_run_out(db, make_staff):
    agent = make_staff("care")
    order = delivered(4)
    today = times.today()
    tomorrow = today + dt.timedelta(days=1)
    for attempt in range(1, 4):
        followups.record(order, agent, "no_answer")
        assert order.number not in _numbers(followups.due_calls(today))
        row = [r for r in followups.due_calls(tomorrow) if r["order"].id == order.id]
        if attempt < 3:
            assert row and row[0]["attempts"] == attempt and row[0]["due"] == tomorrow
        else:
            assert not row  # three attempts: unreachable
    delivery = followups.delivery_of(order)
    calls = list(FollowUpCall.select().where(FollowUpCall.work_order == order))
    assert followups.progress(delivery, calls)["unreachable"]
    with pytest.raises(ServiceError) as refused:
        followups.record(order, agent, "no_answer")
    assert refused.value.status == 409


def test_a_reached_call_keeps_the_answers_and_finishes(db, make_staff):
    agent = make_staff("care")
    order = delivered(3)
    result = followups.record(order, agent, "reached", score=9, answers={"booking": 10, "price": "8"},
                              comment="很满意")
    assert result["complaint"] is None and not result["propose_appointment"]
    assert json.loads(result["call"].answers) == {"booking": 10, "price": 8}
    assert WorkOrder.get_by_id(order.id).status == "followed_up"
    assert order.number not in _numbers(followups.due_calls(times.today() + dt.timedelta(days=5)))
    assert followups.csi(times.today(), times.today())["csi"] == 90.0


def test_a_low_score_opens_a_follow_up_complaint(db, make_staff):
    agent = make_staff("care")
    order = delivered(3)
    result = followups.record(order, agent, "reached", score=6, comment="等了太久")
    complaint = result["complaint"]
    assert complaint is not None and complaint.channel == "follow_up" and complaint.work_order_id == order.id
    assert complaint.number.startswith("TS-R1-")
    assert complaints.state(complaint)["owner"].id == agent.id


def test_a_repeat_fault_opens_a_complaint_and_proposes_an_appointment(db, make_staff):
    agent = make_staff("care")
    order = delivered(3)
    result = followups.record(order, agent, "reached", score=9, repeat_fault=True)
    assert result["complaint"].category == "quality" and result["propose_appointment"]


def test_a_good_score_opens_nothing_and_bad_input_is_refused(db, make_staff):
    agent = make_staff("care")
    order = delivered(3)
    for bad in ({"score": None}, {"score": 11}, {"score": "x"}, {"score": True}):
        with pytest.raises(ServiceError):
            followups.record(order, agent, "reached", **bad)
    with pytest.raises(ServiceError):
        followups.record(order, agent, "maybe")
    followups.record(order, agent, "reached", score=7)
    assert Complaint.select().count() == 0


def test_an_order_not_delivered_has_no_call(db, make_staff):
    with pytest.raises(ServiceError) as refused:
        followups.record(make_order(), make_staff("care"), "no_answer")
    assert refused.value.status == 409


def test_do_not_call_keeps_a_customer_off_the_call_list(db, make_staff):
    order = delivered(3)
    assert order.number in _numbers(followups.due_calls(times.today()))
    consent.withdraw(customer_of(order), consent.SERVICE_CALLS, staff=make_staff("care"))
    assert order.number not in _numbers(followups.due_calls(times.today()))
