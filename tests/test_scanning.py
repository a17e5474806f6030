"""One path for every scan: what a code is (kiosk.services.codes), the cool-down
(kiosk.services.scanning), and the scan endpoints of the login page and the
reception desk, which answer every code with a message and never an error page."""
from __future__ import annotations

import json

import pytest

from kiosk.db import connected, transaction
from kiosk.models import Part
from kiosk.services import codes, customers, workorders
from kiosk.services import scanning as scan_service
from sync import changelog

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_cooldown():
    scan_service.debouncer._last.clear()


@pytest.fixture
def store(app, make_staff):
    """An advisor, a technician's badge, a retired badge, an order with one job, and a part."""
    make_staff("technician", name="李师傅", badge="TEC-001")
    gone = make_staff("technician", name="老张", badge="TEC-099")
    with app.app_context(), connected():
        advisor = make_staff("advisor", name="王芳", badge="ADV-001")
        customer = customers.find_or_create_customer("李先生", "13812345678")
        vehicle = customers.create_vehicle(customer, "沪A·D1234", model="丰田 凯美瑞", mileage=42000)
        order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="异响",
                                           jobs=[{"description": "更换机油"}])
        with transaction():
            changelog.save(Part(part_no="90915-YZZD1", name="机油滤清器", barcodes='["6901234567892"]'))
            gone.active = False
            changelog.save(gone, fields=["active"])
    return {"number": order.number}


def kind_of(app, raw: str) -> codes.Code:
    with app.test_request_context(), connected():
        return codes.classify(raw)


def test_every_kind_of_code(app, store):
    number = store["number"]
    assert kind_of(app, number).kind == "work_order"
    assert kind_of(app, number.lower()).kind == "work_order"
    job = kind_of(app, f"{number}/1")
    assert job.kind == "job_line" and job.ref.position == 1
    badge = kind_of(app, "TEC-001")
    assert badge.kind == "badge" and badge.ref.name == "李师傅"
    assert kind_of(app, "BIN:A-01-03") == codes.Code("bin", "BIN:A-01-03") and kind_of(app, "bin:a-01-03").ref == "A-01-03"
    part = kind_of(app, "6901234567892")
    assert part.kind == "part" and part.ref.part_no == "90915-YZZD1"
    assert kind_of(app, "90915-yzzd1").kind == "part"


def test_full_width_text_from_an_input_method_is_folded(app, store):
    number = store["number"]
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in number)
    assert wide != number
    assert kind_of(app, wide).kind == "work_order"
    assert kind_of(app, "ＴＥＣ－００１").kind == "badge"
    assert kind_of(app, "  BIN：A-01  \r\n").ref == "A-01"


@pytest.mark.parametrize("raw, says", [
    ("", "The scan was empty"),
    ("   \t", "The scan was empty"),
    ("X" * 500, "could not be read cleanly"),
    ("TEC\ufffd001", "could not be read cleanly"),
    ("R1-20990101-0001", "is not on this kiosk"),
    ("TEC-099", "no longer active"),
    ("hello world", "is not a work order, job, badge, bin or part"),
])
def test_unknown_and_garbled_codes_say_why(app, store, raw, says):
    found = kind_of(app, raw)
    assert found.kind == "unknown" and not found.known
    with app.test_request_context():
        assert says in str(found.problem)


def test_a_job_tag_of_a_job_that_is_not_there(app, store):
    found = kind_of(app, f"{store['number']}/7")
    assert found.kind == "unknown"
    with app.test_request_context():
        assert f"Job {store['number']}/7 is not on this kiosk" in str(found.problem)


def test_the_same_code_within_the_cooldown_is_a_repeat(app, store):
    with app.test_request_context(), connected():
        first = scan_service.scan("reception", "TEC-001", terminal="a", now=100.0)
        again = scan_service.scan("reception", "tec-001", terminal="a", now=101.0)
        other_screen = scan_service.scan("reception", "TEC-001", terminal="b", now=101.5)
        held = scan_service.scan("reception", "TEC-001", terminal="a", now=103.5)  # the clock restarted at 101
        later = scan_service.scan("reception", "TEC-001", terminal="a", now=107.0)
    assert not first.repeat and first.kind == "badge"
    assert again.repeat and not other_screen.repeat and held.repeat
    assert not later.repeat and later.kind == "badge"


def post_scan(client, url, code, source="wedge", **headers):
    return client.post(url, data={"code": code, "source": source}, headers={**HX, **headers})


def test_reception_scan_of_a_work_order_tag_opens_it(client, store, login, make_staff):
    login(make_staff("advisor"))
    response = post_scan(client, "/reception/scan", store["number"])
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/reception/work-orders/{store['number']}"
    assert json.loads(response.headers["HX-Trigger"]) == {"feedback": "ok"}


