"""The JSON API: token check, opening and reading work orders, staff, health,
and every kind of bad request answering 4xx JSON with nothing written."""
from __future__ import annotations

import copy
from importlib.metadata import version

import pytest

from kiosk.db import database
from kiosk.models import Customer, JobLine, Staff, Vehicle, WorkOrder
from kiosk.services import staff as staff_service
from kiosk.services import workorders
from sync.changelog import fold, serialize
from sync.tables import ChangeEvent
from sync.node import current_node
from tests.support.reception import ORDER

def counts(app) -> dict:
    with app.app_context(), database.connection_context():
        return {m.__name__: m.select().count() for m in (ChangeEvent, WorkOrder, Customer, Vehicle, JobLine, Staff)}


@pytest.mark.postgres
def test_open_and_read_work_order(app, api):
    created = api("post", "/work-orders", json=ORDER)
    assert created.status_code == 201, created.json
    number = created.json["number"]
    assert number.startswith("R1-") and len(created.json["id"]) == 32

    order = api("get", f"/work-orders/{number}").json
    assert order["number"] == number and order["id"] == created.json["id"]
    assert order["status"] == "checked_in"
    assert order["complaint"] == "刹车时有异响" and order["mileage"] == 45210
    assert order["customer"] == {"id": order["customer"]["id"], "name": "张建华", "phone": "138****8000"}
    assert order["vehicle"]["plate"] == "沪A12345" and order["vehicle"]["vin"] == "LSVAM4185C2184328"
    assert [j["description"] for j in order["jobs"]] == ["更换前刹车片", "四轮定位"]
    for job in order["jobs"]:
        assert set(job) >= {"id", "status", "clocked_minutes", "hours", "price", "pay_type"}
        assert job["status"] == "open" and job["clocked_minutes"] == 0
    assert order["jobs"][1]["hours"] == 0.8 and order["jobs"][1]["price"] == 280
    assert order["parts"] == [] and order["estimated_parts"] == []
    assert order["totals"]["labour"] == 580 and order["totals"]["total"] == 580


@pytest.mark.postgres
def test_read_shows_estimated_parts_and_totals(app, api):
    number = api("post", "/work-orders", json=ORDER).json["number"]
    with app.app_context(), database.connection_context():
        order = workorders.get_by_number(number)
        workorders.add_part_line(order, "前刹车片", qty=1, unit_price="560.50", part_no="5qd698151", non_catalogue=True)
    body = api("get", f"/work-orders/{number.lower()}").json
    assert body["parts"] == []
    assert body["estimated_parts"][0]["part_no"] == "5QD698151"
    assert body["estimated_parts"][0]["qty"] == 1 and body["estimated_parts"][0]["unit_price"] == 560.5
    assert body["totals"] == {"labour": 580, "parts": 560.5, "total": 1140.5, "hours": 1.8,
                              "by_payer": {"customer": 1140.5, "warranty": 0, "insurance": 0, "internal": 0}}


@pytest.mark.postgres
def test_known_customer_and_vehicle_are_reused(app, api):
    api("post", "/work-orders", json=ORDER)
    again = copy.deepcopy(ORDER)
    again["customer"]["name"] = "张先生"
    again["vehicle"]["mileage"] = 46000
    second = api("post", "/work-orders", json=again)
    assert second.status_code == 201
    assert counts(app)["Customer"] == 1 and counts(app)["Vehicle"] == 1
    assert api("get", f"/work-orders/{second.json['number']}").json["vehicle"]["mileage"] == 46000


@pytest.mark.postgres
def test_api_writes_record_change_events(app, api):
    api("post", "/work-orders", json=ORDER)
    with app.app_context(), database.connection_context():
        state = fold(ChangeEvent.select())
        for model in (Customer, Vehicle, WorkOrder, JobLine):
            for row in model.select():
                assert state[(model._meta.table_name, row.id.hex)] == serialize(row)


