"""The bay kiosk through the test client: badge in, scan a tag, start, pause, finish,
and the odd cases (unknown badge, settled order, same tag twice, two bays on one job,
idle timeout), each answered on screen."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.core import times
from kiosk.db import connected
from kiosk.models import Attendance, ClockEvent, JobLine, StaffSession, WorkOrder
from kiosk.services import clock, scanning, workorders
from tests.support import PIN
from tests.support.bay import jobs_of, make_order

HX = {"HX-Request": "true"}


def feedback(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["feedback"]


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def _fresh_cooldown():
    # The cool-down remembers codes per terminal in the process; tests start clean.
    scanning.debouncer._last.clear()


@pytest.fixture
def scan(client):
    def do(code, c=None):
        return (c or client).post("/bay/scan", data={"code": code, "source": "wedge"}, headers=HX)

    return do


@pytest.fixture
def tech(make_staff):
    return make_staff("technician", name="张伟", badge="TEC-001")


@pytest.fixture
def order(app, tech):
    with app.app_context(), connected():
        found = make_order(technician=tech)
        return found.number


def in_db(app, fn):
    with app.app_context(), connected():
        return fn()


def test_idle_screen_waits_for_a_badge(client):
    page = text(client.get("/bay/"))
    assert "Scan your badge" in page and 'data-scan-url="/bay/scan"' in page


def test_badge_opens_the_technicians_session_with_their_jobs(scan, order, tech):
    response = scan("TEC-001")
    assert feedback(response) == "ok"
    page = text(response)
    assert "Hello, 张伟." in page and "更换前刹车片" in page and "四轮定位" in page
    assert 'data-bay-screen="home"' in page and "Clock in for the day" in page


def test_unknown_badge_and_codes_the_bay_does_not_use(scan):
    response = scan("TEC-404")
    assert feedback(response) == "bad" and "is not a work order, job, badge" in text(response)
    response = scan("BIN:A-01-01")
    assert feedback(response) == "bad" and "It is not used here" in text(response)


def test_a_tag_before_any_badge_asks_for_the_badge(scan, order):
    response = scan(order)
    assert feedback(response) == "bad" and "Scan your badge first" in text(response)


def test_scan_tag_start_pause_resume_finish(app, client, scan, order, tech):
    scan("TEC-001")
    page = text(scan(order))
    assert "choose a job" in page and 'data-action="start"' in page
    first, second = in_db(app, lambda: jobs_of(WorkOrder.get(WorkOrder.number == order)))
    response = client.post(f"/bay/jobs/{first.id.hex}/start", headers=HX)
    assert feedback(response) == "ok"
    page = text(response)
    assert "Clocked on: 更换前刹车片. Clocked in for today&#39;s shift." in page
    assert 'class="ticker"' in page and 'data-reason="parts"' in page
    assert in_db(app, lambda: WorkOrder.get(WorkOrder.number == order).status) == "in_repair"

    # Starting the second job ends the first (continuous clocking).
    page = text(client.post(f"/bay/jobs/{second.id.hex}/start", headers=HX))
    assert "Clocked off: 更换前刹车片." in page
    response = client.post(f"/bay/jobs/{second.id.hex}/pause", data={"loss_reason": "tool"}, headers=HX)
    assert "Paused: 四轮定位 (Waiting for a tool or bay)." in text(response)
    response = client.post(f"/bay/jobs/{second.id.hex}/pause", data={"loss_reason": "break"}, headers=HX)
    assert feedback(response) == "bad" and "not clocked on this job" in text(response)
    for job in (first, second):
        client.post(f"/bay/jobs/{job.id.hex}/start", headers=HX)
        assert "Finished" in text(client.post(f"/bay/jobs/{job.id.hex}/finish", headers=HX))
    assert in_db(app, lambda: WorkOrder.get(WorkOrder.number == order).status) == "qc"
    assert in_db(app, lambda: ClockEvent.select().count()) == 8
    # The order has left the workshop: its tag says so (after the cool-down).
    scanning.debouncer._last.clear()
    response = scan(order)
    assert feedback(response) == "bad" and "has left the workshop" in text(response)


def test_a_bad_pause_reason_writes_nothing(app, client, scan, order):
    scan("TEC-001")
    job = in_db(app, lambda: jobs_of(WorkOrder.get(WorkOrder.number == order))[0])
    client.post(f"/bay/jobs/{job.id.hex}/start", headers=HX)
    response = client.post(f"/bay/jobs/{job.id.hex}/pause", data={"loss_reason": "nap"}, headers=HX)
    assert response.status_code == 200 and feedback(response) == "bad"
    assert "Choose why the job is paused." in text(response)
    assert in_db(app, lambda: ClockEvent.select().count()) == 1


def test_the_same_tag_twice_is_ignored(scan, order):
    scan("TEC-001")
    assert feedback(scan(order)) == "ok"
    response = scan(order)
    assert feedback(response) == "bad" and "Already scanned" in text(response)
    assert response.headers.get("HX-Reswap") == "none"


def test_tag_of_a_settled_or_cancelled_order(app, scan, order):
    in_db(app, lambda: workorders.move(WorkOrder.get(WorkOrder.number == order), "cancelled"))
    scan("TEC-001")
    response = scan(order)
    assert feedback(response) == "bad" and "settled or cancelled" in text(response)


def test_two_bays_clocking_the_same_job(app, scan, order, make_staff):
    """Another technician at another bay, even allowed to take others' jobs, cannot join a non-team job."""
    from kiosk.services import clock_rules

    make_staff("technician", name="李军", badge="TEC-002")
    in_db(app, lambda: clock_rules.set_rule("take_others", True))
    job = in_db(app, lambda: jobs_of(WorkOrder.get(WorkOrder.number == order))[0])
    bay_one, bay_two = app.test_client(), app.test_client()
    scan("TEC-001", bay_one)
    scan("TEC-002", bay_two)
    assert feedback(bay_one.post(f"/bay/jobs/{job.id.hex}/start", headers=HX)) == "ok"
    response = bay_two.post(f"/bay/jobs/{job.id.hex}/start", headers=HX)
    assert feedback(response) == "bad"
    assert "张伟 is clocked on this job now" in text(response)
    assert in_db(app, lambda: ClockEvent.select().count()) == 1


