"""Dispatching jobs, team jobs, who is on what, and clocks closed at shift end."""
from __future__ import annotations

import json

import datetime as dt

import pytest

from kiosk.core import times
from kiosk.db import database
from kiosk.models import Attendance, ClockEvent, JobLine
from kiosk.services import dispatch, figures
from kiosk.services import staff as staff_service
from kiosk.core.errors import ServiceError
from tests.support.workshop import at, attend, clock, make_order

HX = {"HX-Request": "true"}


@pytest.fixture
def shop(db):
    tech = staff_service.create_staff("张师傅", "TEC-201", ["technician"], "2221")
    mate = staff_service.create_staff("李师傅", "TEC-202", ["technician"], "2222")
    order = make_order([("更换机油机滤", 1.0), ("检查刹车", 2.0)])
    return tech, mate, order, list(order.jobs.order_by(JobLine.position))


def test_assign_and_reassign_a_job(shop):
    tech, mate, _, (oil, _) = shop
    dispatch.assign(oil, tech, "3")
    assert (JobLine.get_by_id(oil.id).technician_id, JobLine.get_by_id(oil.id).bay) == (tech.id, "3")
    dispatch.assign(oil, mate, "4")
    assert (JobLine.get_by_id(oil.id).technician_id, JobLine.get_by_id(oil.id).bay) == (mate.id, "4")
    dispatch.assign(oil, None, "")
    assert JobLine.get_by_id(oil.id).technician_id is None


def test_only_technicians_get_jobs_and_settled_orders_are_locked(shop):
    _, _, order, (oil, _) = shop
    advisor = staff_service.create_staff("王顾问", "ADV-201", ["advisor"], "1111")
    with pytest.raises(ServiceError, match="Only technicians"):
        dispatch.assign(oil, advisor, "1")
    for status in ("qc", "washing", "ready", "settled"):
        order.status = status
    order.save()
    with pytest.raises(ServiceError, match="settled or cancelled"):
        dispatch.assign(JobLine.get_by_id(oil.id), None, "1")


def test_team_job(shop):
    oil = shop[3][0]
    dispatch.set_team(oil, True)
    assert JobLine.get_by_id(oil.id).team is True
    dispatch.set_team(oil, False)
    assert JobLine.get_by_id(oil.id).team is False


def test_clocks_left_running_close_at_shift_end_once(shop):
    tech, mate, _, (oil, brakes) = shop
    attend(tech, "in", at(8))
    clock(tech, oil, "on", at(16))
    clock(mate, brakes, "on", at(19))  # overtime: closed at midnight, not at 18:00
    assert dispatch.close_open_clocks(at(17, 59)) == 0
    assert dispatch.close_open_clocks(at(18, 1)) == 1
    assert dispatch.close_open_clocks(at(18, 2)) == 0  # idempotent
    off = ClockEvent.get(ClockEvent.action == "off")
    assert (off.technician_id, off.at, off.reason, off.flagged) == (tech.id, at(18), "shift_end", True)
    out = Attendance.get(Attendance.action == "out")
    assert (out.at, out.flagged) == (at(18), True)
    next_morning = at(7, day=dt.date(2026, 11, 28))
    assert dispatch.close_open_clocks(next_morning) == 1
    late = ClockEvent.get((ClockEvent.action == "off") & (ClockEvent.technician == mate))
    assert late.at == at(0, day=dt.date(2026, 11, 28)) and late.flagged  # the store's midnight
    assert not any(i.open for i in figures.intervals(ClockEvent.select(), next_morning))
    review = dispatch.flagged_clocks(next_morning)
    assert [(r["technician"].name, r["interval"].problem) for r in review] == [
        ("李师傅", "shift_end"), ("张师傅", "shift_end")]


def test_the_shift_end_is_a_setting(app, shop):
    tech, _, _, (oil, _) = shop
    app.config["SHIFT_END"] = "17:30"
    clock(tech, oil, "on", at(9))
    assert dispatch.close_open_clocks(at(17, 45)) == 1
    assert ClockEvent.get(ClockEvent.action == "off").at == at(17, 30)
    app.config["SHIFT_END"] = "nonsense"
    assert dispatch.shift_end_time() == dt.time(18, 0)


def test_who_is_on_what(shop):
    tech, mate, _, (oil, _) = shop
    now = times.utcnow().replace(microsecond=0)
    attend(tech, "in", now - dt.timedelta(hours=2))
    clock(tech, oil, "on", now - dt.timedelta(minutes=25))
    board = {row["technician"].name: row for row in dispatch.who_is_on_what(now)}
    assert board["张师傅"]["in_shift"] and board["张师傅"]["clocks"][0]["minutes"] == 25
    assert board["张师傅"]["clocks"][0]["job"].id == oil.id
    assert not board["李师傅"]["in_shift"] and board["李师傅"]["clocks"] == []


# Pages --------------------------------------------------------------------------------

@pytest.fixture
def foreman(make_staff, login):
    return login(make_staff("foreman", name="赵主任", badge="FOR-201"))


@pytest.fixture
def order(app):
    with app.app_context(), database.connection_context():
        tech = staff_service.create_staff("张师傅", "TEC-301", ["technician"], "2221")
        order = make_order([("更换机油机滤", 1.0)])
        return order.number, order.jobs.get().id.hex, tech.id.hex