def test_reception_scan_of_a_job_tag_opens_its_order(client, store, login, make_staff):
    login(make_staff("advisor"))
    response = post_scan(client, "/reception/scan", f"{store['number']}/1", source="camera")
    assert response.headers["HX-Redirect"] == f"/reception/work-orders/{store['number']}"


@pytest.mark.parametrize("code, says", [
    ("TEC-001", "This is the staff badge of 李师傅 (TEC-001). It is not used here."),
    ("6901234567892", "This is part 90915-YZZD1 机油滤清器. It is not used here."),
    ("BIN:A-01", "This is bin label A-01. It is not used here."),
    ("??", "is not a work order, job, badge, bin or part"),
    ("", "The scan was empty"),
    ("\x00\x01\x02", "The scan was empty"),
    ("x" * 5000, "could not be read cleanly"),
])
def test_reception_answers_other_codes_with_a_message_not_an_error(client, store, login, make_staff, code, says):
    login(make_staff("advisor"))
    response = post_scan(client, "/reception/scan", code)
    assert response.status_code == 200
    body = response.data.decode()
    assert says in body and 'id="scan-bar"' in body and "scan-bar bad" in body
    assert response.headers["HX-Reswap"] == "none"  # the desk stays as it was
    assert json.loads(response.headers["HX-Trigger"]) == {"feedback": "bad"}


def test_a_repeat_at_the_desk_is_ignored_and_said_so(client, store, login, make_staff):
    login(make_staff("advisor"))
    post_scan(client, "/reception/scan", "TEC-001")
    response = post_scan(client, "/reception/scan", "TEC-001")
    assert "Already scanned: TEC-001 (ignored)" in response.data.decode()
    other = post_scan(client, "/reception/scan", store["number"])  # another code is not held back
    assert "HX-Redirect" in other.headers


def test_reception_scan_needs_a_login(client, store):
    response = post_scan(client, "/reception/scan", store["number"])
    assert response.headers["HX-Redirect"].startswith("/login")


def test_a_badge_scanned_at_login_brings_the_pin_step(client, store):
    response = post_scan(client, "/login/scan", "tec-001",
                         **{"HX-Current-URL": "http://kiosk/login?next=/reception/"})
    body = response.data.decode()
    assert response.status_code == 200
    # The badge's code, not its owner's name, before the PIN.
    assert "Badge TEC-001" in body and "李师傅" not in body and 'id="pin"' in body
    assert 'name="badge" value="TEC-001"' in body and 'name="next" value="/reception/"' in body
    # The PIN step then logs in as usual.
    done = client.post("/login", data={"badge": "TEC-001", "pin": "2468", "next": "/reception/"})
    assert done.status_code == 302


def test_login_scan_refuses_a_foreign_next(client, store):
    response = post_scan(client, "/login/scan", "TEC-001", **{"HX-Current-URL": "http://k/login?next=//evil.example/"})
    assert 'name="next" value="/"' in response.data.decode()


@pytest.mark.parametrize("code, says", [
    ("R1-20990101-0001", "is not on this kiosk"),
    ("TEC-099", "no longer active"),
    ("", "The scan was empty"),
])
def test_login_scan_of_something_else_says_what_it_is(client, store, code, says):
    response = post_scan(client, "/login/scan", code)
    assert response.status_code == 200 and says in response.data.decode()
    assert response.headers["HX-Reswap"] == "none"
    part = post_scan(client, "/login/scan", "6901234567892").data.decode()
    assert "This is part 90915-YZZD1 机油滤清器, not a staff badge. Scan your badge." in part


def test_a_strange_source_counts_as_typed_and_the_terminal_stays(app, client, store):
    from kiosk.stations.scan_helpers import terminal_id

    with app.test_request_context():
        from flask import session

        first = terminal_id()
        assert terminal_id() == first and session["terminal"] in first
    response = post_scan(client, "/login/scan", "TEC-001", source="<script>")
    assert response.status_code == 200


def test_scanning_pages_name_their_scan_url_and_load_the_listener(client, store, login, make_staff):
    page = client.get("/login").data.decode()
    assert 'data-scan-url="/login/scan"' in page and 'data-scan-target="#login-card"' in page
    assert "/static/scanner.js" in page and 'data-camera="off"' in page
    login(make_staff("advisor"))
    desk = client.get("/reception/").data.decode()
    assert 'data-scan-url="/reception/scan"' in desk
    with client.get("/static/scanner.js") as script:  # a file response: closed when read
        assert script.status_code == 200 and b"bayflow.scan" in script.data
