"""The care desk's pages (Flask test client): the call list and a call, complaints, reminders,
booking, consent, the audited unmask, the outbox export, settings, and intake at any station."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.db import connected
from kiosk.models import Appointment, Complaint, OutboxMessage, PhoneUnmask, Vehicle
from kiosk.services import complaints, consent, reminders
from tests.support.care import customer_of, delivered


@pytest.fixture
def agent(make_staff, login):
    return login(make_staff("care", name="冯静", badge="CRE-001"))


@pytest.fixture
def order(app):
    with app.app_context(), connected():
        today = times.today()
        return delivered(3, next_service_date=today + dt.timedelta(days=3))


def test_the_desk_lists_todays_calls_with_masked_phones(client, agent, order):
    page = client.get("/care/").get_data(as_text=True)
    assert order.number in page and "138****0001" in page and "13800000001" not in page
    assert client.get("/care/?due=never").status_code == 400


def test_a_low_score_call_opens_a_complaint_and_lands_on_it(app, client, agent, order):
    response = client.post(f"/care/follow-ups/{order.number}",
                           data={"outcome": "reached", "score": "4", "part-repair": "3", "comment": "没修好"})
    assert response.status_code == 302 and "/care/complaints/TS-" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "没修好" in page
    assert client.post(f"/care/follow-ups/{order.number}", data={"outcome": "no_answer"}).status_code == 409


def test_a_call_without_a_score_is_refused_with_the_form_kept(client, agent, order):
    response = client.post(f"/care/follow-ups/{order.number}", data={"outcome": "reached", "comment": "还行"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ask the overall score" in page and "还行" in page


def test_a_complaint_is_worked_to_the_customers_agreement(app, client, agent, order):
    with app.app_context(), connected():
        number = complaints.open_complaint(None, channel="phone", category="time", text="等太久", work_order=order).number
    url = f"/care/complaints/{number}/events"
    assert client.post(url, data={"action": "assign", "to": "CRE-001"}).status_code == 302
    assert client.post(url, data={"action": "close"}).status_code == 409
    assert client.post(url, data={"action": "called", "text": ""}).status_code == 400
    assert client.post(url, data={"action": "compensation", "text": "赠送洗车", "amount": "abc"}).status_code == 400
    assert client.post(url, data={"action": "resolve", "text": "客户接受"}).status_code == 302
    assert client.post(url, data={"action": "close"}).status_code == 302
    assert "Case closed" in client.get(f"/care/complaints/{number}").get_data(as_text=True)
    assert number in client.get("/care/complaints?status=closed").get_data(as_text=True)


def test_overdue_complaints_are_red(app, client, agent):
    with app.app_context(), connected():
        late = complaints.open_complaint(None, channel="phone", category="price", text="贵",
                                         now=times.utcnow() - dt.timedelta(days=2)).number
    page = client.get("/care/complaints").get_data(as_text=True)
    assert f'data-complaint="{late}" class="overdue"' in page and "1 overdue" in page


def test_a_reminder_is_booked_in_one_step(app, client, agent, order):
    with app.app_context(), connected():
        [entry] = [r for r in reminders.due(times.today(), 7) if r["kind"] == "maintenance"]
        vehicle, key = entry["vehicle"].id.hex, entry["key"]
    assert "沪A12345" in client.get("/care/reminders").get_data(as_text=True)
    day = (times.today() + dt.timedelta(days=2)).isoformat()
    assert client.post("/care/book", data={"vehicle": vehicle, "key": key, "day": "x", "time": "10:00"}).status_code == 400
    response = client.post("/care/book", data={"vehicle": vehicle, "key": key, "day": day, "time": "10:00"})
    assert response.status_code == 302
    with app.app_context(), connected():
        assert Appointment.select().where(Appointment.vehicle == Vehicle.get_by_id(order.vehicle_id)).count() == 1
        assert not [r for r in reminders.due(times.today(), 7) if r["key"] == key]


def test_a_reminder_is_texted_then_dismissed(app, client, agent, order):
    with app.app_context(), connected():
        [entry] = [r for r in reminders.due(times.today(), 7) if r["kind"] == "maintenance"]
        vehicle, key = entry["vehicle"].id.hex, entry["key"]
    client.post("/care/reminders/act?channel=wechat", data={"vehicle": vehicle, "key": key, "do": "text"})
    assert "沪A12345" in client.get("/care/outbox").get_data(as_text=True)
    export = client.post("/care/outbox/export")
    assert export.headers["X-Bayflow-Count"] == "1" and "wechat" in export.get_data(as_text=True)
    client.post("/care/reminders/act", data={"vehicle": vehicle, "key": key, "do": "dismiss", "reason": ""})
    client.post("/care/reminders/act", data={"vehicle": vehicle, "key": key, "do": "dismiss", "reason": "已卖车"})
    assert 'data-plate="沪A12345"' not in client.get("/care/reminders").get_data(as_text=True)


def test_consent_withdrawn_in_one_tap_and_unmask_audited(app, client, agent, order):
    customer_id = order.customer_id.hex
    assert client.post(f"/care/customers/{customer_id}/consent",
                       data={"purpose": "service_calls", "granted": "0"}).status_code == 302
    assert order.number not in client.get("/care/").get_data(as_text=True)
    shown = client.post(f"/care/customers/{customer_id}/unmask", data={"screen": "consent"})
    assert "13800000001" in shown.get_data(as_text=True)
    with app.app_context(), connected():
        assert not consent.state(customer_of(order))["service_calls"]["granted"]
        assert PhoneUnmask.select().count() == 1
    assert client.get("/care/unmasks").status_code == 403  # the manager's list
    assert client.get("/care/customers/nobody").status_code == 404


def test_the_manager_lists_unmasks_and_sets_the_desk(client, make_staff, login, order):
    login(make_staff("manager", name="马志强"))
    client.post(f"/care/customers/{order.customer_id.hex}/unmask", data={"screen": "follow-ups"})
    assert "follow-ups" in client.get("/care/unmasks").get_data(as_text=True)
    refused = client.post("/care/settings", data={"care_follow_up_days": "99", "q-price.zh": "价格公道吗？"})
    assert refused.status_code == 400 and "价格公道吗？" in refused.get_data(as_text=True)
    assert client.post("/care/settings", data={"care_follow_up_days": "1", "q-price.zh": "价格满意吗？"}).status_code == 302
    assert "价格满意吗？" in client.get("/care/settings").get_data(as_text=True)


def test_anyone_registers_a_complaint_a_technician_cannot_open_the_desk(app, client, make_staff, login, order):
    login(make_staff("technician"))
    assert client.get("/care/").status_code == 403
    assert client.post("/complaints/new", data={"channel": "in_person", "category": "quality", "text": ""}).status_code == 400
    response = client.post("/complaints/new", data={"work_order": order.number, "channel": "in_person",
                                                     "category": "quality", "text": "客户说车还在响"})
    assert response.status_code == 302
    with app.app_context(), connected():
        assert Complaint.select().count() == 1


def test_overdue_complaints_are_red_on_the_managers_home(app, client, make_staff, login):
    with app.app_context(), connected():
        late = complaints.open_complaint(None, channel="online", category="parts", text="配件等太久",
                                         now=times.utcnow() - dt.timedelta(days=9)).number
    login(make_staff("manager"))
    page = client.get("/").get_data(as_text=True)
    assert 'id="overdue-complaints"' in page and f'href="/care/complaints/{late}"' in page


def test_the_thank_you_text_is_queued_from_the_call(app, client, agent, order):
    response = client.post(f"/care/follow-ups/{order.number}/text", data={"channel": "wechat"})
    assert response.status_code == 302
    with app.app_context(), connected():
        [message] = list(OutboxMessage.select())
        assert message.template == "follow_up" and message.channel == "wechat" and "沪A12345" in message.text


def test_the_complaint_offers_to_book_the_car_and_the_call_to_register_one(app, client, agent, order):
    with app.app_context(), connected():
        number = complaints.open_complaint(None, channel="phone", category="quality", text="又响了",
                                           work_order=order).number
    page = client.get(f"/care/complaints/{number}").get_data(as_text=True)
    assert f"complaint={number}" in page and "/care/book?" in page
    call = client.get(f"/care/follow-ups/{order.number}").get_data(as_text=True)
    assert f"/complaints/new?work_order={order.number}" in call
    form = client.get(f"/complaints/new?work_order={order.number}&channel=phone").get_data(as_text=True)
    assert f'value="{order.number}"' in form and 'value="phone" checked' in form
    day = (times.today() + dt.timedelta(days=1)).isoformat()
    booked = client.post("/care/book", data={"vehicle": order.vehicle_id.hex, "complaint": number, "day": day,
                                             "time": "09:30", "service": "返修检查"})
    assert booked.status_code == 302 and booked.headers["Location"].endswith(f"/care/complaints/{number}")
