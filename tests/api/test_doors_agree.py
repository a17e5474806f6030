"""Each rule that moved from a view into a service, through every door it has
(the page, the JSON API, the command line): the doors agree, because they all
call the one service function."""
from __future__ import annotations

import copy
import datetime as dt
import re
from html import unescape

import pytest
from click.testing import CliRunner

from hardware.labels import render_tag
from kiosk.db import connected
from kiosk.models import PartsRequest, StockMove, Vehicle, WorkOrder
from kiosk.cli import main
from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import customers, documents, handover, scanning, stock, workorders
from tests.support.parts import part_in_stock

HX = {"HX-Request": "true"}
ORDER = {"customer": {"name": "钱先生", "phone": "13800138000"},
         "vehicle": {"plate": "苏E12345", "vin": "LSVAB4BG1DN123456", "model": "别克 君威", "mileage": 1000},
         "complaint": "保养", "jobs": [{"description": "更换机油", "hours": 0.5, "price": 150}]}


def _order(*jobs: str, advisor=None) -> WorkOrder:
    """A checked-in order of one customer's car (each call opens another on the same car)."""
    customer, car = customers.find_or_create("张三", "13812345678", "沪A12345", model="Passat")
    return workorders.open_work_order(customer, car, advisor=advisor, complaint="保养",
                                      jobs=[{"description": d} for d in jobs or ("保养",)])


def _checked_in(app, advisor=None) -> str:
    with app.app_context(), connected():
        return _order(advisor=advisor).number


def _status(app, number: str) -> str:
    with app.app_context(), connected():
        return WorkOrder.get(WorkOrder.number == number).status


# -- which moves a person at reception (and the API's status call) may make -----

@pytest.mark.parametrize("target", ["settled", "delivered", "qc", "washing", "ready", "in_repair", "authorized"])
def test_station_moves_are_refused_at_the_desk_and_through_the_api_alike(app, client, advisor, api, target):
    number = _checked_in(app)
    page = client.post(f"/reception/work-orders/{number}/move", data={"to": target}, headers=HX)
    answer = api("post", f"/work-orders/{number}/status", json={"status": target})
    # Only the customer's signature authorizes (kiosk.services.authorization): said so at both doors.
    message = ("Only the customer's signature authorizes a work order" if target == "authorized"
               else "Reception cannot make this change.")
    assert page.status_code == 409 and answer.status_code == 409
    assert message in page.get_data(as_text=True).replace("&#39;", "'")
    assert answer.json["error"] == "conflict"
    assert answer.json["detail"]["message"].startswith(message)
    assert answer.json["detail"]["allowed"] == ["diagnosis", "estimate", "cancelled"]
    assert _status(app, number) == "checked_in"
    with app.app_context(), connected():
        order = workorders.get_by_number(number)
        with pytest.raises(ServiceError):
            workorders.move_at_reception(order, target)
        assert workorders.reception_moves(order) == ["diagnosis", "estimate", "cancelled"]


def test_the_desks_own_moves_work_at_the_desk_and_through_the_api(app, client, advisor, api):
    first, second = _checked_in(app), _checked_in(app)
    assert client.post(f"/reception/work-orders/{first}/move", data={"to": "diagnosis"}).status_code == 302
    assert api("post", f"/work-orders/{second}/status", json={"status": "diagnosis"}).status_code == 200
    assert _status(app, first) == _status(app, second) == "diagnosis"
    # Backwards is refused the same way at both doors (the state machine).
    page = client.post(f"/reception/work-orders/{first}/move", data={"to": "diagnosis"}, headers=HX)
    answer = api("post", f"/work-orders/{second}/status", json={"status": "diagnosis"})
    assert page.status_code == answer.status_code == 409


# -- the customer and vehicle a check-in names ------------------------------------

def _walk_in(client, **fields):
    form = {"new": "1", "name": "钱先生", "phone": "13800138000", "plate": "苏E12345",
            "vin": "LSVAB4BG1DN123456", "model": "别克 君威", "mileage": "1000", "complaint": "保养",
            "fuel_eighths": "4", **fields}
    return client.post("/reception/check-in", data=form)


def _vehicles(app) -> int:
    with app.app_context(), connected():
        return Vehicle.select().count()


def test_the_customers_own_car_is_found_again_by_the_desk_and_the_api(app, client, advisor, api):
    assert api("post", "/work-orders", json=ORDER).status_code == 201
    assert _walk_in(client).status_code == 302  # the same phone and plate: the same car
    again = copy.deepcopy(ORDER)
    assert api("post", "/work-orders", json=again).status_code == 201
    assert _vehicles(app) == 1


def test_a_car_on_file_as_someone_elses_is_refused_by_the_desk_and_the_api(app, client, advisor, api):
    assert api("post", "/work-orders", json=ORDER).status_code == 201
    page = _walk_in(client, phone="13911112222", name="孙女士")
    other = copy.deepcopy(ORDER)
    other["customer"] = {"name": "孙女士", "phone": "13911112222"}
    answer = api("post", "/work-orders", json=other)
    assert page.status_code == answer.status_code == 409
    assert "already on file" in page.get_data(as_text=True)
    assert answer.json["detail"]["field"] == "vehicle.plate"
    assert _vehicles(app) == 1


