"""At a badge-only station the badge alone does only a technician's own work (issue
#19, item 11): a manager's or administrator's badge typed at the bay opens neither
dispatch nor the QC gate until that person's PIN is typed (once per visit), and no
screen names the owner of a badge before the PIN."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.models import JobLine
from kiosk.services import scanning
from tests.support import PIN
from tests.support.bay import jobs_of, make_order

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_cooldown():
    scanning.debouncer._last.clear()


@pytest.fixture
def shop(app, make_staff):
    manager = make_staff("manager", name="马志强", badge="MGR-001")
    make_staff("admin", name="林晓东", badge="ADM-001")
    tech = make_staff("technician", name="张伟", badge="TEC-001")
    with app.app_context(), connected():
        job = jobs_of(make_order())[0]
    return manager, tech, job


def scan(client, code, where="/bay/scan"):
    return client.post(where, data={"code": code, "source": "wedge"}, headers=HX)


@pytest.mark.parametrize("badge", ["MGR-001", "ADM-001"])
def test_a_managers_badge_typed_at_the_bay_opens_nothing_without_the_pin(app, client, shop, badge):
    _manager, tech, job = shop
    answer = scan(client, badge)
    page = answer.get_data(as_text=True)
    assert 'data-bay-screen="pin"' in page and badge in page
    assert "马志强" not in page and "林晓东" not in page  # not greeted by name before the PIN
    assert client.get("/workshop/").status_code == 302  # dispatch: to the login
    assert client.get("/workshop/qc").get_data(as_text=True).count("Scan your QC badge") >= 1
    # Job assignment (a write) is refused too, and nothing changes.
    refused = client.post(f"/workshop/jobs/{job.id.hex}/assign", data={"technician": tech.id.hex, "bay": "3"},
                          headers=HX)
    assert refused.status_code in (302, 200) and refused.headers.get("HX-Redirect", "").startswith("/login")
    with app.app_context(), connected():
        assert JobLine.get_by_id(job.id).technician_id is None


def test_after_the_pin_dispatch_opens_for_the_visit_and_badging_out_ends_it(app, client, shop):
    _manager, tech, job = shop
    scan(client, "MGR-001")
    wrong = client.post("/bay/pin", data={"badge": "MGR-001", "pin": "0000", "next": "/workshop/"}, headers=HX)
    assert "Wrong PIN" in wrong.get_data(as_text=True) and client.get("/workshop/").status_code == 302
    right = client.post("/bay/pin", data={"badge": "MGR-001", "pin": PIN, "next": "/workshop/"}, headers=HX)
    assert right.headers["HX-Redirect"] == "/workshop/"
    assert client.get("/workshop/").status_code == 200
    done = client.post(f"/workshop/jobs/{job.id.hex}/assign", data={"technician": tech.id.hex, "bay": "3"},
                       headers=HX)
    assert done.status_code == 200
    with app.app_context(), connected():
        assert JobLine.get_by_id(job.id).technician_id == tech.id
    client.post("/bay/leave", headers=HX)
    assert client.get("/workshop/").status_code == 302  # the next visit asks again


def test_a_technicians_badge_alone_still_clocks(client, shop):
    assert 'data-bay-screen="home"' in scan(client, "TEC-001").get_data(as_text=True)


def test_the_login_page_does_not_say_whose_badge_it_is(client, shop):
    answer = scan(client, "MGR-001", "/login/scan")
    text = answer.get_data(as_text=True)
    assert "MGR-001" in text and "马志强" not in text
    typed = client.post("/login", data={"badge": "MGR-001"}).get_data(as_text=True)
    assert "MGR-001" in typed and "马志强" not in typed


def test_the_qc_gate_does_not_name_a_badge_either(client, shop):
    text = scan(client, "MGR-001", "/workshop/qc/scan").get_data(as_text=True)
    assert "马志强" not in text
    text = scan(client, "TEC-001", "/workshop/qc/scan").get_data(as_text=True)
    assert "张伟" not in text and "not a QC inspector" in text


def test_a_badge_session_lasts_the_idle_time_of_the_page_it_is_used_on(app, client, shop):
    """The bay's screens end a badge session after the bay's short idle time; at the QC gate and
    dispatch (a road test, a talk with the foreman) it lasts the workshop's."""
    import datetime as dt

    from kiosk.core import times
    from kiosk.models import StaffSession

    idle = app.config["IDLE_SECONDS"]
    assert idle["bay"] < idle["workshop"]
    scan(client, "MGR-001")
    client.post("/bay/pin", data={"badge": "MGR-001", "pin": PIN, "next": "/workshop/"}, headers=HX)
    assert client.get("/workshop/").status_code == 200

    def untouched_for(seconds):
        with app.app_context(), connected():
            StaffSession.update(seen_at=times.utcnow() - dt.timedelta(seconds=seconds)).execute()

    untouched_for(idle["bay"] + 5)  # past the bay's, within the workshop's
    assert client.get("/workshop/").status_code == 200
    untouched_for(idle["workshop"] + 5)
    assert client.get("/workshop/").status_code == 302  # ended: to the login