def test_a_job_of_another_technician_needs_the_foremans_rule(app, client, scan, order, make_staff):
    make_staff("technician", name="李军", badge="TEC-002")
    job = in_db(app, lambda: jobs_of(WorkOrder.get(WorkOrder.number == order))[0])
    scan("TEC-002")
    response = client.post(f"/bay/jobs/{job.id.hex}/start", headers=HX)
    assert feedback(response) == "bad" and "assigned to 张伟" in text(response)
    assert in_db(app, lambda: ClockEvent.select().count()) == 0


def test_qc_badge_asks_for_the_pin_then_goes_to_the_qc_gate(client, scan, make_staff):
    make_staff("qc", name="孙丽", badge="QC-001")
    response = scan("QC-001")
    page = text(response)
    # Not on the badge alone: the PIN first, and no name before it.
    assert 'data-bay-screen="pin"' in page and "QC-001" in page and "孙丽" not in page
    assert "HX-Redirect" not in response.headers
    wrong = client.post("/bay/pin", data={"badge": "QC-001", "pin": "0000", "next": "/workshop/qc"}, headers=HX)
    assert "Wrong PIN" in text(wrong) and "HX-Redirect" not in wrong.headers
    right = client.post("/bay/pin", data={"badge": "QC-001", "pin": PIN, "next": "/workshop/qc"}, headers=HX)
    assert right.headers["HX-Redirect"] == "/workshop/qc"


