"""Complaints: deadlines from the store's settings, overdue, the action log, closing only
after the customer's agreement, reopening with the history kept, the complaint rate."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import care_settings, complaints
from tests.support.care import delivered


def test_deadlines_come_from_the_store_settings(db, make_staff):
    agent = make_staff("care")
    complaint = complaints.open_complaint(agent, channel="phone", category="price", text="收费太贵")
    assert complaint.respond_by - complaint.opened_at == dt.timedelta(hours=24)
    assert complaint.resolve_by - complaint.opened_at == dt.timedelta(days=7)
    care_settings.save({care_settings.RESPOND_HOURS: "4", care_settings.RESOLVE_DAYS: "3"})
    later = complaints.open_complaint(agent, channel="online", category="time", text="等太久")
    assert later.respond_by - later.opened_at == dt.timedelta(hours=4)
    assert later.resolve_by - later.opened_at == dt.timedelta(days=3)


def test_overdue_without_a_first_response_then_by_the_resolution_deadline(db, make_staff):
    agent = make_staff("care")
    opened = times.utcnow() - dt.timedelta(hours=30)
    complaint = complaints.open_complaint(agent, channel="phone", category="attitude", text="态度差", now=opened)
    known = complaints.state(complaint)
    assert known["overdue"] and known["late_response"] and not known["late_resolution"]
    assert [r["complaint"].number for r in complaints.listing("overdue")] == [complaint.number]
    complaints.act(complaint, agent, "called", text="已致电客户道歉")
    assert not complaints.state(complaint)["overdue"]
    eight_days = times.utcnow() + dt.timedelta(days=8)
    assert complaints.state(complaint, now=eight_days)["late_resolution"]


def test_close_needs_the_customers_agreement_and_reopen_keeps_history(db, make_staff):
    agent, manager = make_staff("care"), make_staff("manager")
    complaint = complaints.open_complaint(agent, channel="in_person", category="quality", text="刹车还响",
                                          work_order=delivered(2))
    with pytest.raises(ServiceError) as refused:
        complaints.act(complaint, agent, "close")
    assert refused.value.status == 409
    complaints.act(complaint, agent, "assign", to=manager)
    assert complaints.state(complaint)["owner"].id == manager.id
    complaints.act(complaint, manager, "root_cause", text="刹车片装配不到位")
    complaints.act(complaint, manager, "compensation", text="免费返工并赠送保养", amount=Decimal("200"))
    complaints.act(complaint, manager, "resolve", text="客户同意返工方案")
    complaints.act(complaint, manager, "close")
    assert complaints.state(complaint)["status"] == "closed"
    with pytest.raises(ServiceError):
        complaints.act(complaint, manager, "note", text="再加一句")
    complaints.act(complaint, agent, "reopen", text="客户来电说又响了")
    assert complaints.state(complaint)["status"] == "open"
    assert [e.action for e in complaints.events(complaint)] == [
        "assign", "assign", "root_cause", "compensation", "resolve", "close", "reopen"]


def test_bad_input_is_refused_by_field(db, make_staff):
    agent = make_staff("care")
    for bad, field in (({"channel": "fax"}, "channel"), ({"category": "weather"}, "category"), ({"text": " "}, "text")):
        values = {"channel": "phone", "category": "price", "text": "贵", **bad}
        with pytest.raises(ServiceError) as refused:
            complaints.open_complaint(agent, **values)
        assert refused.value.field == field
    complaint = complaints.open_complaint(agent, channel="phone", category="price", text="贵")
    with pytest.raises(ServiceError):
        complaints.act(complaint, agent, "assign")
    with pytest.raises(ServiceError):
        complaints.act(complaint, agent, "dance", text="x")


def test_the_complaint_rate_is_complaints_over_deliveries(db, make_staff):
    agent = make_staff("care")
    today = times.today()
    assert complaints.rate(today, today)["rate"] is None
    for n in range(4):
        delivered(0, plate=f"沪B1000{n}", phone=f"1390000000{n}")
    complaints.open_complaint(agent, channel="phone", category="price", text="贵")
    figure = complaints.rate(today - dt.timedelta(days=1), today)
    assert (figure["complaints"], figure["delivered"], figure["rate"]) == (1, 4, 0.25)