# -- the parts handover: which job a part goes to, and how many may come back -------

@pytest.fixture
def counter(app, client, make_staff, login):
    """A clerk at the counter, a technician, a part in stock, an order whose first job asked for it."""
    scanning.debouncer._last.clear()
    clerk = login(make_staff("parts_clerk", name="配件员", badge="PRT-901"))
    tech = make_staff("technician", name="李师傅", badge="TEC-901")
    with app.app_context(), connected():
        part = part_in_stock(qty=5)
        orders = [_order("保养", "检查") for _ in range(2)]
        for order in orders:
            PartsRequest.create(work_order=order, job=workorders.live_jobs(order)[1], part_no=part.part_no,
                                description="机滤", qty=1, requested_at=order.opened_at)
    yield {"clerk": clerk, "tech": tech, "part": part, "orders": [o.number for o in orders]}
    scanning.debouncer._last.clear()


def _scan(client, code):
    scanning.debouncer._last.clear()
    return client.post("/parts/scan", data={"code": code, "source": "wedge"}, headers=HX)


def _issued_jobs(app, number) -> list[int]:
    with app.app_context(), connected():
        order = workorders.get_by_number(number)
        return [m.job.position for m in StockMove.select().where(StockMove.work_order == order)]


def test_an_issued_part_goes_to_the_job_that_asked_for_it_at_the_counter_and_through_the_api(app, client, api,
                                                                                         counter):
    at_counter, by_api = counter["orders"]
    client.post("/parts/mode/issue", headers=HX)
    _scan(client, at_counter)
    _scan(client, counter["part"].part_no)
    assert "parts issued to 李师傅" in _scan(client, "TEC-901").get_data(as_text=True)
    answer = api("post", f"/work-orders/{by_api}/parts",
                 json={"code": counter["part"].part_no, "qty": 1, "badge": "PRT-901", "receiver": "TEC-901"})
    assert answer.status_code == 201
    assert _issued_jobs(app, at_counter) == _issued_jobs(app, by_api) == [2]
    with app.app_context(), connected():
        order = workorders.get_by_number(by_api)
        assert handover.job_for(order, counter["part"], None).position == 2


def test_no_more_comes_back_than_was_issued_by_scan_by_keypad_or_in_the_slip(app, client, api, counter):
    number = counter["orders"][0]
    assert api("post", f"/work-orders/{number}/parts",
               json={"code": counter["part"].part_no, "qty": 2, "badge": "PRT-901", "receiver": "TEC-901"}
               ).status_code == 201
    client.post("/parts/mode/return", headers=HX)
    _scan(client, number)
    assert '"ok"' in _scan(client, counter["part"].part_no).headers["HX-Trigger"]
    assert '"ok"' in _scan(client, counter["part"].part_no).headers["HX-Trigger"]
    third = _scan(client, counter["part"].part_no)
    message = "Only 2 of 06L115562B were issued to work order"
    assert '"bad"' in third.headers["HX-Trigger"] and message in third.get_data(as_text=True)
    keypad = client.post("/parts/return/line/0/qty", data={"qty": "3"}, headers=HX)
    assert '"bad"' in keypad.headers["HX-Trigger"] and message in keypad.get_data(as_text=True)
    with app.app_context(), connected():
        order = workorders.get_by_number(number)
        with pytest.raises(ServiceError, match="Only 2 of"):
            handover.set_quantity(counter["clerk"], "return", 0, "3")
        with pytest.raises(ServiceError, match="Only 2 of"):
            stock.hand_over(order, [(counter["part"], 3, None)], kind="return", staff=counter["clerk"],
                            receiver=counter["tech"])


# -- the data of a printed document: the same key tag from the page, the print API and the command line --

