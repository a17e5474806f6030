"""Vehicle check-in: find the car, the walk-around record, the work order it
opens, and that a bad form writes nothing."""
from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import unquote

import pytest

from kiosk.core import times
from kiosk.models import Appointment, Vehicle, WorkOrder
from kiosk.services import appointments, customers, workorders
from kiosk.core.errors import ServiceError
from sync.tables import ChangeEvent
from tests.support.reception import counts, page, walkaround

PHONE = "13812345678"


@pytest.fixture
def en(client):
    client.post("/lang/en", data={"next": "/"})


@pytest.fixture
def car(db):
    _, vehicle = customers.find_or_create("张三", PHONE, "京A12345", "LSVAB4BG1DN123456", "大众 帕萨特", mileage=9000)
    return customers.update_vehicle(vehicle, warranty_until=times.today() + dt.timedelta(days=400))


@pytest.fixture
def booked(car):
    return appointments.book(car.customer, car, times.utcnow().replace(second=0, microsecond=0), "常规保养")


def input_tag(html: str, element_id: str) -> str:
    """The whole ``<input …>`` tag with this id."""
    match = re.search(rf'<input[^>]*\bid="{element_id}"[^>]*>', html)
    assert match, element_id
    return match.group(0)


def test_find_step_searches_and_offers_new(client, advisor, en, car):
    html = page(client.get("/reception/check-in"))
    assert 'id="q"' in html and "/reception/check-in?new=1" in html
    found = page(client.get("/reception/check-in?q=京A12345"))
    assert f"/reception/check-in?vehicle={car.id.hex}" in found and "138****5678" in found
    live = page(client.get("/reception/check-in?q=LSVAB4BG1DN123456", headers={"HX-Request": "true"}))
    assert "<html" not in live and f"/reception/check-in?vehicle={car.id.hex}" in live


def test_scanned_tag_of_an_earlier_order_finds_the_vehicle(client, advisor, en, car):
    order = workorders.open_work_order(car.customer, car, complaint="上次的问题")
    html = page(client.get(f"/reception/check-in?q={order.number}"))
    assert order.number in html and "京A12345" in html
    assert f"/reception/check-in?vehicle={car.id.hex}" in html


def test_appointment_prefills_the_walkaround(client, advisor, en, booked):
    html = page(client.get(f"/reception/check-in?appointment={booked.id.hex}"))
    assert "常规保养" in html and "京A12345" in html and "138****5678" in html and PHONE not in html
    assert "checked" in input_tag(html, "under_warranty")  # the warranty runs for another year
    assert "<svg" in html and "car-outline" in html and "walkaround.js" in html
    for n in range(9):
        assert f'name="fuel_eighths" value="{n}"' in html
    assert "Tyre pressure" in html and "Stone chip" in html


@pytest.mark.postgres
def test_check_in_from_an_appointment(client, advisor, en, booked, car):
    before = counts()
    response = client.post("/reception/check-in", data=walkaround(appointment_id=booked.id.hex))
    assert response.status_code == 302
    order = WorkOrder.get()
    assert unquote(response.headers["Location"]) == f"/reception/work-orders/{order.number}"
    appointment = Appointment.get_by_id(booked.id)
    assert appointment.status == "checked_in" and appointment.work_order_id == order.id.hex
    assert order.vehicle_id == car.id and order.customer_id == car.customer_id and order.status == "checked_in"
    assert order.mileage == 12345 and order.fuel_eighths == 3 and order.belongings == "儿童座椅"
    assert order.complaint == "冷车启动有异响" and order.under_warranty is True
    assert json.loads(order.damage) == [{"x": 12.3, "y": 40.0, "kind": "dent", "note": ""},
                                        {"x": 100.0, "y": 0.0, "kind": "other", "note": ""}]
    assert json.loads(order.warning_lights) == ["abs", "engine"]
    assert order.promised_at > times.utcnow()
    assert Vehicle.get_by_id(car.id).mileage == 12345
    events = ChangeEvent.select().where(ChangeEvent.seq > before["ChangeEvent"])
    assert sorted((e.entity, e.op) for e in events) == [
        ("appointment", "update"), ("status_change", "insert"), ("vehicle", "update"), ("work_order", "insert")]
    # The desk now shows the order as open and the appointment as checked in.
    desk = page(client.get("/reception/"))
    assert order.number in desk
    assert f"/reception/check-in?appointment={booked.id.hex}" not in desk


@pytest.mark.postgres
def test_checking_in_an_appointment_twice_is_refused(client, advisor, en, booked):
    assert client.post("/reception/check-in", data=walkaround(appointment_id=booked.id.hex)).status_code == 302
    before = counts()
    again = client.post("/reception/check-in", data=walkaround(appointment_id=booked.id.hex))
    assert again.status_code == 409 and "already checked in" in page(again)
    assert counts() == before
    shown = client.get(f"/reception/check-in?appointment={booked.id.hex}")
    assert shown.status_code == 409 and "Open its work order" in page(shown)
    order_link = client.get(f"/reception/appointments/{booked.id.hex}/work-order")
    assert order_link.status_code == 302 and WorkOrder.get().number in unquote(order_link.headers["Location"])


