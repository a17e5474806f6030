"""Editing a work order over the API: fields, job lines, status."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.models import JobLine, WorkOrder
from kiosk.services import staff as staff_service
from sync.tables import ChangeEvent


@pytest.fixture
def api(app, client):
    with app.app_context(), connected():
        token = staff_service.issue_token("test")
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, path, body=None):
        return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)

    return call


@pytest.fixture
def number(api):
    body = {"customer": {"name": "钱先生", "phone": "13800138000"},
            "vehicle": {"plate": "苏E12345", "vin": "", "model": "别克 君威", "mileage": 1000},
            "complaint": "保养", "jobs": [{"description": "更换机油", "hours": 0.5, "price": 150}]}
    return api("POST", "/work-orders", body).get_json()["number"]


def test_patch_changes_only_named_fields(app, api, number):
    response = api("PATCH", f"/work-orders/{number}", {"notes": "客户在店等候", "mileage": 1200})
    assert response.status_code == 200 and response.get_json()["changed"] == ["mileage", "notes"]
    with app.app_context(), connected():
        order = WorkOrder.get(WorkOrder.number == number)
        assert (order.notes, order.mileage) == ("客户在店等候", 1200)
        last = ChangeEvent.select().order_by(ChangeEvent.seq.desc()).get()
        assert last.data == {"mileage": 1200, "notes": "客户在店等候"}


def test_add_job_and_move_status(app, api, number):
    assert api("POST", f"/work-orders/{number}/jobs", {"description": "四轮定位", "hours": 1, "price": 200}).status_code == 201
    assert api("POST", f"/work-orders/{number}/status", {"status": "diagnosis"}).get_json()["status"] == "diagnosis"
    backwards = api("POST", f"/work-orders/{number}/status", {"status": "checked_in"})
    assert backwards.status_code == 409 and backwards.get_json()["error"]
    with app.app_context(), connected():
        assert JobLine.select().count() == 2


@pytest.mark.parametrize("body", [{}, {"mileage": -5}, {"promised_at": "tomorrow"}, {"notes": 5}])
def test_bad_edits_write_nothing(app, api, number, body):
    with app.app_context(), connected():
        before = ChangeEvent.select().count()
    response = api("PATCH", f"/work-orders/{number}", body)
    assert 400 <= response.status_code < 500 and "error" in response.get_json()
    with app.app_context(), connected():
        assert ChangeEvent.select().count() == before
