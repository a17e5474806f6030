"""``POST /api/v1/work-orders/NUMBER/clock`` and the clocked minutes the order reports."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.db import connected
from kiosk.models import Attendance, ClockEvent, JobLine, WorkOrder
from tests.support.bay import jobs_of, make_order


@pytest.fixture
def order(app, make_staff):
    make_staff("technician", name="张伟", badge="TEC-001")
    make_staff("technician", name="李军", badge="TEC-002")
    make_staff("advisor", name="王芳", badge="ADV-001")
    with app.app_context(), connected():
        return make_order().number


def rows(app, model):
    with app.app_context(), connected():
        return list(model.select())


def test_start_assigns_clocks_in_and_stop_closes(app, api, order):
    response = api("post", f"/work-orders/{order}/clock", json={"badge": "TEC-001", "job": None, "action": "start"})
    assert response.status_code == 200, response.json
    body = response.json
    assert body["assigned"] and body["clocked_in"] and body["running"] == body["job"]
    assert body["order_status"] == "in_repair"
    [attendance] = rows(app, Attendance)
    assert attendance.action == "in"
    # Backdate the start by 25 minutes, as if the clock had run that long.
    with app.app_context(), connected():
        for event in ClockEvent.select():
            event.at -= dt.timedelta(minutes=25)
            event.save()
    response = api("post", f"/work-orders/{order}/clock", json={"badge": "TEC-001", "job": None, "action": "stop"})
    assert response.status_code == 200 and response.json["running"] is None
    assert response.json["clocked_minutes"] == 25
    jobs = api("get", f"/work-orders/{order}").json["jobs"]
    assert [j["clocked_minutes"] for j in jobs] == [25, 0]
    assert jobs[0]["technician"] == "TEC-001" and jobs[0]["status"] == "paused"


def test_start_a_named_job_switches_from_the_running_one(app, api, order):
    with app.app_context(), connected():
        first, second = jobs_of(WorkOrder.get(WorkOrder.number == order))
    api("post", f"/work-orders/{order}/clock", json={"badge": "TEC-001", "job": first.id.hex, "action": "start"})
    body = api("post", f"/work-orders/{order}/clock",
               json={"badge": "TEC-001", "job": second.id.hex, "action": "start"}).json
    assert body["switched_from"] == first.id.hex and body["running"] == second.id.hex
    # Another technician on the same (non-team) job: a clear conflict, nothing written.
    response = api("post", f"/work-orders/{order}/clock",
                   json={"badge": "TEC-002", "job": second.id.hex, "action": "start"})
    assert response.status_code == 409 and "张伟 is clocked on this job now" in response.json["detail"]["message"]
    assert len(rows(app, ClockEvent)) == 3


@pytest.mark.parametrize("body, status, error", [
    ({"badge": "TEC-001", "action": "jump"}, 400, "invalid"),
    ({"badge": "TEC-001"}, 400, "invalid"),
    ({"badge": "NOBODY", "action": "start"}, 404, "not_found"),
    ({"badge": "ADV-001", "action": "start"}, 403, "forbidden"),
    ({"badge": "TEC-001", "job": "not-a-job", "action": "start"}, 404, "not_found"),
    ({"badge": "TEC-001", "job": 7, "action": "start"}, 400, "invalid"),
    ({"badge": "TEC-001", "action": "stop"}, 409, "conflict"),
])
def test_bad_calls_are_4xx_and_write_nothing(app, api, order, body, status, error):
    response = api("post", f"/work-orders/{order}/clock", json=body)
    assert response.status_code == status and response.json["error"] == error
    assert rows(app, ClockEvent) == [] and rows(app, Attendance) == []


def test_unknown_order_and_unsigned_order(app, api, order):
    assert api("post", "/work-orders/R1-20200101-0001/clock",
               json={"badge": "TEC-001", "action": "start"}).status_code == 404
    with app.app_context(), connected():
        unsigned = make_order(authorized=False, plate="沪C33333").number
    response = api("post", f"/work-orders/{unsigned}/clock", json={"badge": "TEC-001", "action": "start"})
    assert response.status_code == 409 and "not authorized yet" in response.json["detail"]["message"]
    assert all(j.technician_id is None for j in rows(app, JobLine))
