"""Drive a work order from check-in to ready (and on) through the API alone
(CONTRACT "The chain after the workshop"). ``call(method, path, body)`` returns the
answer's JSON and checks its status: a Flask test client or a node's ``api``."""
from __future__ import annotations

import datetime as dt

from tests.support.bay import signature

STAFF = [("王芳", "ADV-001", ["advisor"], "1111"), ("张伟", "TEC-001", ["technician"], "2221"),
         ("刘质检", "QC-001", ["qc"], "3331"), ("郑敏", "CSH-001", ["cashier"], "6661"),
         ("周经理", "MGR-001", ["manager"], "9991")]


def order_body(i: int, *, promised_at: str | None = None) -> dict:
    body = {"customer": {"name": f"客户{i}", "phone": f"137{i:08d}"},
            "vehicle": {"plate": f"沪D{i:05d}", "model": "大众 朗逸", "mileage": 30000 + i},
            "complaint": "保养", "jobs": [{"description": "更换机油机滤", "hours": 1, "price": 240}]}
    if promised_at:
        body["promised_at"] = promised_at
    return body


def make_staff(call) -> None:
    for name, badge, roles, pin in STAFF:
        call("POST", "/staff", {"name": name, "badge": badge, "roles": roles, "pin": pin}, 201)


def to_ready(call, i: int = 1, *, promised_in_hours: float = 4) -> str:
    """A fresh order signed, clocked, finished, QC passed and washed: its number."""
    # With its offset: the store's zone may not be the machine's.
    promised = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=promised_in_hours)).isoformat(timespec="minutes")
    number = call("POST", "/work-orders", order_body(i, promised_at=promised), 201)["number"]
    call("POST", f"/work-orders/{number}/authorizations", {"badge": "ADV-001", "signature": signature()}, 201)
    call("POST", f"/work-orders/{number}/clock", {"badge": "TEC-001", "action": "start"}, 200)
    finished = call("POST", f"/work-orders/{number}/clock", {"badge": "TEC-001", "action": "finish"}, 200)
    assert finished["order_status"] == "qc", finished
    assert call("POST", f"/work-orders/{number}/qc", {"badge": "QC-001", "result": "pass"}, 201)["status"] == "washing"
    assert call("POST", f"/work-orders/{number}/washed", {"badge": "QC-001"}, 201)["status"] == "ready"
    return number
