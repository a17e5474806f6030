"""The QC gate: checklist and road test, pass to washing and ready, fail with rework;
the inspector's badge and the vehicle's tag scanned at the QC screen."""
from __future__ import annotations

import json

import pytest

from kiosk.core import times
from kiosk.db import database
from kiosk.models import JobLine, QcCheck, StatusChange, WorkOrder
from kiosk.services import figures, qc
from kiosk.services import staff as staff_service
from kiosk.core.errors import ServiceError
from tests.support.workshop import make_order

HX = {"HX-Request": "true"}
ALL = list(qc.CHECKLIST)


@pytest.fixture
def car(db):
    inspector = staff_service.create_staff("钱质检", "QC-101", ["qc"], "4441")
    order = make_order([("更换机油机滤", 1.0), ("检查刹车", 2.0)], status="qc")
    return inspector, order, list(order.jobs.order_by(JobLine.position))


def test_a_pass_needs_every_item_and_moves_to_washing_then_ready(car):
    inspector, order, _ = car
    with pytest.raises(ServiceError, match="Tick every item"):
        qc.record(order, inspector, passed=True, checked=ALL[:-1])  # no road test
    assert QcCheck.select().count() == 0 and WorkOrder.get_by_id(order.id).status == "qc"
    check = qc.record(order, inspector, passed=True, checked=ALL, road_test="5 km, no noise")
    assert json.loads(check.checklist) == {key: True for key in ALL}
    assert WorkOrder.get_by_id(order.id).status == "washing"
    qc.washed(WorkOrder.get_by_id(order.id), inspector)
    assert WorkOrder.get_by_id(order.id).status == "ready"
    moves = [s.to_status for s in StatusChange.select().where(StatusChange.work_order == order).order_by(StatusChange.at)]
    assert moves[-2:] == ["washing", "ready"]


def test_a_fail_reopens_the_rework_jobs_and_counts_against_first_time_fix(car):
    inspector, order, (oil, brakes) = car
    with pytest.raises(ServiceError, match="Choose the jobs"):
        qc.record(order, inspector, passed=False, checked=ALL)
    qc.record(order, inspector, passed=False, checked=ALL[:3], road_test="brake squeal", rework=[brakes.id.hex])
    assert WorkOrder.get_by_id(order.id).status == "rework"
    assert (JobLine.get_by_id(oil.id).status, JobLine.get_by_id(brakes.id).status) == ("open", "rework")
    # Fixed and back at QC: passes, but not the first time.
    fixed = WorkOrder.get_by_id(order.id)
    from kiosk.services import workorders
    workorders.move(fixed, "qc")
    qc.record(WorkOrder.get_by_id(order.id), inspector, passed=True, checked=ALL)
    import datetime as dt
    assert figures.first_time_fix(times.today(), times.today()) == {
        "through": 1, "first_time": 0, "rate": 0.0, "reworks": 1}


def test_odd_inputs_are_refused(car):
    inspector, order, (oil, _) = car
    other = make_order(status="qc")
    with pytest.raises(ServiceError, match="not on this work order"):
        qc.record(order, inspector, passed=False, rework=[other.jobs.get().id.hex])
    with pytest.raises(ServiceError, match="not on this work order"):
        qc.record(order, inspector, passed=False, rework=["garbage"])
    with pytest.raises(ServiceError, match="sends no job back"):
        qc.record(order, inspector, passed=True, checked=ALL, rework=[oil.id.hex])
    with pytest.raises(ServiceError, match="not at washing"):
        qc.washed(order)
    in_repair = make_order(status="in_repair")
    with pytest.raises(ServiceError, match="not waiting for QC"):
        qc.record(in_repair, inspector, passed=True, checked=ALL)
    assert QcCheck.select().count() == 0


# The QC screen ------------------------------------------------------------------------

