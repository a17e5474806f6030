"""Check-in completes: Chinese plates (8-character new-energy ones too), VINs with their check
digit and mobile numbers checked in the field, an override for an odd plate, the battery
charge of an electric car instead of the fuel level, photos, and the vehicle's history."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from PIL import Image

from kiosk.models import CheckInPhoto, Vehicle, WorkOrder
from kiosk.services import authorization, campaigns, customers, extrawork, identifiers, workorders
from kiosk.core.errors import ServiceError
from tests.support.reception import counts, page, walkaround


@pytest.mark.parametrize("plate, ok", [
    ("京A12345", True), ("沪A·D1234", True), ("粤B·D12345", True), ("沪AD12345", True), ("苏E12345F", True),
    ("京A1234学", True), ("沪AF1234", True), ("京A1234", False), ("京I12345", False), ("XX12345", False),
    ("京AD1234X", False), ("京A123456", False),
])
def test_plates(plate, ok):
    assert identifiers.plate_ok(plate) is ok


def test_vins_and_mobiles():
    assert identifiers.check_vin("lsvab4bg1dn123456") == "LSVAB4BG1DN123456"
    with pytest.raises(ServiceError, match="should be 1"):
        identifiers.check_vin("LSVAB4BG0DN123456")
    with pytest.raises(ServiceError, match="17 letters"):
        identifiers.check_vin("LSVAB4BG1DN12345O")
    def phone(text, **confirm):
        return identifiers.check_identifiers(phone=text, confirm=identifiers.Confirmations(**confirm)).phone

    assert phone("+86 138-1234-5678") == phone("１３８ １２３４ ５６７８") == "13812345678"
    assert phone("+4915112345678") == "+4915112345678"
    for bad in ("1234567", "12812345678", ""):
        with pytest.raises(ServiceError, match="11-digit mobile"):
            phone(bad, landline=True)
    with pytest.raises(ServiceError, match="landline"):  # a landline only when the person confirms it
        phone("02112345678")
    assert phone("021-1234 5678", landline=True) == "02112345678"


@pytest.fixture
def en(client):
    client.post("/lang/en", data={"next": "/"})


NEW = dict(name="李四", phone="13987654321", model="ID.4 X", vin="")


@pytest.mark.parametrize("changes, field, message", [
    ({"plate": "京A1234"}, "plate", "This is not a Chinese plate"),
    ({"plate": "京A12345", "vin": "LSVAB4BG0DN123456"}, "vin", "check digit"),
    ({"phone": "12812345678"}, "phone", "11-digit mobile"),
])
def test_bad_identifiers_are_marked_at_their_field(client, advisor, en, db, changes, field, message):
    before = counts()
    response = client.post("/reception/check-in", data=walkaround(**{**NEW, **changes}))
    assert response.status_code == 400 and f'id="{field}-error"' in page(response) and message in page(response)
    assert counts() == before


def test_an_odd_plate_goes_through_when_the_advisor_says_so(client, advisor, en, db):
    response = client.post("/reception/check-in", data=walkaround(**NEW, plate="D-AB 1234", unusual_plate="y"))
    assert response.status_code == 302 and Vehicle.get().plate == "DAB1234"


def test_an_electric_car_records_its_battery_not_its_fuel(client, advisor, en, db):
    data = walkaround(**NEW, plate="沪AD12345", powertrain="ev", fuel_eighths="", battery_percent="")
    refused = client.post("/reception/check-in", data=data)
    assert refused.status_code == 400 and 'id="battery_percent-error"' in page(refused)
    photo = io.BytesIO()
    Image.new("RGB", (80, 60), "red").save(photo, "JPEG")
    data.update(battery_percent="76%", photos=(io.BytesIO(photo.getvalue()), "walk.jpg"))
    response = client.post("/reception/check-in", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    order = WorkOrder.get()
    assert (order.battery_percent, order.vehicle.powertrain) == (76, "ev") and CheckInPhoto.select().count() == 1
    html = page(client.get(f"/reception/work-orders/{order.number}"))
    assert 'class="battery-level">76%' in html and ">Fuel<" not in html
    form = page(client.get(f"/reception/check-in?vehicle={order.vehicle.id.hex}"))
    assert 'value="ev" checked' in form  # known from the car now


def test_a_bad_photo_writes_nothing(client, advisor, en, db):
    before = counts()
    data = walkaround(**NEW, plate="京A12345", photos=(io.BytesIO(b"not a photo"), "x.jpg"))
    response = client.post("/reception/check-in", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and 'id="photos-error"' in page(response) and counts() == before


def test_the_vehicle_history_at_check_in(client, advisor, en, db, make_staff):
    tech = make_staff("technician")
    customer, car = customers.find_or_create("张三", "13812345678", "京A12345", "LSVAB4BG1DN123456", "大众 朗逸")
    earlier = workorders.open_work_order(customer, car, complaint="保养", walkaround={"mileage": 10200},
                                         jobs=[{"description": "1万公里保养", "sold_hours": 1, "price": 300}])
    authorization.authorize(earlier, "b" * 64)
    extra = extrawork.propose(WorkOrder.get_by_id(earlier.id), tech, "后刹车片偏薄, 建议更换", "1", price="240")
    extrawork.decline(extra, note="下次")
    campaigns.record("LSVAB4BG1DN123456", "RECALL-ECU", "发动机控制单元软件升级", announced=dt.date(2026, 3, 1))
    html = page(client.get(f"/reception/check-in?vehicle={car.id.hex}"))
    assert 'id="vehicle-history"' in html and earlier.number in html and "10,200 km" in html
    assert "后刹车片偏薄, 建议更换" in html and "Declined work still open" in html
    assert 'data-campaign="RECALL-ECU"' in html and "Recall: open" in html
    history = campaigns.history(car)
    assert [d["job"].id for d in history["declined"]] == [extra.id]
    later = workorders.open_work_order(customer, car, complaint="换刹车片",
                                       jobs=[{"description": "后刹车片偏薄, 建议更换", "sold_hours": 1, "price": 240}])
    assert campaigns.history(car, later)["declined"] == []  # agreed to on the later visit
    assert json.dumps(campaigns.history(car)["count"]) == "2"
