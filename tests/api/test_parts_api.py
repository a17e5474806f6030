"""The parts calls of the JSON API: the same services as a counter scan, 4xx JSON for mistakes."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.models import JobLine, StockMove
from kiosk.services import staff as staff_service
from kiosk.services import stock, workorders
from sync.tables import ChangeEvent
from tests.support.parts import order_with_jobs


@pytest.fixture
def store(app, make_staff, api):
    make_staff("parts_clerk", badge="PRT-901")
    make_staff("technician", badge="TEC-901")
    make_staff("advisor", badge="ADV-901")
    with app.app_context(), connected():
        order = order_with_jobs({"description": "保养"}, {"description": "增项"})
        JobLine.update(authorization="pending").where(JobLine.position == 2).execute()
        jobs = workorders.live_jobs(order)
    created = api("post", "/parts", json={"part_no": "06L115562B", "name": "机油滤清器",
                                          "barcodes": ["6901234567892", {"code": "OF39", "symbology": "Code39"}],
                                          "price": "68.00"})
    assert created.status_code == 201, created.json
    return {"order": order, "jobs": jobs}


def events(app):
    with app.app_context(), connected():
        return ChangeEvent.select().count()


def test_create_receive_look_up_and_issue(app, api, store):
    assert api("post", "/parts/06L115562B/receipts", json={"qty": 4}).json["on_hand"] == 4
    part = api("get", "/parts/OF39").json
    assert part["part_no"] == "06L115562B" and part["on_hand"] == 4 and part["price"] == 68
    number = store["order"].number
    issued = api("post", f"/work-orders/{number}/parts",
                 json={"code": "6901234567892", "qty": 2, "badge": "PRT-901", "receiver": "TEC-901",
                       "job": store["jobs"][0].id.hex})
    assert issued.status_code == 201, issued.json
    assert issued.json["on_hand"] == 2 and issued.json["slip"].startswith("IS-")
    order = api("get", f"/work-orders/{number}").json
    assert order["parts"] == [{"part_no": "06L115562B", "qty": 2}]
    with app.app_context(), connected():
        stock.hand_over(store["order"], [(stock.Part.get(), 1, store["jobs"][0])], kind="return",
                        receiver=staff_service.find_by_badge("TEC-901"))
    assert api("get", f"/work-orders/{number}").json["parts"] == [{"part_no": "06L115562B", "qty": 1}]


@pytest.mark.parametrize("body, status, field", [
    ({"code": "6901234567892", "qty": 0, "badge": "PRT-901"}, 400, "qty"),
    ({"code": "6901234567892", "qty": -1, "badge": "PRT-901"}, 400, "qty"),
    ({"code": "6901234567892", "qty": "two", "badge": "PRT-901"}, 400, "qty"),
    ({"code": "6901234567892", "qty": True, "badge": "PRT-901"}, 400, "qty"),
    ({"code": "NO-SUCH-CODE", "qty": 1, "badge": "PRT-901"}, 404, "code"),
    ({"code": "6901234567892", "qty": 1, "badge": "TEC-901"}, 403, "badge"),  # a technician is not a clerk
    ({"code": "6901234567892", "qty": 1, "badge": "PRT-901", "receiver": "ADV-901"}, 403, "receiver"),
    ({"code": "6901234567892", "qty": 1}, 400, "badge"),
    ({"code": "6901234567892", "qty": 1, "badge": "PRT-901", "job": "zz"}, 400, "job"),
])
def test_bad_issues_are_4xx_and_write_nothing(app, api, store, body, status, field):
    api("post", "/parts/06L115562B/receipts", json={"qty": 1})
    before = events(app)
    response = api("post", f"/work-orders/{store['order'].number}/parts", json=body)
    assert response.status_code == status, response.json
    assert response.json["detail"]["field"] == field and response.json["detail"]["message"]
    assert events(app) == before


def test_locked_extra_work_and_settled_orders(app, api, store):
    number = store["order"].number
    body = {"code": "06L115562B", "qty": 1, "badge": "PRT-901", "job": store["jobs"][1].id.hex}
    response = api("post", f"/work-orders/{number}/parts", json=body)
    assert response.status_code == 409 and "not authorized" in response.json["detail"]["message"]
    with app.app_context(), connected():
        workorders.move(store["order"], "cancelled")
    response = api("post", f"/work-orders/{number}/parts", json={**body, "job": None})
    assert response.status_code == 409 and response.json["error"] == "conflict"
    with app.app_context(), connected():
        assert StockMove.select().where(StockMove.kind == "issue").count() == 0


def test_catalogue_mistakes(api, store):
    assert api("post", "/parts", json={"part_no": "06L115562B", "name": "dup"}).status_code == 409
    assert api("post", "/parts", json={"part_no": "X", "name": "short"}).json["detail"]["field"] == "part_no"
    assert api("post", "/parts", json={"part_no": "NEW-1", "name": "n", "barcodes": "123"}).status_code == 400
    assert api("post", "/parts", json={"part_no": "NEW-1", "name": "n", "barcodes": ["OF39"]}).status_code == 409
    assert api("post", "/parts", data="not json").json["error"] == "invalid_json"
    assert api("post", "/parts/NOPE/receipts", json={"qty": 1}).status_code == 404
    assert api("post", "/parts/06L115562B/receipts", json={"qty": "0"}).status_code == 400
    assert api("get", "/parts/NOPE").status_code == 404
