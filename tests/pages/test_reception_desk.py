"""The reception desk's front page: search, appointments of today and tomorrow,
open work orders, masked phones, and who may use it."""
from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest

from kiosk.core import times
from kiosk.services import appointments, customers, workorders

PHONE = "13812345678"
VIN = "LSVAB4BG1DN123456"


@pytest.fixture
def en(client):
    """Read the pages in English, whatever the kiosk's default language."""
    client.post("/lang/en", data={"next": "/"})


@pytest.fixture
def car(db):
    """A customer with a car on file."""
    return customers.find_or_create("张三", PHONE, "京A·12345", VIN, "大众 帕萨特")[1]


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.postgres
def test_search_finds_a_vehicle_by_plate_vin_and_phone(client, advisor, en, car):
    for query in ("京a 12345", "A123", VIN.lower(), PHONE, "12345678"):
        html = page(client.get("/reception/", query_string={"q": query}))
        assert "京A12345" in html and "大众 帕萨特" in html, query
        assert f"/reception/check-in?vehicle={car.id.hex}" in html, query
        assert "138****5678" in html, query
        if PHONE not in query:  # what was typed is echoed in the box; the record never shows it
            assert PHONE not in html, query


@pytest.mark.postgres
def test_live_search_answers_with_the_results_fragment(client, advisor, en, car):
    response = client.get("/reception/", query_string={"q": "京A12345"}, headers={"HX-Request": "true"})
    html = page(response)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in html
    assert 'id="search-results"' in html and "京A12345" in html
    # The full page carries the live-search wiring and a plain submit fallback.
    full = page(client.get("/reception/"))
    assert 'hx-trigger="input changed delay:300ms"' in full
    assert 'method="get" action="/reception/"' in full and 'name="go"' in full


@pytest.mark.postgres
def test_a_scanned_work_order_number_opens_that_order(client, advisor, en, car):
    order = workorders.open_work_order(car.customer, car, complaint="异响")
    response = client.get("/reception/", query_string={"q": order.number.lower(), "go": "1"})
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == f"/reception/work-orders/{order.number}"
    htmx = client.get("/reception/", query_string={"q": order.number, "go": "1"}, headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == f"/reception/work-orders/{order.number}"
    # While typing (no submit) the order is shown with a button to open it.
    live = page(client.get("/reception/", query_string={"q": order.number}, headers={"HX-Request": "true"}))
    assert "Open work order" in live and f'href="/reception/work-orders/{order.number}"' in live


@pytest.mark.postgres
def test_unknown_plate_says_so_and_offers_to_create_the_customer(client, advisor, en, car):
    html = page(client.get("/reception/", query_string={"q": "京Z99999"}))
    assert 'id="search-unknown"' in html and "No vehicle or customer found for “京Z99999”" in html
    assert "/reception/check-in?new=1&amp;plate=%E4%BA%ACZ99999" in html
    assert "New customer and vehicle" in html
    unknown_order = page(client.get("/reception/", query_string={"q": "R1-20260101-0099", "go": "1"}))
    assert "No work order with the number R1-20260101-0099." in unknown_order


def test_searching_a_phone_prefills_the_new_customer_with_it(client, advisor, en):
    html = page(client.get("/reception/", query_string={"q": "139 1111 2222"}))
    assert "/reception/check-in?new=1&amp;phone=13911112222" in html


@pytest.mark.postgres
def test_desk_shows_today_and_tomorrow_and_open_orders_with_masked_phones(client, advisor, en, car, db):
    other = customers.find_or_create("李四", "13987654321", "京B67890", "", "丰田 凯美瑞")[1]
    now = times.utcnow().replace(second=0, microsecond=0)
    today = appointments.book(car.customer, car, now, "常规保养", advisor)
    tomorrow = appointments.book(other.customer, other, times.at_local(
        times.today() + dt.timedelta(days=1), dt.time(10, 0)), "刹车异响")
    later = appointments.book(other.customer, other, times.at_local(
        times.today() + dt.timedelta(days=3), dt.time(10, 0)), "三天后")
    order = workorders.open_work_order(other.customer, other, complaint="空调不凉",
                                       walkaround={"promised_at": now + dt.timedelta(days=1)})
    html = page(client.get("/reception/"))
    assert "常规保养" in html and "刹车异响" in html and "三天后" not in html
    assert f"/reception/check-in?appointment={today.id.hex}" in html
    assert f"/reception/check-in?appointment={tomorrow.id.hex}" in html
    assert times.to_local(now).strftime("%H:%M") in html and "10:00" in html and advisor.name in html
    assert "138****5678" in html and "139****4321" in html
    assert PHONE not in html and "13987654321" not in html
    assert order.number in html and "Checked in" in html
    assert times.to_local(now + dt.timedelta(days=1)).strftime("%m-%d %H:%M") in html
    assert later.status == "booked"


def test_the_board_refreshes_as_a_fragment_on_live_events(client, advisor, en):
    html = page(client.get("/reception/"))
    assert 'sse-connect="/events"' in html and "sse:workorder-changed" in html
    fragment = page(client.get("/reception/board", headers={"HX-Request": "true"}))
    assert fragment.lstrip().startswith('<div id="desk-board"') and "<html" not in fragment


@pytest.mark.parametrize("url", ["/reception/", "/reception/board", "/reception/appointments",
                                 "/reception/appointments/new", "/reception/check-in"])
def test_a_technician_may_not_use_reception(client, make_staff, login, url):
    login(make_staff("technician"))
    assert client.get(url).status_code == 403
    assert client.post("/reception/check-in", data={"complaint": "x"}).status_code == 403
    assert client.post("/reception/appointments/new", data={"service": "x"}).status_code == 403


def test_reception_needs_a_login(client):
    response = client.get("/reception/check-in")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