def test_health(app, api):
    body = api("get", "/health").json
    with app.app_context(), database.connection_context():
        node = current_node()
        assert body == {"node": node.node_id, "role": "kiosk", "station": "all", "version": version("bayflow"),
                        "outbox": 0, "last_sync": None}
    api("post", "/work-orders", json=ORDER)
    assert api("get", "/health").json["outbox"] == counts(app)["ChangeEvent"] > 0


@pytest.mark.postgres
def test_create_staff_then_log_in(app, api):
    answer = api("post", "/staff", json={"name": "李军", "badge": "tec-002", "roles": ["technician"], "pin": "2222"})
    assert answer.status_code == 201
    assert answer.json["badge"] == "TEC-002" and len(answer.json["id"]) == 32
    with app.app_context(), database.connection_context():
        assert staff_service.login("TEC-002", "2222").role_list == ["technician"]


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer "},
])
@pytest.mark.parametrize("method, path", [("get", "/health"), ("post", "/work-orders"),
                                          ("get", "/work-orders/R1-20261127-0001"), ("post", "/staff")])
def test_without_a_valid_token_nothing_is_answered(app, client, headers, method, path):
    before = counts(app)
    answer = getattr(client, method)(f"/api/v1{path}", headers=headers, json=ORDER)
    assert answer.status_code == 401
    assert answer.json["error"] == "unauthorized" and answer.json["detail"]
    assert counts(app) == before


def _without(path: str) -> dict:
    body = copy.deepcopy(ORDER)
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[key]
    del target[last]
    return body


def _with(path: str, value) -> dict:
    body = copy.deepcopy(ORDER)
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target[int(key) if key.isdigit() else key]
    target[int(last) if last.isdigit() else last] = value
    return body


BAD_ORDERS = {
    "not json": ("data", "{customer: ", 400, "invalid_json", None),
    "json array": ("json", [ORDER], 400, "invalid_json", None),
    "json string": ("json", "work order", 400, "invalid_json", None),
    "empty body": ("data", "", 400, "invalid_json", None),
    "no customer": ("json", _without("customer"), 400, "invalid", "customer"),
    "customer not an object": ("json", _with("customer", "张建华"), 400, "invalid", "customer"),
    "no customer name": ("json", _without("customer.name"), 400, "invalid", "customer.name"),
    "blank customer name": ("json", _with("customer.name", "  "), 400, "invalid", "customer.name"),
    "name is a number": ("json", _with("customer.name", 42), 400, "invalid", "customer.name"),
    "bad phone": ("json", _with("customer.phone", "12ab"), 400, "invalid", "customer.phone"),
    "no vehicle": ("json", _without("vehicle"), 400, "invalid", "vehicle"),
    "no plate nor vin": ("json", _with("vehicle", {"model": "大众 朗逸"}), 400, "invalid", "vehicle.plate"),
    "bad vin": ("json", _with("vehicle.vin", "LSVAM4187C218432O"), 400, "invalid", "vehicle.vin"),
    "negative mileage": ("json", _with("vehicle.mileage", -5), 400, "invalid", "vehicle.mileage"),
    "mileage not a number": ("json", _with("vehicle.mileage", "far"), 400, "invalid", "vehicle.mileage"),
    "no complaint": ("json", _without("complaint"), 400, "invalid", "complaint"),
    "blank complaint": ("json", _with("complaint", " "), 400, "invalid", "complaint"),
    "jobs not a list": ("json", _with("jobs", {"description": "x"}), 400, "invalid", "jobs"),
    "job not an object": ("json", _with("jobs.1", "四轮定位"), 400, "invalid", "jobs[1]"),
    "negative hours": ("json", _with("jobs.1.hours", -1), 400, "invalid", "jobs[1].hours"),
    "price not a number": ("json", _with("jobs.0.price", "三百"), 400, "invalid", "jobs[0].price"),
    "price is a boolean": ("json", _with("jobs.0.price", True), 400, "invalid", "jobs[0].price"),
    "price is infinite": ("json", _with("jobs.0.price", "Infinity"), 400, "invalid", "jobs[0].price"),
    # These two pass the shape check and are refused by the service half-way
    # through: the customer, vehicle and order made before must roll back.
    "blank job description": ("json", _with("jobs.1.description", " "), 400, "invalid", "jobs[1].description"),
    "unknown payer": ("json", _with("jobs.1.pay_type", "friend"), 400, "invalid", "jobs[1].pay_type"),
}


