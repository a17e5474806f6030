"""The care desk's calls of the contract: follow-ups, complaints and their events, reminders."""
from __future__ import annotations

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.db import connected
from tests.support.care import delivered


@pytest.fixture
def orders(app, make_staff):
    make_staff("care", name="冯静", badge="CRE-001")
    make_staff("manager", name="马志强", badge="MGR-001")
    make_staff("technician", name="张伟", badge="TEC-001")
    with app.app_context(), connected():
        today = times.today()
        return [delivered(4, plate="沪E40001", phone="13500000001").number,
                delivered(3, plate="沪E40002", phone="13500000002",
                          next_service_date=today + dt.timedelta(days=10), next_service_mileage=40000).number]


def test_the_follow_up_list_and_a_low_score_opening_a_complaint(api, orders):
    listed = api("get", f"/follow-ups?due={times.today().isoformat()}")
    assert listed.status_code == 200
    assert [r["work_order"] for r in listed.json] == orders and listed.json[0]["attempts"] == 0
    assert {"plate", "delivered_at"} <= set(listed.json[0])
    missed = api("post", f"/work-orders/{orders[0]}/follow-ups", json={"badge": "CRE-001", "outcome": "no_answer"})
    assert missed.status_code == 201 and missed.json["complaint"] is None
    low = api("post", f"/work-orders/{orders[1]}/follow-ups",
              json={"badge": "CRE-001", "outcome": "reached", "score": 5, "repeat_fault": True, "comment": "还是响"})
    assert low.status_code == 201 and low.json["complaint"].startswith("TS-R1-") and low.json["propose_appointment"]
    assert [r["work_order"] for r in api("get", "/follow-ups").json] == []  # the missed one is due tomorrow
    tomorrow = (times.today() + dt.timedelta(days=1)).isoformat()
    assert [r["attempts"] for r in api("get", f"/follow-ups?due={tomorrow}").json] == [1]
    again = api("post", f"/work-orders/{orders[1]}/follow-ups", json={"badge": "CRE-001", "outcome": "no_answer"})
    assert again.status_code == 409


def test_follow_up_bad_bodies_are_4xx(api, orders):
    url = f"/work-orders/{orders[0]}/follow-ups"
    assert api("post", url, data="{not json").status_code == 400
    assert api("post", url, json={"badge": "CRE-001", "outcome": "maybe"}).json["error"] == "invalid"
    assert api("post", url, json={"badge": "CRE-001", "outcome": "reached"}).status_code == 400
    assert api("post", url, json={"badge": "CRE-001", "outcome": "reached", "score": 12}).status_code == 400
    assert api("post", url, json={"badge": "TEC-001", "outcome": "no_answer"}).status_code == 403
    assert api("post", url, json={"badge": "NOBODY", "outcome": "no_answer"}).status_code == 404
    assert api("post", "/work-orders/R1-00000000-0000/follow-ups",
               json={"badge": "CRE-001", "outcome": "no_answer"}).status_code == 404
    assert api("get", "/follow-ups?due=yesterday").status_code == 400


def test_complaints_open_act_close_after_agreement(api, orders):
    made = api("post", "/complaints", json={"badge": "TEC-001", "work_order": orders[0], "channel": "in_person",
                                            "category": "attitude", "text": "接待态度不好"})
    assert made.status_code == 201, made.json
    number = made.json["number"]
    listed = api("get", "/complaints?status=open").json
    assert [c["number"] for c in listed] == [number]
    assert listed[0]["owner"] is None and listed[0]["status"] == "open" and listed[0]["work_order"] == orders[0]
    events = f"/complaints/{number}/events"
    assert api("post", events, json={"badge": "CRE-001", "action": "assign", "to": "MGR-001"}).json["owner"] == "MGR-001"
    assert api("post", events, json={"badge": "MGR-001", "action": "close"}).status_code == 409
    assert api("post", events, json={"badge": "MGR-001", "action": "resolve", "text": "客户接受道歉"}).status_code == 201
    closed = api("post", events, json={"badge": "MGR-001", "action": "close"})
    assert closed.status_code == 201 and closed.json["status"] == "closed"
    assert api("get", "/complaints?status=open").json == []
    assert [c["number"] for c in api("get", "/complaints?status=closed").json] == [number]
    shown = api("get", f"/complaints/{number}").json
    assert [e["action"] for e in shown["log"]] == ["assign", "resolve", "close"] and shown["text"] == "接待态度不好"
    assert api("get", "/complaints/TS-NOPE").status_code == 404
    by_plate = api("post", "/complaints", json={"badge": "CRE-001", "plate": "沪E40002", "channel": "consumer_12315",
                                                "category": "price", "text": "12315转来"})
    assert by_plate.status_code == 201


def test_complaint_bad_bodies_are_4xx(api, orders):
    good = {"badge": "CRE-001", "channel": "phone", "category": "price", "text": "贵"}
    assert api("post", "/complaints", json={**good, "channel": "fax"}).status_code == 400
    assert api("post", "/complaints", json={**good, "plate": "沪Z99999"}).status_code == 404
    assert api("post", "/complaints", json={**good, "text": 5}).status_code == 400
    number = api("post", "/complaints", json=good).json["number"]
    assert api("post", f"/complaints/{number}/events", json={"badge": "CRE-001", "action": "dance"}).status_code == 400
    assert api("post", f"/complaints/{number}/events", json={"badge": "CRE-001", "action": "note"}).status_code == 400
    assert api("post", "/complaints/TS-X/events", json={"badge": "CRE-001", "action": "note",
                                                        "text": "x"}).status_code == 404
    assert api("get", "/complaints?status=maybe").status_code == 400


def test_reminders_by_date_and_window(api, orders):
    today = times.today()
    assert [r for r in api("get", f"/reminders?date={today}&within=5").json if r["kind"] == "maintenance"] == []
    found = api("get", f"/reminders?date={today}&within=10").json
    [entry] = [r for r in found if r["kind"] == "maintenance"]
    assert entry["plate"] == "沪E40002" and entry["due_mileage"] == 40000
    assert entry["due_date"] == (today + dt.timedelta(days=10)).isoformat() and entry["projected_mileage"] >= 30000
    assert api("get", "/reminders?within=-1").status_code == 400
    assert api("get", "/reminders?date=2026-13-01").status_code == 400


def test_a_text_too_long_is_refused_by_name_nothing_written(api, orders):
    long_words = "刹车异响" * 600  # 2,400 characters
    made = api("post", "/complaints", json={"badge": "CRE-001", "channel": "phone", "category": "quality",
                                            "text": long_words})
    assert made.status_code == 400 and made.json["detail"]["max_length"] == 2000
    call = api("post", f"/work-orders/{orders[0]}/follow-ups",
               json={"badge": "CRE-001", "outcome": "reached", "score": 9, "comment": long_words})
    assert call.status_code == 400 and call.json["detail"]["field"] == "comment"
    assert api("get", "/complaints?status=all").json == []
    assert [r["attempts"] for r in api("get", "/follow-ups").json] == [0, 0]