def test_foreman_badge_asks_for_the_pin_and_an_advisor_has_no_work_here(client, scan, make_staff):
    make_staff("foreman", name="赵建国", badge="FOR-001")
    make_staff("advisor", name="王芳", badge="ADV-001")
    response = scan("FOR-001")
    assert 'data-bay-screen="pin"' in text(response) and "赵建国" not in text(response)
    assert client.get("/workshop/").status_code == 302  # no dispatch on the badge alone
    right = client.post("/bay/pin", data={"badge": "FOR-001", "pin": PIN, "next": "/workshop/"}, headers=HX)
    assert right.headers["HX-Redirect"] == "/workshop/"
    assert client.get("/workshop/").status_code == 200
    response = scan("ADV-001")
    assert feedback(response) == "bad" and "has no work at the bay" in text(response) and "王芳" not in text(response)


def test_idle_timeout_returns_to_the_idle_screen(app, client, scan, order):
    scan("TEC-001")
    assert "Hello" not in text(client.get("/bay/")) and 'data-bay-screen="home"' in text(client.get("/bay/"))
    with app.app_context(), connected():  # the badge session, kept on the server, was last used long ago
        StaffSession.update(seen_at=times.utcnow() - dt.timedelta(
            seconds=app.config["IDLE_TIMEOUT_SECONDS"] + 5)).execute()
    page = text(client.get("/bay/"))
    assert 'data-bay-screen="idle"' in page
    job = in_db(app, lambda: jobs_of(WorkOrder.get(WorkOrder.number == order))[0])
    response = client.post(f"/bay/jobs/{job.id.hex}/start", headers=HX)
    assert feedback(response) == "bad" and "Scan your badge first" in text(response)
    assert in_db(app, lambda: ClockEvent.select().count()) == 0


def test_badge_out_and_shift_buttons(app, client, scan, tech):
    scan("TEC-001")
    response = client.post("/bay/attendance/in", headers=HX)
    assert "Clocked in for today" in text(response) and "Clock out of the day" in text(response)
    response = client.post("/bay/attendance/in", headers=HX)
    assert feedback(response) == "bad" and "already clocked in" in text(response)
    assert "Clocked out" in text(client.post("/bay/attendance/out", headers=HX))
    assert in_db(app, lambda: [a.action for a in Attendance.select().order_by(Attendance.at, Attendance.id)]) \
        == ["in", "out"]
    assert 'data-bay-screen="idle"' in text(client.post("/bay/leave", headers=HX))


def test_a_job_id_that_is_not_one(scan, client, tech):
    scan("TEC-001")
    response = client.post("/bay/jobs/not-a-job/start", headers=HX)
    assert response.status_code == 200 and feedback(response) == "bad"
    assert "no longer on the work order" in text(response)


def test_without_htmx_a_button_lands_on_the_orders_page(app, client, scan, order):
    scan("TEC-001")
    job = in_db(app, lambda: jobs_of(WorkOrder.get(WorkOrder.number == order))[0])
    response = client.post(f"/bay/jobs/{job.id.hex}/start")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/bay/orders/{order}")
    page = text(client.get(response.headers["Location"]))
    assert "Clocked on: 更换前刹车片." in page and 'data-bay-screen="order"' in page
    assert in_db(app, lambda: JobLine.get_by_id(job.id).status) == "in_progress"
    assert in_db(app, lambda: clock.running(JobLine.get_by_id(job.id).technician).job_id) == job.id


def test_a_job_tag_opens_its_order_with_the_job_in_focus(app, scan, order):
    scan("TEC-001")
    second = in_db(app, lambda: jobs_of(WorkOrder.get(WorkOrder.number == order))[1])
    page = text(scan(f"{order}/2"))
    assert f'id="job-{second.id.hex}" class="card bay-job-card status-open focus' in page


def test_the_foreman_sets_the_clocking_rules(app, client, login, make_staff):
    from kiosk.services import clock_rules

    login(make_staff("technician"))
    assert client.post("/bay/rules", data={"take_others": "1"}).status_code == 403
    login(make_staff("foreman"))
    page = text(client.get("/bay/rules"))
    assert "Technicians may clock jobs dispatched to someone else" in page
    response = client.post("/bay/rules", data={"take_others": "1"}, follow_redirects=True)
    assert "Clocking rules saved" in text(response)
    assert in_db(app, clock_rules.all_rules) == {"take_unassigned": False, "take_others": True}
