"""Phone numbers are masked wherever others can see the screen (个人信息保护法): every page each
demo role reaches (its start pages and what they link to), the desk's search by phone, and the
wall board show no demo customer's whole number. Only the advisor's edit field holds one, and a
tap on a masked number shows it whole through the audited unmask."""
from __future__ import annotations

import re

import pytest

from kiosk.db import connected
from kiosk.demo.data import DEMO_STAFF
from kiosk.models import Customer, PhoneUnmask, WorkOrder
from kiosk.services.customers import mask_phone
from kiosk.stations.hub.pages import conflict_value
from tests.support.screens import ROLES, SKIP, pattern

PINS = {badge: pin for _name, badge, _roles, pin in DEMO_STAFF}
HX = {"HX-Request": "true"}
# The advisor typing a customer's number: the form field itself may hold it whole.
EDIT_FIELD = re.compile(r'<input[^>]*\bname="phone"[^>]*>')
LINK = re.compile(r'href="(/[^"#]*)"')


@pytest.fixture(scope="module")
def store(demo_store_app):
    """The demo store (only read here, but for the unmask fact of the last test)."""
    return demo_store_app


@pytest.fixture(scope="module")
def phones(store):
    with store.app_context(), connected():
        numbers = [c.phone for c in Customer.select() if len(c.phone) >= 11]
    assert len(numbers) >= 10
    return numbers


def client_for(store, badge):
    client = store.test_client()
    if badge:
        assert client.post("/login", data={"badge": badge, "pin": PINS[badge], "next": "/"}).status_code == 302
    return client


def whole_numbers(html: str, phones) -> set[str]:
    shown = EDIT_FIELD.sub("", html)
    return {number for number in phones if number in shown}


def crawl(client, start, limit: int = 60) -> dict[str, str]:
    """The start pages and the pages they link to (one of each kind of address), by path."""
    seen, pages, queue = set(), {}, list(start)
    while queue and len(pages) < limit:
        path = queue.pop(0)
        if SKIP.search(path) or pattern(path) in seen:
            continue
        seen.add(pattern(path))
        response = client.get(path)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        pages[path] = html = response.get_data(as_text=True)
        queue += [link.replace("&amp;", "&") for link in LINK.findall(html)]
    return pages


@pytest.mark.parametrize("role", ["wall", "advisor", "foreman", "qc", "cashier", "care", "claims", "manager"])
def test_no_page_a_role_reaches_shows_a_whole_number(store, phones, role):
    spec = ROLES[role]
    client = client_for(store, spec.badge)
    pages = crawl(client, ["/", *[p for p in spec.pages if isinstance(p, str)]])
    assert len(pages) >= 2
    leaks = {path: whole_numbers(html, phones) for path, html in pages.items()}
    assert not {path: found for path, found in leaks.items() if found}


def test_the_desks_search_by_phone_and_the_work_order_show_it_masked(store, phones):
    client = client_for(store, "ADV-001")
    with store.app_context(), connected():
        order = WorkOrder.select().where(WorkOrder.status != "closed").first()
        phone = order.customer.phone
    for url in (f"/reception/?q={phone}", f"/reception/check-in?q={phone}", f"/reception/appointments/new?q={phone}"):
        html = client.get(url, headers=HX).get_data(as_text=True)
        assert not whole_numbers(html, phones), url
    html = client.get(f"/reception/?q={phone}", headers=HX).get_data(as_text=True)
    assert mask_phone(phone) in html
    page = client.get(f"/reception/work-orders/{order.number}").get_data(as_text=True)
    assert mask_phone(phone) in page and phone not in page
    assert f"/phones/{order.customer_id.hex}/unmask" in page  # the advisor may tap it


def test_a_tap_shows_the_number_whole_and_leaves_an_audit_fact(store):
    with store.app_context(), connected():
        order = WorkOrder.select().where(WorkOrder.status != "closed").first()
        customer, before = order.customer, PhoneUnmask.select().count()
    technician = client_for(store, "TEC-001")
    assert technician.post(f"/phones/{customer.id.hex}/unmask", data={"screen": "work-order"}).status_code == 403
    assert client_for(store, "ADV-001").post("/phones/nobody/unmask").status_code == 404
    shown = client_for(store, "ADV-001").post(f"/phones/{customer.id.hex}/unmask", data={"screen": "work-order"},
                                             headers=HX)
    assert shown.status_code == 200 and customer.phone in shown.get_data(as_text=True)
    with store.app_context(), connected():
        fact = PhoneUnmask.select().order_by(PhoneUnmask.at.desc()).first()
        assert PhoneUnmask.select().count() == before + 1
        assert fact.customer_id == customer.id and fact.screen == "work-order" and fact.staff.badge == "ADV-001"


def test_the_hubs_conflict_list_masks_a_phone_it_shows():
    # A manager tells the kept and the lost number apart by their ends, without reading either whole.
    assert conflict_value('"13812345678"', "phone") == "138****5678"
    assert conflict_value('"刹车异响"', "complaint") == "刹车异响" and conflict_value("", "phone") == "—"