def test_the_key_tag_is_the_same_from_the_page_the_print_button_and_bayflow_tag(app, client, advisor, tmp_path):
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_Hans_CN"  # as the command line prints it
    number = _checked_in(app, advisor=advisor)
    from_page = client.get(f"/reception/work-orders/{number}/tag.png")
    assert from_page.status_code == 200
    with app.test_request_context(), connected():
        from_service = render_tag(documents.document_for("key_tag", number), "png")
        assert documents.tag_data(workorders.get_by_number(number)).customer_name == "张*"
    out = tmp_path / "tag.png"
    done = CliRunner().invoke(main, ["tag", number, "--db", app.config["DATABASE"], "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert from_page.data == from_service == out.read_bytes()


# -- one identifier rule (plate, VIN, phone) at every door, with the person's confirmations -------

NEW = {"name": "钱先生", "phone": "13800138000", "plate": "苏E12345", "vin": "LSVAB4BG1DN123456", "model": "别克 君威"}
BAD_DIGIT = "LSVAB4BG0DN123456"  # its check digit (the 9th character) should be 1


def _page_answer(response) -> tuple:
    html = unescape(response.get_data(as_text=True))
    fields = [f for f in re.findall(r'id="(\w+)-error"', html) if f != "form"]  # not the summary at the top
    return ("ok" if response.status_code == 302 else response.status_code), (fields[0] if fields else None), html


def _api_answer(response) -> tuple:
    body = response.json
    if response.status_code == 201:
        return "ok", None, [w["confirmation"] for w in body["warnings"]]
    return response.status_code, body["detail"]["field"].rpartition(".")[2], body["detail"]


def _by_desk(client, api, ids, confirm):
    ticked = {name: "y" for name, yes in confirm.items() if yes}
    form = {"new": "1", **ids, "mileage": "1000", "complaint": "保养", "fuel_eighths": "4", **ticked}
    return _page_answer(client.post("/reception/check-in", data=form))


def _by_booking_page(client, api, ids, confirm):
    ticked = {name: "y" for name, yes in confirm.items() if yes}
    form = {**ids, "day": _tomorrow(), "time": "09:30", "service": "保养", "advisor": "", **ticked}
    return _page_answer(client.post("/reception/appointments/new", data=form))


def _json(ids, confirm) -> dict:
    extra = {k: v for k, v in confirm.items() if k != "landline"}
    landline = {"landline": confirm["landline"]} if "landline" in confirm else {}
    return {"customer": {"name": ids["name"], "phone": ids["phone"], **landline},
            "vehicle": {"plate": ids["plate"], "vin": ids["vin"], "model": ids["model"], "mileage": 1000, **extra}}


def _by_api(client, api, ids, confirm):
    return _api_answer(api("post", "/work-orders", json={**_json(ids, confirm), "complaint": "保养"}))


def _by_booking_api(client, api, ids, confirm):
    body = {**_json(ids, confirm), "at": f"{_tomorrow()}T09:30", "service": "保养"}
    return _api_answer(api("post", "/appointments", json=body))


def _tomorrow() -> str:
    return (times.today() + dt.timedelta(days=1)).isoformat()


DOORS = {"desk": _by_desk, "booking page": _by_booking_page, "work-order API": _by_api, "booking API": _by_booking_api}
PAGES, APIS = ("desk", "booking page"), ("work-order API", "booking API")


def _on_file(app) -> tuple:
    with app.app_context(), connected():
        car = Vehicle.get()
        return car.plate, car.vin, car.customer.phone


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("changes, confirm, refused, stored", [
    # Full-width characters (an IME's), lower case, spaces and +86 are the same identifiers.
    ({"plate": "苏ｅ 12345", "vin": "lsvab4bg1dn１２３４５６", "phone": "+86 138-0013-8000"}, {}, None,
     ("苏E12345", "LSVAB4BG1DN123456", "13800138000")),
    ({"plate": "D-AB 1234"}, {}, "plate", None),
    ({"plate": "D-AB 1234"}, {"unusual_plate": True}, None, ("DAB1234", "LSVAB4BG1DN123456", "13800138000")),
    ({"phone": "021-6432 1234"}, {}, "phone", None),
    ({"phone": "021-6432 1234"}, {"landline": True}, None, ("苏E12345", "LSVAB4BG1DN123456", "02164321234")),
    ({"phone": "12812345678"}, {"landline": True}, "phone", None),  # neither a mobile nor a landline
    ({"vin": "LSVAB4BG1DN12345O"}, {"vin_confirmed": True}, "vin", None),  # no confirmation lifts a bad shape
    ({"vin": BAD_DIGIT}, {"vin_confirmed": True}, None, ("苏E12345", BAD_DIGIT, "13800138000")),
    ({"vin": BAD_DIGIT}, {"vin_confirmed": False}, "vin", None),
])
def test_every_door_takes_and_refuses_the_same_identifiers(app, client, advisor, api, door, changes, confirm,
                                                           refused, stored):
    status, field, _ = DOORS[door](client, api, {**NEW, **changes}, confirm)
    assert (status, field) == (("ok", None) if refused is None else (400, refused))
    if stored:
        assert _on_file(app) == stored
    else:
        assert _vehicles(app) == 0


@pytest.mark.parametrize("door", DOORS)
def test_a_check_digit_nobody_confirmed_is_refused_at_the_pages_and_a_warning_through_the_api(
        app, client, advisor, api, door):
    status, field, said = DOORS[door](client, api, {**NEW, "vin": BAD_DIGIT}, {})
    if door in PAGES:  # the desk asks the advisor, and offers the confirmation's checkbox
        assert (status, field) == (400, "vin") and "should be 1" in said and 'name="vin_confirmed"' in said
        assert _vehicles(app) == 0
    else:  # calls valid before the API checked the digit stay valid: taken, with the doubt named
        assert (status, field, said) == ("ok", None, ["vin_confirmed"])
        assert _on_file(app)[1] == BAD_DIGIT


def test_a_refusal_says_the_same_at_the_page_and_through_the_api(app, client, advisor, api):
    _, _, html = _by_desk(client, api, {**NEW, "phone": "021-6432 1234"}, {})
    _, _, detail = _by_api(client, api, {**NEW, "phone": "021-6432 1234"}, {})
    assert detail["confirmation"] == "landline" and detail["field"] == "customer.phone"
    assert detail["message"] in html and 'name="landline"' in html
