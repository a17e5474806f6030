"""A fresh order driven through the chain after the workshop by the pages alone, each
person at their own screen: the customer signs at reception, the technician clocks
and finishes at the bay, the inspector passes QC and washing, the cashier settles and
takes the money, and the car is handed back with its checklist and signature."""
from __future__ import annotations

from kiosk.db import connected
from kiosk.models import Delivery, WorkOrder
from kiosk.services import customers, qc, scanning, workorders
from tests.support import PIN
from tests.support.bay import signature

HX = {"HX-Request": "true"}


def person(app, member):
    """A screen of its own, logged in as ``member`` (badge, then PIN)."""
    client = app.test_client()
    assert client.post("/login", data={"badge": member.badge, "pin": PIN, "next": "/"}).status_code == 302
    return client


def status(app, number) -> str:
    with app.app_context(), connected():
        return WorkOrder.get(WorkOrder.number == number).status


def test_a_fresh_order_from_signature_to_delivery_through_the_pages(app, make_staff):
    advisor, tech = make_staff("advisor", name="王芳"), make_staff("technician", name="张伟", badge="TEC-501")
    inspector, cashier = make_staff("qc", name="刘质检"), make_staff("cashier", name="郑敏")
    with app.app_context(), connected():
        owner = customers.find_or_create_customer("赵先生", "13912345678")
        car = customers.create_vehicle(owner, "沪AK7788", model="大众 帕萨特")
        order = workorders.open_work_order(owner, car, advisor=advisor, complaint="保养",
                                           jobs=[{"description": "更换机油机滤", "sold_hours": "1", "price": "300"}],
                                           walkaround={"mileage": 35120})
        number, job = order.number, workorders.live_jobs(order)[0].id.hex

    desk = person(app, advisor)
    assert desk.post(f"/reception/work-orders/{number}/authorize", data={"signature": signature()},
                     headers=HX).status_code == 200
    assert status(app, number) == "authorized"

    bay = app.test_client()
    scanning.debouncer._last.clear()
    bay.post("/bay/scan", data={"code": tech.badge, "source": "wedge"}, headers=HX)
    assert bay.post(f"/bay/jobs/{job}/start", headers=HX).status_code == 200
    assert bay.post(f"/bay/jobs/{job}/finish", headers=HX).status_code == 200
    assert status(app, number) == "qc"

    gate = person(app, inspector)
    gate.post(f"/workshop/qc/{number}", data={"decision": "pass", "checked": list(qc.CHECKLIST)}, headers=HX)
    assert status(app, number) == "washing"
    gate.post(f"/workshop/qc/{number}/washed", headers=HX)
    assert status(app, number) == "ready"

    till = person(app, cashier)
    assert till.post("/cashier/scan", data={"code": number, "source": "wedge"},
                     headers=HX).headers["HX-Redirect"] == f"/cashier/orders/{number}"
    till.post(f"/cashier/orders/{number}/payments", data={"amount": "100", "method": "cash"}, headers=HX)
    till.post(f"/cashier/orders/{number}/settle", data={"old_parts": "none", "repair_type": "maintenance"},
              headers=HX)
    assert status(app, number) == "settled"
    till.post(f"/cashier/orders/{number}/payments", data={"amount": "150", "method": "wechat"}, headers=HX)
    till.post(f"/cashier/orders/{number}/payments", data={"amount": "50", "method": "alipay"}, headers=HX)
    handed = desk.post(f"/delivery/{number}", data={"explained": [job], "findings_shown": "1",
                                                     "old_parts_shown": "1", "signature": signature()}, headers=HX)
    assert handed.status_code == 200 and "Print the gate pass" in handed.get_data(as_text=True)
    assert status(app, number) == "delivered"
    with app.app_context(), connected():
        assert Delivery.get(Delivery.work_order == WorkOrder.get(WorkOrder.number == number)).mileage == 35120