@pytest.mark.postgres
def test_walk_in_with_a_new_customer_and_vehicle(client, advisor, en, db):
    form = page(client.get("/reception/check-in?new=1&plate=京C11111"))
    assert 'value="京C11111"' in form and 'id="new-vehicle"' in form
    assert "checked" not in input_tag(form, "under_warranty")  # a new car's warranty is not known
    before = counts()
    response = client.post("/reception/check-in", data=walkaround(
        name="李四", phone="139-8765-4321", plate="京c 11111", vin="lfv2a21k1a3012345", model="捷达",
        under_warranty=""))
    assert response.status_code == 302
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {
        "Customer": 1, "Vehicle": 1, "Appointment": 0, "WorkOrder": 1, "StatusChange": 1, "ChangeEvent": 5}
    order = WorkOrder.get()
    assert order.vehicle.plate == "京C11111" and order.vehicle.vin == "LFV2A21K1A3012345"
    assert order.customer.phone == "13987654321" and order.customer.name == "李四"
    assert order.advisor_id == advisor.id and order.under_warranty is False
    assert unquote(response.headers["Location"]) == f"/reception/work-orders/{order.number}"


@pytest.mark.postgres
def test_walk_in_with_a_vehicle_on_file(client, advisor, en, car):
    html = page(client.get(f"/reception/check-in?vehicle={car.id.hex}"))
    assert "Last recorded mileage: 9000 km" in html and 'id="vehicle-summary"' in html
    before = counts()
    response = client.post("/reception/check-in", data=walkaround(vehicle_id=car.id.hex, damage="", promised_at=""))
    assert response.status_code == 302
    order = WorkOrder.get()
    assert order.vehicle_id == car.id and order.damage == "[]" and order.promised_at is None
    assert counts()["Customer"] == before["Customer"] and counts()["Vehicle"] == before["Vehicle"]


@pytest.mark.parametrize("changes, field, message", [
    ({"complaint": "   "}, "complaint", "Write down the customer"),
    ({"mileage": "-5"}, "mileage", "Enter the mileage in kilometres"),
    ({"mileage": "lots"}, "mileage", "Enter the mileage in kilometres"),
    ({"mileage": ""}, "mileage", "Enter the mileage in kilometres"),
    ({"fuel_eighths": "9"}, "fuel_eighths", "Choose the fuel level."),
    ({"fuel_eighths": ""}, "fuel_eighths", "Choose the fuel level."),
    ({"damage": "{broken"}, "damage", "The damage marks could not be read."),
    ({"damage": '[{"x": "left", "y": 3}]'}, "damage", "The damage marks could not be read."),
    ({"promised_at": "yesterday"}, "promised_at", "The promised time cannot be in the past."),
    ({"promised_at": "tomorrow-ish"}, "promised_at", "Enter the promised date and time."),
    ({"vin": "LSVAB4BG0DN12345"}, "vin", "A VIN has 17 letters and digits"),
    ({"phone": "1234"}, "phone", "Enter an 11-digit mobile number"),
    ({"name": ""}, "name", "Enter the customer"),
    ({"plate": "", "vin": ""}, "plate", "Enter the plate or the VIN."),
])
def test_bad_walk_in_writes_nothing(client, advisor, en, db, changes, field, message):
    data = walkaround(name="李四", phone="13987654321", plate="京C11111", vin="", model="捷达")
    data.update(changes)
    if data["promised_at"] == "yesterday":  # computed when the test runs, not when it is collected
        data["promised_at"] = (times.local_now() - dt.timedelta(days=1)).isoformat(timespec="minutes")
    before = counts()
    response = client.post("/reception/check-in", data=data)
    html = page(response)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html and message in html and 'id="form-error"' in html
    assert counts() == before
    assert "冷车启动有异响" in html or field == "complaint"  # what was typed is kept


@pytest.mark.parametrize("changes, field", [({"complaint": ""}, "complaint"), ({"mileage": "-1"}, "mileage")])
def test_bad_check_in_from_an_appointment_writes_nothing(client, advisor, en, booked, changes, field):
    before = counts()
    response = client.post("/reception/check-in", data=walkaround(appointment_id=booked.id.hex, **changes))
    assert response.status_code == 400 and f'id="{field}-error"' in page(response)
    assert counts() == before and Appointment.get_by_id(booked.id).status == "booked"
    assert f'value="{booked.id.hex}"' in page(response)  # still the appointment's check-in


def test_walk_in_with_a_plate_already_on_file_writes_nothing(client, advisor, en, car):
    before = counts()
    response = client.post("/reception/check-in", data=walkaround(
        name="王五", phone="13700000000", plate="京A12345"))
    assert response.status_code == 409 and 'id="plate-error"' in page(response)
    assert "already on file" in page(response)
    assert counts() == before


def test_unknown_vehicle_or_appointment(client, advisor, en, db):
    for url in ("/reception/check-in?vehicle=nonsense", f"/reception/check-in?appointment={'0' * 32}"):
        response = client.get(url)
        assert response.status_code == 404 and 'id="find-error"' in page(response)
    before = counts()
    posted = client.post("/reception/check-in", data=walkaround(vehicle_id="0" * 32))
    assert posted.status_code == 404 and counts() == before


@pytest.mark.postgres
def test_check_in_walk_in_service_is_all_or_nothing(db):
    before = counts()
    with pytest.raises(ServiceError) as info:
        appointments.check_in_walk_in(new={"name": "李四", "phone": "13987654321", "plate": "京D12345"},
                                      complaint="", walkaround={"mileage": 10})
    assert info.value.field == "complaint" and counts() == before


@pytest.mark.postgres
def test_warranty_active(db, car):
    today = times.today()
    assert customers.warranty_active(car)
    assert not customers.warranty_active(car, today=today + dt.timedelta(days=401))
    assert not customers.warranty_active(None)


def test_walkaround_assets_are_served(client):
    with client.get("/static/car-outline.svg") as outline, client.get("/static/walkaround.js") as script:
        assert outline.status_code == 200 and b'viewBox="0 0 200 400"' in outline.data
        assert script.status_code == 200 and b"data-walkaround" in script.data