def test_dispatch_page_assigns_a_job(app, client, foreman, order):
    number, job_id, tech_id = order
    page = client.get("/workshop/").data.decode()
    assert number in page and "更换机油机滤" in page and "张师傅" in page
    response = client.post(f"/workshop/jobs/{job_id}/assign", data={"technician": tech_id, "bay": "2"}, headers=HX)
    assert response.status_code == 200 and 'selected>张师傅' in response.data.decode()
    # The row answers for itself; the other screens hear of it by the server-sent jobline-changed.
    assert json.loads(response.headers["HX-Trigger"]) == {"feedback": "ok"}
    with app.app_context(), database.connection_context():
        job = JobLine.get_by_id(job_id)
        assert (job.technician_id.hex, job.bay) == (tech_id, "2")


@pytest.mark.parametrize("form, message", [
    ({"technician": "not-an-id", "bay": "1"}, "Choose a technician from the list."),
    ({"technician": "", "bay": "99"}, "Choose a bay from the list."),
])
def test_bad_dispatch_input_is_refused_in_words(app, client, foreman, order, form, message):
    _, job_id, _ = order
    response = client.post(f"/workshop/jobs/{job_id}/assign", data=form, headers=HX)
    assert response.status_code == 400 and message in response.data.decode()
    with app.app_context(), database.connection_context():
        assert JobLine.get_by_id(job_id).bay == ""


def test_an_unknown_job_is_a_message_not_an_error_page(client, foreman):
    response = client.post("/workshop/jobs/nonsense/assign", data={"technician": ""}, headers=HX)
    assert response.status_code == 404 and "no longer on the work order" in response.data.decode()


def test_technicians_may_not_dispatch(client, make_staff, login):
    login(make_staff("technician"))
    assert client.get("/workshop/").status_code == 403
    assert client.get("/workshop/figures").status_code == 403


def test_a_foreman_badge_and_pin_at_the_bay_open_dispatch(app, client, make_staff):
    import datetime as dt

    from kiosk.db import connected
    from kiosk.models import StaffSession
    from tests.support import PIN

    make_staff("foreman", badge="FOR-202")
    hx = {"HX-Request": "true"}
    client.post("/bay/scan", data={"code": "FOR-202", "source": "wedge"}, headers=hx)
    assert client.get("/workshop/").status_code == 302  # the badge alone opens nothing
    client.post("/bay/pin", data={"badge": "FOR-202", "pin": PIN, "next": "/workshop/"}, headers=hx)
    assert client.get("/workshop/").status_code == 200
    with app.app_context(), connected():  # timed out
        StaffSession.update(seen_at=times.utcnow() - dt.timedelta(hours=1)).execute()
    assert client.get("/workshop/").status_code == 302


def test_the_foreman_sets_the_shift_end_for_the_whole_store(app, client, foreman, shop):
    from kiosk.models import StoreSetting
    from kiosk.services import clock_rules

    tech, _, _, (oil, _) = shop
    app.config["SHIFT_END"] = "18:00"
    page = client.get("/bay/rules").get_data(as_text=True)
    assert 'name="shift_end" value="18:00"' in page
    before = StoreSetting.select().count()
    refused = client.post("/bay/rules", data={"shift_end": "25:99", "take_unassigned": "1", "take_others": "1"})
    assert refused.status_code == 422 and "e.g. 18:00" in refused.get_data(as_text=True)
    assert StoreSetting.select().count() == before  # nothing written, not even the ticked rule
    assert client.post("/bay/rules", data={"shift_end": "17:15", "take_unassigned": "1"}).status_code == 302
    assert clock_rules.shift_end() == "17:15" and dispatch.shift_end_time() == dt.time(17, 15)
    clock(tech, oil, "on", at(9))
    assert dispatch.close_open_clocks(at(17, 20)) == 1
    assert ClockEvent.get(ClockEvent.action == "off").at == at(17, 15)


def test_the_foreman_settles_a_flagged_clock_and_it_leaves_the_list(client, foreman, shop):
    from kiosk.models import ClockReview

    tech, _, _, (oil, _) = shop
    clock(tech, oil, "on", at(16))
    assert dispatch.close_open_clocks(at(18, 5)) == 1
    [row] = dispatch.flagged_clocks(at(19))
    page = client.get("/workshop/").get_data(as_text=True)
    assert "Checked with the technician" in page
    bad = client.post("/workshop/flagged/review", data={"technician": "nope", "job": oil.id.hex, "start": "x"},
                      headers=HX)
    assert bad.status_code == 200 and "could not be found" in bad.get_data(as_text=True)
    assert ClockReview.select().count() == 0
    done = client.post("/workshop/flagged/review", headers=HX, data={
        "technician": tech.id.hex, "job": oil.id.hex, "start": row["interval"].start.isoformat()})
    assert done.status_code == 200 and '"ok"' in done.headers["HX-Trigger"]
    assert "Checked with the technician" not in done.get_data(as_text=True)
    assert dispatch.flagged_clocks(at(19)) == []
    review = ClockReview.get()
    assert (review.technician_id, review.job_id, review.started_at, review.reviewer_id) == (
        tech.id, oil.id, at(16), foreman.id)
    assert figures.intervals(ClockEvent.select(), at(19))[0].minutes == 120  # the clock itself is unchanged
