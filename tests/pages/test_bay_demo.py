"""The README's bay walk-through on the demo store: TEC-001 badges in, finds the
authorized battery job waiting, scans its order and clocks on."""
from __future__ import annotations

import json

import pytest

from kiosk.db import connected
from kiosk.demo.workshop import DEMO_BAY, jobs_of_demo_technician
from kiosk.models import WorkOrder
from kiosk.services import scanning

HX = {"HX-Request": "true"}


@pytest.mark.demo_store
def test_demo_technician_clocks_through_the_authorized_order(app, client):
    scanning.debouncer._last.clear()
    with app.app_context(), connected():
        jobs = jobs_of_demo_technician()
        order = WorkOrder.get_by_id(jobs[0].work_order_id)
        assert order.status == "authorized" and {j.bay for j in jobs} == {DEMO_BAY}
        assert [j.description for j in jobs] == ["更换蓄电池", "召回活动: 发动机控制单元软件升级"]
    home = client.post("/bay/scan", data={"code": "TEC-001", "source": "wedge"}, headers=HX).get_data(as_text=True)
    assert "张伟" in home and "更换蓄电池" in home
    page = client.post("/bay/scan", data={"code": order.number.lower(), "source": "typed"},
                       headers=HX).get_data(as_text=True)
    assert f'data-number="{order.number}"' in page
    response = client.post(f"/bay/jobs/{jobs[0].id.hex}/start", headers=HX)
    assert json.loads(response.headers["HX-Trigger"])["feedback"] == "ok"
    with app.app_context(), connected():
        assert WorkOrder.get_by_id(order.id).status == "in_repair"