@pytest.fixture
def at_qc(app):
    with app.app_context(), database.connection_context():
        staff_service.create_staff("钱质检", "QC-201", ["qc"], "4441")
        staff_service.create_staff("张师傅", "TEC-201", ["technician"], "2221")
        order = make_order([("更换机油机滤", 1.0), ("检查刹车", 2.0)], status="qc")
        return order.number, [j.id.hex for j in order.jobs.order_by(JobLine.position)]


def scan(client, code):
    return client.post("/workshop/qc/scan", data={"code": code, "source": "wedge"}, headers=HX)


def badge_in(client, badge, pin="4441"):
    """The inspector's badge, then the PIN it asks for (once per visit)."""
    asked = scan(client, badge)
    assert 'data-bay-screen="pin"' in asked.data.decode()
    done = client.post("/bay/pin", data={"badge": badge, "pin": pin, "next": "/workshop/qc"}, headers=HX)
    assert done.headers.get("HX-Redirect") == "/workshop/qc", done.data.decode()
    return client.get("/workshop/qc", headers=HX)


def test_badge_then_tag_then_pass(app, client, at_qc):
    number, _ = at_qc
    assert "Scan your QC badge" in client.get("/workshop/qc").data.decode()
    assert "Scan your QC badge first" in scan(client, number).data.decode()
    response = badge_in(client, "QC-201")
    assert "钱质检" in response.data.decode() and number in response.data.decode()
    assert "already" in scan(client, "QC-201").data.decode().lower()  # within the cool-down
    response = scan(client, number)
    assert "Road test" in response.data.decode() and json.loads(response.headers["HX-Trigger"])["feedback"] == "ok"
    response = client.post(f"/workshop/qc/{number}", data={"decision": "pass", "checked": ALL[:2]}, headers=HX)
    assert response.status_code == 422 and "Tick every item" in response.data.decode()
    response = client.post(f"/workshop/qc/{number}", data={"decision": "pass", "checked": ALL,
                                                           "road_test": "ok"}, headers=HX)
    assert "goes to washing" in response.data.decode()
    response = client.post(f"/workshop/qc/{number}/washed", headers=HX)
    assert "ready for delivery" in response.data.decode()
    with app.app_context(), database.connection_context():
        assert WorkOrder.get(WorkOrder.number == number).status == "ready"


def test_fail_from_the_screen(app, client, at_qc):
    number, (oil, brakes) = at_qc
    badge_in(client, "QC-201")
    response = client.post(f"/workshop/qc/{number}", data={"decision": "fail", "checked": ALL[:2],
                                                           "rework": [oil]}, headers=HX)
    assert "back to the workshop as rework" in response.data.decode()
    with app.app_context(), database.connection_context():
        assert WorkOrder.get(WorkOrder.number == number).status == "rework"
        assert JobLine.get_by_id(oil).status == "rework"


def test_wrong_people_and_codes_get_clear_answers(client, at_qc):
    number, _ = at_qc
    assert "is not a QC inspector" in scan(client, "TEC-201").data.decode()
    assert "not a work order, job, badge" in scan(client, "NOPE-123").data.decode()
    response = client.post(f"/workshop/qc/{number}", data={"decision": "pass", "checked": ALL}, headers=HX)
    assert response.status_code == 403 and "Scan your QC badge first" in response.data.decode()
    badge_in(client, "QC-201")
    response = client.post("/workshop/qc/R1-20000101-9999", data={"decision": "pass"}, headers=HX)
    assert response.status_code == 404 and "No work order with this number" in response.data.decode()
    client.post("/workshop/qc/done", headers=HX)
    assert "Scan your QC badge" in client.get("/workshop/qc").data.decode()


def test_a_car_not_at_qc_is_refused_by_scan(app, client, at_qc):
    with app.app_context(), database.connection_context():
        busy = make_order(status="in_repair").number
    badge_in(client, "QC-201")
    assert "is not waiting for QC" in scan(client, busy).data.decode()
