"""Booking, listing by day, cancelling appointments at the desk, and what bad input does."""
from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pytest

from kiosk.core import times
from kiosk.models import Appointment, Customer, Staff, Vehicle, WorkOrder
from kiosk.services import appointments, customers
from kiosk.core.errors import ServiceError
from sync.tables import ChangeEvent


def tomorrow() -> dt.date:
    """The store's tomorrow, asked when a test runs (never at import: a run may cross midnight)."""
    return times.today() + dt.timedelta(days=1)


def yesterday() -> str:
    return (times.today() - dt.timedelta(days=1)).isoformat()


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """The store's wall time on ``day``, as stored (UTC)."""
    return times.at_local(day, dt.time(hour, minute))


@pytest.fixture
def en(client):
    client.post("/lang/en", data={"next": "/"})


@pytest.fixture
def car(db):
    return customers.find_or_create("张三", "13812345678", "京A12345", "LSVAB4BG1DN123456", "大众 帕萨特")[1]


def counts() -> dict:
    return {m.__name__: m.select().count() for m in (Customer, Vehicle, Appointment, WorkOrder, ChangeEvent)}


def page(response) -> str:
    return response.get_data(as_text=True)


def booking(**changes) -> dict:
    data = {"day": tomorrow().isoformat(), "time": "09:30", "service": "常规保养 10000km", "advisor": ""}
    data.update(changes)
    return data


@pytest.mark.postgres
def test_booking_for_a_vehicle_on_file(client, advisor, en, car):
    form = page(client.get(f"/reception/appointments/new?vehicle={car.id.hex}"))
    assert "京A12345" in form and "138****5678" in form and "13812345678" not in form
    assert f'<option value="{advisor.id.hex}" selected>' in form  # the advisor at the desk by default
    before = counts()
    response = client.post("/reception/appointments/new",
                           data=booking(vehicle_id=car.id.hex, advisor=advisor.id.hex))
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == f"/reception/appointments?day={tomorrow().isoformat()}"
    after = counts()
    assert after["Appointment"] == before["Appointment"] + 1 and after["ChangeEvent"] == before["ChangeEvent"] + 1
    assert after["Customer"] == before["Customer"] and after["Vehicle"] == before["Vehicle"]
    booked = Appointment.get()
    assert booked.vehicle_id == car.id and booked.customer_id == car.customer_id
    assert booked.scheduled_at == local(tomorrow(), 9, 30)
    assert booked.advisor_id == advisor.id and booked.status == "booked"
    listing = page(client.get(response.headers["Location"]))
    assert "Appointment booked: 京A12345" in listing and "09:30" in listing and "常规保养 10000km" in listing


@pytest.mark.postgres
def test_booking_for_a_new_customer_creates_customer_and_vehicle(client, advisor, en, db):
    before = counts()
    response = client.post("/reception/appointments/new", data=booking(
        name="李四", phone="139 8765 4321", plate="京b·67890", vin="", model="丰田 凯美瑞"))
    assert response.status_code == 302
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {
        "Customer": 1, "Vehicle": 1, "Appointment": 1, "WorkOrder": 0, "ChangeEvent": 3}
    vehicle = Vehicle.get(Vehicle.plate == "京B67890")
    assert vehicle.customer.phone == "13987654321" and vehicle.model == "丰田 凯美瑞"
    assert Appointment.get().vehicle_id == vehicle.id


def test_only_advisors_are_offered(client, advisor, make_staff, en):
    make_staff("advisor", name="李顾问")
    make_staff("technician", name="赵技师")
    html = page(client.get("/reception/appointments/new"))
    assert "李顾问" in html and advisor.name in html and "赵技师" not in html
    before = counts()
    technician = Staff.get(Staff.name == "赵技师")
    response = client.post("/reception/appointments/new", data=booking(
        name="李四", phone="13987654321", plate="京B67890", advisor=technician.id.hex))
    assert response.status_code == 400 and 'id="advisor-error"' in page(response)
    assert counts() == before


@pytest.mark.postgres
def test_list_by_day_with_today_and_tomorrow_tabs(client, advisor, en, car):
    now = times.utcnow().replace(second=0, microsecond=0)
    next_day = tomorrow()
    appointments.book(car.customer, car, now, "今天的保养")
    appointments.book(car.customer, car, local(next_day, 14), "明天的保养")
    later = next_day + dt.timedelta(days=5)
    appointments.book(car.customer, car, local(later, 8, 15), "下周的保养")
    today = page(client.get("/reception/appointments"))
    assert "今天的保养" in today and "明天的保养" not in today and "下周的保养" not in today
    assert 'aria-current="page">Today' in today
    assert f'href="/reception/appointments?day={next_day.isoformat()}"' in today
    assert "138****5678" in today and "13812345678" not in today
    listed = page(client.get(f"/reception/appointments?day={next_day.isoformat()}"))
    assert "明天的保养" in listed and "今天的保养" not in listed and 'aria-current="page">Tomorrow' in listed
    picked = page(client.get(f"/reception/appointments?day={later.isoformat()}"))
    assert "下周的保养" in picked and "08:15" in picked and 'type="date"' in picked
    bad = client.get("/reception/appointments?day=someday")
    assert bad.status_code == 400 and "That is not a date." in page(bad)