@pytest.mark.parametrize("case", BAD_ORDERS)
@pytest.mark.postgres
def test_bad_work_order_is_refused_and_writes_nothing(app, api, case):
    kind, payload, status, code, field = BAD_ORDERS[case]
    before = counts(app)
    answer = api("post", "/work-orders", **{kind: payload})
    assert answer.status_code == status
    assert answer.is_json and answer.json["error"] == code
    assert answer.json["detail"]["message"]
    assert answer.json["detail"]["field"] == field
    assert counts(app) == before
    # Not even a number was used up: the next order still gets the first one.
    assert api("post", "/work-orders", json=ORDER).json["number"].endswith("-0001")


@pytest.mark.postgres
def test_vehicle_on_file_with_another_plate_is_a_conflict(app, api):
    api("post", "/work-orders", json=ORDER)
    before = counts(app)
    answer = api("post", "/work-orders", json=_with("vehicle.plate", "沪B99999"))
    assert answer.status_code == 409 and answer.json["error"] == "conflict"
    assert answer.json["detail"]["field"] == "vehicle.plate"
    assert counts(app) == before


@pytest.mark.postgres
def test_unknown_work_order_is_404(app, api):
    answer = api("get", "/work-orders/R1-20000101-0001")
    assert answer.status_code == 404
    assert answer.json["error"] == "not_found" and answer.json["detail"]["number"] == "R1-20000101-0001"


def test_unknown_path_and_method_answer_json(api):
    assert api("get", "/nothing-here").json["error"] == "not_found"
    wrong = api("delete", "/health")
    assert wrong.status_code == 405 and wrong.json["error"] == "method_not_allowed"


BAD_STAFF = {
    "not json": ("data", "name=李军", "invalid_json", None),
    "no name": ("json", {"badge": "TEC-9", "roles": ["technician"], "pin": "1234"}, "invalid", "name"),
    "roles not a list": ("json", {"name": "李军", "badge": "TEC-9", "roles": {"a": 1}, "pin": "1234"}, "invalid",
                         "roles"),
    "unknown role": ("json", {"name": "李军", "badge": "TEC-9", "roles": ["boss"], "pin": "1234"}, "invalid",
                     "roles"),
    "short pin": ("json", {"name": "李军", "badge": "TEC-9", "roles": ["technician"], "pin": "12"}, "invalid", "pin"),
    "pin a list": ("json", {"name": "李军", "badge": "TEC-9", "roles": ["technician"], "pin": [1, 2]}, "invalid",
                   "pin"),
    "bad badge": ("json", {"name": "李军", "badge": "工号 9", "roles": ["technician"], "pin": "1234"}, "invalid",
                  "badge"),
}


@pytest.mark.parametrize("case", BAD_STAFF)
def test_bad_staff_is_refused(app, api, case):
    kind, payload, code, field = BAD_STAFF[case]
    before = counts(app)
    answer = api("post", "/staff", **{kind: payload})
    assert answer.status_code == 400 and answer.json["error"] == code
    assert answer.json["detail"]["field"] == field
    assert counts(app) == before


@pytest.mark.postgres
def test_badge_in_use_is_a_conflict(app, api):
    body = {"name": "李军", "badge": "TEC-9", "roles": ["technician"], "pin": "1234"}
    assert api("post", "/staff", json=body).status_code == 201
    again = api("post", "/staff", json=body)
    assert again.status_code == 409 and again.json["error"] == "conflict"
    assert again.json["detail"]["field"] == "badge"
