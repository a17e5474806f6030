"""Script in a scanned or typed code, or in a name another system gave us, stays text
(issue #19, items 1 and 2). Real Chromium, a real server: the code
``<img src=x onerror=alert(1)>`` is typed, sent as a wedge scanner's keys and shown
to the kiosk's camera (a QR code in a frame dropped into the camera's folder) at
every scanning page; a staff member's and a part's name holding markup are created
over the API and named by the messages of the bay and the parts counter. No dialog
may ever open, no ``<img>`` may appear, and the person reads the code as it was."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.services import staff as staff_service
from tests.browser.conftest import log_in, scanner_types
from tests.test_clock import make_order

pytestmark = pytest.mark.browser

ATTACK = "<img src=x onerror=alert(1)>"

# page, who must be logged in (role, badge) or None, the typed field, its endpoint
PAGES = {
    "bay": ("/bay/", None, "form.scan-input input[name=code]"),
    "login": ("/login", None, "#badge"),
    "qc": ("/workshop/qc", None, "form.scan-input input[name=code]"),
    "reception": ("/reception/", ("advisor", "ADV-001"), "#q"),
    "parts": ("/parts/", ("parts_clerk", "PRT-001"), "form.scan-input input[name=code]"),
}


def watch_for_script(page) -> list[str]:
    """Every dialog the page opens (there must be none), dismissed so nothing hangs."""
    fired: list[str] = []

    def on_dialog(dialog):
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return fired


def assert_inert(page, fired: list[str]) -> None:
    """No element came from the code, and the page ran none of it. An image that did get
    in would have failed on "x" by the time the same page has fetched "x" itself."""
    page.evaluate("async () => { try { await fetch('x'); } catch (e) { /* refused is fine */ } }")
    assert page.locator("img[src='x']").count() == 0
    assert fired == []


def open_station(page, live_app, staff_member, name: str):
    path, login, _field = PAGES[name]
    base = live_app.config["LIVE_URL"]
    if login:
        staff_member(login[0], "王芳", login[1])
        log_in(page, base, login[1])
    page.goto(base + path)
    page.wait_for_function("() => window.bayflow && window.bayflow.scan && window.htmx")


def wait_for_scan_bar(page, text: str) -> None:
    page.wait_for_function("t => document.getElementById('scan-bar').innerText.includes(t)", arg=text)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_wedge_scanner_typing_script_is_shown_as_text(page, live_app, staff_member, name):
    fired = watch_for_script(page)
    open_station(page, live_app, staff_member, name)
    page.locator("h1").first.click()  # the focus anywhere on the page
    scanner_types(page, ATTACK)
    wait_for_scan_bar(page, ATTACK)  # the code, as the person typed it, in words
    assert_inert(page, fired)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_script_typed_into_the_page_stays_text(page, live_app, staff_member, name):
    fired = watch_for_script(page)
    open_station(page, live_app, staff_member, name)
    field = page.locator(PAGES[name][2])
    field.fill(ATTACK)
    if name == "login":  # the badge form posts the page (the card with the badge's problem comes back)
        with page.expect_navigation():
            field.press("Enter")
        page.wait_for_selector("#login-error")
    elif name == "reception":  # the desk's search field: the search runs and answers
        with page.expect_response(lambda r: "q=" in r.url):
            field.press("Enter")
    else:  # the typed scan field posts to the station's scan URL like a scanner
        field.press("Enter")
        wait_for_scan_bar(page, ATTACK)
    assert_inert(page, fired)


@pytest.fixture
def camera_folder(live_app, tmp_path):
    """The node's camera reading a folder, as `bayflow serve --camera FOLDER` runs it."""
    from kiosk import cameras

    folder = tmp_path / "camera"
    folder.mkdir()
    live_app.config["CAMERAS"] = [str(folder)]
    cameras.start(live_app.config)
    yield folder
    cameras.stop()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_qr_code_with_script_held_to_the_camera_is_shown_as_text(page, live_app, staff_member,
                                                                     camera_folder, name):
    from tests.camera_media import code_frame, put_image

    fired = watch_for_script(page)
    open_station(page, live_app, staff_member, name)
    page.wait_for_function("() => document.body.dataset.cameraStream === 'open'")
    put_image(camera_folder, "0001.jpg", code_frame(ATTACK, "qr"))
    wait_for_scan_bar(page, ATTACK)
    assert page.evaluate("document.body.dataset.lastScan") == ATTACK  # it came through the camera
    assert_inert(page, fired)


def test_a_part_named_with_script_over_the_api_stays_text_at_the_counter(page, live_app, staff_member):
    import json
    import urllib.request

    with live_app.app_context(), connected():
        token = staff_service.issue_token("test")
    base = live_app.config["LIVE_URL"]
    body = json.dumps({"part_no": "XSS-001", "name": ATTACK, "barcodes": ["6901234567892"], "price": 10})
    request = urllib.request.Request(f"{base}/api/v1/parts", data=body.encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201

    fired = watch_for_script(page)
    open_station(page, live_app, staff_member, "parts")
    page.click("h1")
    scanner_types(page, "6901234567892")
    wait_for_scan_bar(page, f"XSS-001 {ATTACK}")  # "%(part_no)s %(name)s": the lookup's message
    page.goto(f"{base}/parts/catalogue?q=XSS")
    assert ATTACK in page.inner_text("main")
    assert_inert(page, fired)


def test_a_technician_named_with_script_over_the_api_stays_text_at_the_bay(page, live_app, staff_member):
    import json
    import urllib.request

    with live_app.app_context(), connected():
        token = staff_service.issue_token("test")
    base = live_app.config["LIVE_URL"]
    body = json.dumps({"name": ATTACK, "badge": "TEC-666", "roles": ["technician"], "pin": "1234"})
    request = urllib.request.Request(f"{base}/api/v1/staff", data=body.encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 201
    colleague = staff_member("technician", "张伟", "TEC-001")
    with live_app.app_context(), connected():
        owner = staff_service.find_by_badge("TEC-666")
        number = make_order(technician=owner).number
    assert colleague is not None

    fired = watch_for_script(page)
    page.goto(f"{base}/bay/")
    page.wait_for_function("() => window.bayflow && window.bayflow.scan && window.htmx")
    page.click("h1")
    scanner_types(page, "TEC-001")
    page.wait_for_selector("[data-bay-screen=home]")
    scanner_types(page, number)
    page.wait_for_selector(f"[data-bay-screen=order][data-number='{number}']")
    page.locator("[data-action=start]").first.click()
    # "This job is assigned to %(name)s": the name from the API, as text.
    wait_for_scan_bar(page, f"assigned to {ATTACK}")
    assert_inert(page, fired)