@pytest.mark.postgres
def test_cancel_an_appointment(client, advisor, en, car):
    booked = appointments.book(car.customer, car, local(tomorrow(), 9), "保养")
    before = counts()
    response = client.post(f"/reception/appointments/{booked.id.hex}/cancel")
    assert response.status_code == 302
    assert Appointment.get_by_id(booked.id).status == "cancelled"
    assert counts()["ChangeEvent"] == before["ChangeEvent"] + 1
    listing = page(client.get(response.headers["Location"], follow_redirects=True))
    assert "Appointment cancelled: 京A12345" in listing and "Cancelled" in listing
    assert f"/reception/check-in?appointment={booked.id.hex}" not in listing
    # A second cancel (another kiosk, the back button) changes nothing and says why.
    again = client.post(f"/reception/appointments/{booked.id.hex}/cancel", follow_redirects=True)
    assert "already checked in or cancelled" in page(again)
    assert counts()["ChangeEvent"] == before["ChangeEvent"] + 1
    assert client.post("/reception/appointments/nonsense/cancel").status_code == 302


def test_check_in_from_the_list_leads_to_the_prefilled_check_in(client, advisor, en, car):
    booked = appointments.book(car.customer, car, local(tomorrow(), 9), "换机油")
    listing = page(client.get(f"/reception/appointments?day={tomorrow().isoformat()}"))
    link = f"/reception/check-in?appointment={booked.id.hex}"
    assert link in listing
    form = page(client.get(link))
    assert "换机油" in form and f'value="{booked.id.hex}"' in form and "京A12345" in form


@pytest.mark.parametrize("changes, field, message", [
    ({"day": "yesterday"}, "day", "An appointment cannot be in the past."),
    ({"day": "27/11"}, "day", "Choose the date."),
    ({"time": "half past"}, "time", "Choose the time."),
    ({"service": "  "}, "service", "Write what service the customer asks for."),
    ({"phone": "12"}, "phone", "Enter an 11-digit mobile number"),
    ({"name": ""}, "name", "Enter the customer"),
    ({"vin": "LSVAB4BG0DN12345O"}, "vin", "A VIN has 17 letters and digits (no I, O or Q)."),
    ({"plate": "", "vin": ""}, "plate", "Enter the plate or the VIN."),
])
def test_bad_booking_writes_nothing(client, advisor, en, db, changes, field, message):
    data = booking(name="李四", phone="13987654321", plate="京B67890", vin="", model="凯美瑞")
    data.update(changes)
    if data["day"] == "yesterday":  # the date is computed when the test runs, not when it is collected
        data["day"] = yesterday()
    before = counts()
    response = client.post("/reception/appointments/new", data=data)
    html = page(response)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html and message in html and 'id="form-error"' in html
    assert counts() == before
    # What was typed stays in the form.
    assert 'value="京B67890"' in html or field == "plate"


def test_booking_a_duplicate_plate_as_new_writes_nothing(client, advisor, en, car):
    before = counts()
    response = client.post("/reception/appointments/new", data=booking(
        name="王五", phone="13700000000", plate="京A12345"))
    assert response.status_code == 409
    assert "already on file" in page(response) and 'id="plate-error"' in page(response)
    assert counts() == before  # not even the new customer


def test_booking_for_a_vehicle_that_is_gone(client, advisor, en, db):
    before = counts()
    response = client.post("/reception/appointments/new", data=booking(vehicle_id="0" * 32))
    assert response.status_code == 404 and "This vehicle is not on file." in page(response)
    assert counts() == before


def test_booking_page_search_lists_vehicles_to_choose(client, advisor, en, car):
    live = page(client.get("/reception/appointments/new?q=京A", headers={"HX-Request": "true"}))
    assert "<html" not in live and f"/reception/appointments/new?vehicle={car.id.hex}" in live
    unknown = page(client.get("/reception/appointments/new?q=京Q0000"))
    assert "/reception/appointments/new?new=1&amp;plate=%E4%BA%ACQ0000" in unknown
    prefilled = page(client.get("/reception/appointments/new?new=1&plate=京Q0000"))
    assert 'value="京Q0000"' in prefilled


@pytest.mark.postgres
def test_book_visit_is_all_or_nothing(db, car):
    """Service level: a failing booking leaves no new customer or vehicle behind."""
    before = counts()
    with pytest.raises(ServiceError) as info:
        appointments.book_visit(new={"name": "李四", "phone": "13987654321", "plate": "京B67890"},
                                scheduled_at=times.utcnow() - dt.timedelta(days=2), service="保养")
    assert info.value.field == "scheduled_at" and counts() == before
    made = appointments.book_visit(vehicle=car, scheduled_at=times.utcnow() + dt.timedelta(hours=2),
                                   service="保养")
    assert made.customer_id == car.customer_id


@pytest.mark.postgres
def test_advisors_are_active_staff_with_the_role(db, make_staff):
    keep = make_staff("advisor", "cashier", name="甲")
    make_staff("manager", name="乙")
    assert [p.name for p in appointments.advisors()] == [keep.name]


def test_every_mistake_is_marked_at_once(client, advisor, en, db):
    before = counts()
    response = client.post("/reception/appointments/new", data=booking(
        name="李四", phone="12", plate="京B67890", day=yesterday(), service=""))
    html = page(response)
    assert response.status_code == 400 and counts() == before
    for field in ("phone", "day", "service"):
        assert f'id="{field}-error"' in html, field
    assert "An appointment cannot be in the past." in html
