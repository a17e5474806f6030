"""``POST /api/v1/work-orders/NUMBER/authorizations`` (the contract's signing call), the
work order's ``authorizations`` and ``pending_changes``, and the status call that no longer
authorizes; the catalogue and package extensions."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.services import staff as staff_service
from tests.test_extrawork import signature

ORDER = {"customer": {"name": "李先生", "phone": "13812345678"},
         "vehicle": {"plate": "沪A12345", "model": "大众 朗逸", "mileage": 9800},
         "complaint": "保养", "jobs": [{"description": "更换机油机滤", "hours": 0.8, "price": 240}]}


@pytest.fixture
def number(app, api):
    with app.app_context(), connected():
        staff_service.create_staff("王芳", "ADV-001", ["advisor"], "1111")
        staff_service.create_staff("张伟", "TEC-001", ["technician"], "2221")
    return api("post", "/work-orders", json=ORDER).json["number"]


def sign(api, number, **body):
    return api("post", f"/work-orders/{number}/authorizations",
               json={"badge": "ADV-001", "signature": signature(), **body})


def test_signing_over_the_api_binds_the_current_version(api, number):
    # The status call cannot authorize: only a signature does.
    refused = api("post", f"/work-orders/{number}/status", json={"status": "authorized"})
    assert refused.status_code == 409 and refused.json["error"] == "conflict"
    assert api("get", f"/work-orders/{number}").json["status"] == "checked_in"

    answer = sign(api, number)
    assert answer.status_code == 201
    assert (answer.json["version"], answer.json["total"]) == (1, 240) and len(answer.json["hash"]) == 64
    order = api("get", f"/work-orders/{number}").json
    assert order["status"] == "authorized" and order["pending_changes"] == []
    [first] = order["authorizations"]
    assert (first["version"], first["total"], first["signer"]) == (1, 240, "李先生") and first["at"]

    api("post", f"/work-orders/{number}/jobs", json={"description": "四轮定位", "hours": 0.8, "price": 280})
    order = api("get", f"/work-orders/{number}").json
    [change] = order["pending_changes"]
    assert (change["change"], change["kind"], change["old_amount"], change["new_amount"]) == (
        "added", "labour", None, 280)
    assert order["status"] == "waiting_authorization"
    job = [j["id"] for j in order["jobs"] if j["description"] == "四轮定位"][0]
    clock = api("post", f"/work-orders/{number}/clock", json={"badge": "TEC-001", "job": job, "action": "start"})
    assert clock.status_code == 409 and "changed after the customer signed" in clock.json["detail"]["message"]

    stale = sign(api, number, hash=answer.json["hash"])  # the version shown before the new line
    assert stale.status_code == 409 and stale.json["detail"]["field"] == "signature"
    again = sign(api, number, signer="李太太")
    assert (again.status_code, again.json["version"], again.json["total"]) == (201, 2, 520)
    order = api("get", f"/work-orders/{number}").json
    assert [(a["version"], a["total"]) for a in order["authorizations"]] == [(1, 240), (2, 520)]
    assert order["authorizations"][1]["signer"] == "李太太" and order["pending_changes"] == []
    assert sign(api, number).status_code == 409  # nothing new to sign


@pytest.mark.parametrize("body, status, field", [
    ({"signature": "x"}, 400, "badge"),
    ({"badge": "ADV-001"}, 400, "signature"),
    ({"badge": "ADV-001", "signature": 5}, 400, "signature"),
    ({"badge": "NOPE", "signature": "data:image/png;base64,AAAA"}, 404, "badge"),
    ({"badge": "TEC-001", "signature": "data:image/png;base64,AAAA"}, 403, "badge"),
    ({"badge": "ADV-001", "signature": "data:image/png;base64,AAAA"}, 400, "signature"),
    ({"badge": "ADV-001", "signature": signature(ink=False)}, 400, "signature"),
])
def test_bad_signing_bodies_are_refused_and_write_nothing(api, number, body, status, field):
    answer = api("post", f"/work-orders/{number}/authorizations", json=body)
    assert answer.status_code == status and answer.json["detail"]["field"] == field
    assert api("get", f"/work-orders/{number}").json["authorizations"] == []
    assert api("post", "/work-orders/NOPE-1/authorizations",
               json={"badge": "ADV-001", "signature": signature()}).status_code == 404


def test_labour_catalogue_and_packages_over_the_api(api, number):
    saved = api("post", "/labour-operations", json={"code": "by-jy", "name": "保养机油", "name_en": "Oil service",
                                                     "hours": 0.5, "rates": {"customer": 300, "warranty": 200}})
    assert saved.status_code == 201
    assert api("post", "/labour-operations", json={"code": "BY-JY", "name": "保养机油", "hours": 0.6,
                                                    "rates": {"customer": 300}}).status_code == 200
    found = api("get", "/labour-operations?q=byjy").json
    assert [(o["code"], o["hours"], o["rates"]["customer"]) for o in found] == [("BY-JY", 0.6, 300)]
    assert api("post", "/labour-operations", json={"code": "X", "name": "", "hours": 1}).status_code == 400
    job = api("post", f"/work-orders/{number}/jobs", json={"operation": "BY-JY", "pay_type": "warranty"})
    assert (job.status_code, job.json["hours"], job.json["price"]) == (201, 0.6, 0.0)
    part = api("post", f"/work-orders/{number}/estimate-parts", json={"code": "NOPE"})
    assert part.status_code == 400 and part.json["detail"]["field"] == "part_no"
    odd = api("post", f"/work-orders/{number}/estimate-parts",
              json={"non_catalogue": True, "name": "玻璃水", "price": 15, "qty": 2})
    assert odd.status_code == 201 and odd.json["unit_price"] == 15
    assert api("post", f"/work-orders/{number}/packages", json={"package": "NOPE"}).status_code == 404
    assert api("get", "/packages?model=大众 朗逸").json == []
