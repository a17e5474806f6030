"""Consent at check-in (reception page): the purposes offered and ticked as they stand, the answer
recorded through the consent service, shown on the care desk's call list; a bad purpose loses nothing."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.models import Consent
from kiosk.services import consent
from tests.support.care import customer_of, delivered
from tests.support.reception import counts, page, walkaround


@pytest.fixture
def en(client):
    client.post("/lang/en", data={"next": "/"})


@pytest.fixture
def order(app):
    with app.app_context(), connected():
        return delivered(3)


def test_the_form_asks_every_purpose_with_what_stands_ticked(app, client, advisor, en, order):
    with app.app_context(), connected():
        consent.record(customer_of(order), consent.MARKETING, True, how="paper")
    html = page(client.get(f"/reception/check-in?vehicle={order.vehicle_id.hex}"))
    assert 'id="consent"' in html and 'name="consent_asked" value="1"' in html
    for purpose in consent.PURPOSES:
        assert f'value="{purpose}"' in html
    assert 'value="service_calls" checked' in html and 'value="marketing" checked' in html
    assert 'value="share_oem" checked' not in html
    new = page(client.get("/reception/check-in?new=1&plate=京C11111"))
    assert 'value="service_calls" checked' in new and 'value="marketing" checked' not in new


def test_ticked_purposes_are_recorded_and_the_care_desk_shows_them(app, client, advisor, en, order, make_staff,
                                                                   login):
    response = client.post("/reception/check-in", data=walkaround(
        vehicle_id=order.vehicle_id.hex, consent_asked="1", consents=["service_calls", "share_insurer"]))
    assert response.status_code == 302
    with app.app_context(), connected():
        known = consent.state(customer_of(order))
    assert {p for p, row in known.items() if row["granted"]} == {"service_calls", "share_insurer"}
    assert {row["how"] for row in known.values()} == {consent.AT_RECEPTION}
    login(make_staff("care", name="冯静", badge="CRE-001"))
    desk = page(client.get("/care/"))
    assert order.number in desk and "Agreed to calls" in desk and "At the reception desk, on the screen" in desk


def test_an_unknown_purpose_keeps_the_form_and_writes_nothing(app, client, advisor, en, order):
    before = counts()
    with app.app_context(), connected():
        facts = Consent.select().count()
    response = client.post("/reception/check-in", data=walkaround(
        vehicle_id=order.vehicle_id.hex, consent_asked="1", consents=["marketing", "spam"], complaint="雨刮异响"))
    assert response.status_code == 400
    html = page(response)
    assert "Unknown purpose of consent." in html and "雨刮异响" in html and 'value="marketing" checked' in html
    assert counts() == before
    with app.app_context(), connected():
        assert Consent.select().count() == facts
