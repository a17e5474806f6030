"""Consent per purpose, messages from templates into the outbox and its export, the audited unmask."""
from __future__ import annotations

import csv
import io

import pytest

from kiosk.core.errors import Forbidden, ServiceError
from kiosk.models import PhoneUnmask
from kiosk.services import consent, customers, messages
from tests.support.care import customer_of, delivered


def test_consent_is_recorded_per_purpose_with_how_and_withdrawn_in_one_step(db, make_staff):
    agent = make_staff("care")
    customer = customer_of(delivered(3))
    known = consent.state(customer)
    assert known["service_calls"]["granted"] and not known["service_calls"]["recorded"]
    assert not known["marketing"]["granted"]
    with pytest.raises(ServiceError):
        consent.record(customer, consent.MARKETING, True, how="", staff=agent)
    consent.record(customer, consent.MARKETING, True, how="paper", staff=agent)
    known = consent.state(customer)
    assert known["marketing"]["granted"] and known["marketing"]["how"] == "paper"
    consent.withdraw(customer, consent.MARKETING, staff=agent)
    assert not consent.state(customer)["marketing"]["granted"]


def test_messages_need_consent_for_their_purpose_and_export_once(db, make_staff):
    agent = make_staff("care")
    order = delivered(3)
    customer = customer_of(order)
    message = messages.queue("maintenance", customer, order.vehicle, staff=agent,
                             values={"date": "2027-01-10", "mileage": 40000})
    assert "沪A12345" in message.text and "40000" in message.text
    with pytest.raises(ServiceError):
        messages.queue("insurance", customer, order.vehicle, staff=agent)
    consent.record(customer, consent.MARKETING, True, how="wechat", staff=agent)
    messages.queue("insurance", customer, order.vehicle, channel="wechat", staff=agent, values={"date": "2027-02-01"})
    text, count = messages.export_csv()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert count == 2 and rows[0] == list(messages.EXPORT_COLUMNS)
    assert [r[2] for r in rows[1:]] == ["sms", "wechat"] and rows[1][3] == "13800000001"
    assert messages.export_csv()[1] == 0 and messages.outbox() == []
    consent.withdraw(customer, consent.SERVICE_CALLS, staff=agent)
    with pytest.raises(ServiceError):
        messages.queue("maintenance", customer, order.vehicle, staff=agent)


def test_unmasking_a_phone_needs_the_permission_and_leaves_an_audit_fact(db, make_staff):
    agent, technician = make_staff("care"), make_staff("technician")
    customer = customer_of(delivered(3))
    assert customers.mask_phone(customer.phone) == "138****0001"
    with pytest.raises(Forbidden):
        consent.unmask(technician, customer)
    assert PhoneUnmask.select().count() == 0
    assert consent.unmask(agent, customer, "follow-ups") == "13800000001"
    [fact] = consent.audit()
    assert (fact.staff.id, fact.customer.id, fact.screen) == (agent.id, customer.id, "follow-ups")
