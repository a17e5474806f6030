"""Long texts cannot tie a kiosk up (issue #19, item 5): a label's text is fitted
in logarithmic steps, not a character at a time, and every person's text field
has a length limit the change log enforces for pages, API and command line alike
— with a clear message, nothing written — while the sync merge cuts a longer
text another node sent at the same limit, so every node ends with the same row."""
from __future__ import annotations

import json

import pytest

from hardware import labels, labels_a4, labels_layout
from kiosk.db import connected
from kiosk.models import Customer, JobLine, Staff, WorkOrder
from kiosk.core import limits
from kiosk.services import customers, workorders
from kiosk.core.errors import ServiceError
from sync import changelog
from tests.support.merge_nodes import Nodes

HUGE = "前刹车片磨损严重需要更换" * 9000  # about 100,000 characters, as the API once took


def test_fitting_a_huge_text_on_a_label_takes_a_linear_number_of_steps(monkeypatch):
    """The old fit measured the whole text again after each character it cut: for 16,000
    characters, 128 million measurements (85 s). Counted here, not timed."""
    measured = {"n": 0}
    real = labels_layout.char_width

    def counting(c):
        measured["n"] += 1
        return real(c)

    # Where the layout and the A4 sheet look the width up (hardware.labels re-exports it).
    monkeypatch.setattr(labels_layout, "char_width", counting)
    monkeypatch.setattr(labels_a4, "char_width", counting)
    cut = labels.fit(HUGE, 52.0, 3.0)
    counted = measured["n"]
    assert cut.endswith("…") and labels.em_width(cut) * 3.0 <= 52.0
    assert labels.em_width(cut[:-1] + HUGE[len(cut) - 1] + "…") * 3.0 > 52.0  # the longest prefix that fits
    assert len(HUGE) <= counted <= 3 * len(HUGE) + 100  # every character once or so: counted, not skipped
    measured["n"] = 0
    lines = labels_a4.wrap(HUGE, 170.0, 3.2)
    assert "".join(lines) == HUGE and len(HUGE) <= measured["n"] <= 2 * len(HUGE) + 100


@pytest.mark.parametrize("text, width, size", [("短", 10.0, 3.0), ("Brake pads worn", 10.0, 3.0),
                                                ("更换前刹车片 and rotors", 20.0, 2.5), ("", 5.0, 3.0)])
def test_fit_cuts_where_it_always_did(text, width, size):
    expected = text
    if labels.em_width(text) * size > width:
        while expected and labels.em_width(expected + "…") * size > width:
            expected = expected[:-1]
        expected += "…"
    assert labels.fit(text, width, size) == expected


def test_the_api_refuses_a_huge_job_description_and_writes_nothing(app, api):
    body = {"customer": {"name": "张建华", "phone": "13800138000"}, "vehicle": {"plate": "沪A12345"},
            "complaint": "保养", "jobs": [{"description": HUGE, "hours": 1, "price": 100}]}
    answer = api("post", "/work-orders", json=body)
    assert answer.status_code == 400
    detail = answer.get_json()["detail"]
    assert detail["field"] == "jobs[0].description" and detail["max_length"] == 500
    assert detail["message"] == "The description is too long: at most 500 characters."
    with app.app_context(), connected():
        assert Customer.select().count() == 0 and WorkOrder.select().count() == 0


@pytest.mark.parametrize("path, body, field", [
    ("/staff", {"name": "张" * 101, "badge": "TEC-LONG", "roles": ["technician"], "pin": "2468"}, "name"),
    ("/parts", {"part_no": "P-1", "name": "刹" * 101, "price": 1}, "name"),
    ("/work-orders", {"customer": {"name": "张建华", "phone": "13800138000"}, "vehicle": {"plate": "沪A" * 11},
                      "complaint": "x"}, "vehicle.plate"),
    ("/work-orders", {"customer": {"name": "张建华", "phone": "13800138000"}, "vehicle": {"plate": "沪A12345"},
                      "complaint": "异响" * 1001}, "complaint"),
])
def test_every_name_plate_and_complaint_has_a_limit(api, path, body, field):
    answer = api("post", path, json=body)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["detail"]["field"] == field
    assert "too long" in answer.get_json()["detail"]["message"]


def test_a_page_says_which_text_is_too_long(app, client, advisor):
    with app.app_context(), connected():
        customer = customers.find_or_create_customer("李先生", "13812345678")
        vehicle = customers.create_vehicle(customer, "沪AD1234")
        number = workorders.open_work_order(customer, vehicle, complaint="异响").number
    answer = client.post(f"/reception/work-orders/{number}/jobs", headers={"HX-Request": "true"},
                         data={"description": HUGE, "sold_hours": "1", "price": "1", "pay_type": "customer"})
    assert answer.status_code in (400, 422)
    assert "The description is too long: at most 500 characters." in answer.get_data(as_text=True)
    with app.app_context(), connected():
        assert JobLine.select().count() == 0


def test_the_merge_cuts_a_long_text_from_another_node_the_same_everywhere(tmp_path):
    """An older or faulty kiosk's event with a 100,000-character complaint: the hub and the
    other kiosk each keep the first 2,000 characters."""
    group = Nodes(tmp_path)
    try:
        group.add("old", "kiosk")
        group.add("hub", "hub")
        group.add("other", "kiosk")
        with group.use("old"):
            customer = customers.create_customer("李雷", "13812345678")
            vehicle = customers.create_vehicle(customer, "京A12345")
            order = workorders.open_work_order(customer, vehicle, complaint="异响")
        events = group.events("old")
        for event in events:  # what a build without limits would have sent
            if event["entity"] == "work_order":
                payload = json.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
                payload["complaint"] = HUGE
                event["payload"] = json.dumps(payload, ensure_ascii=False)
        group.send(events, to="hub")
        group.sync("hub", "other")
        for name in ("hub", "other"):
            with group.use(name):
                assert WorkOrder.get_by_id(order.id).complaint == HUGE[:limits.TEXT_LIMITS["complaint"]]
    finally:
        group.close()


def test_the_change_log_is_where_the_limit_holds(db):
    person = Staff(name="张" * 101, badge="TEC-X", roles="technician")
    with pytest.raises(ServiceError) as refused:
        from kiosk.db import transaction

        with transaction():
            changelog.save(person)
    assert refused.value.field == "name" and "The person's name is too long: at most 100 characters." in str(refused.value)
    assert Staff.select().count() == 0
