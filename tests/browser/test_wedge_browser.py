"""The page-wide scan listener (static/scanner.js) in real Chromium: a handheld
scanner's fast keystrokes ending in Enter are one scan wherever the focus is,
a person's slow typing is left alone, a Chinese input method's "Process" keys
are read by their physical key, and camera codes reach the page over SSE."""
from __future__ import annotations

import pytest

from kiosk.db import connected
from kiosk.services import customers, workorders
from tests.support.browser import PERSON_DELAY, SCAN_KEY_GAP_MS, SCANNER_DELAY, log_in, scanner_types

pytestmark = pytest.mark.browser


def open_order(live_app, advisor) -> str:
    with live_app.app_context(), connected():
        customer = customers.find_or_create_customer("李先生", "13812345678")
        vehicle = customers.create_vehicle(customer, "沪A·D1234", model="丰田 凯美瑞", mileage=42000)
        return workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="异响").number


@pytest.fixture
def desk(page, live_app, staff_member):
    """An advisor at the reception desk, a technician's badge and an open order in the store."""
    advisor = staff_member("advisor", "王芳", "ADV-001")
    staff_member("technician", "李师傅", "TEC-001")
    number = open_order(live_app, advisor)
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-001")
    page.goto(f"{base}/reception/")
    page.wait_for_function("() => window.bayflow && window.bayflow.scan && window.htmx")
    return number


def test_fast_keys_in_a_text_field_are_a_scan_and_the_field_keeps_its_text(page, desk):
    page.click("#q")
    page.keyboard.type("abc", delay=PERSON_DELAY)
    scanner_types(page, "TEC-001")
    page.wait_for_selector("#scan-bar.bad")
    assert "staff badge of 李师傅" in page.inner_text("#scan-bar")
    assert "not used here" in page.inner_text("#scan-bar")
    assert page.input_value("#q") == "abc"
    assert "/reception/" in page.url and "q=" not in page.url  # the search form did not submit


def test_a_scanned_work_order_tag_opens_the_order(page, desk):
    page.click("#q")
    scanner_types(page, desk)
    page.wait_for_url(f"**/work-orders/{desk}")
    assert desk in page.inner_text("main")


def test_a_scan_with_focus_on_nothing_still_counts(page, desk):
    page.evaluate("document.activeElement && document.activeElement.blur()")
    scanner_types(page, desk + "/9")  # a job that does not exist
    page.wait_for_selector("#scan-bar.bad")
    assert f"Job {desk}/9 is not on this kiosk" in page.inner_text("#scan-bar")


def test_slow_typing_is_not_a_scan(page, desk):
    page.click("#q")
    page.keyboard.type("TEC-001", delay=PERSON_DELAY)
    assert page.input_value("#q") == "TEC-001"
    # A person's Enter submits the search form as usual (the desk's form, by htmx, with go=1).
    with page.expect_request(lambda r: "go=1" in r.url and "q=TEC-001" in r.url):
        page.keyboard.press("Enter")
    assert page.inner_text("#scan-bar").strip() == ""
    assert page.input_value("#q") == "TEC-001"


def test_a_fast_typist_stopping_without_enter_keeps_every_letter(page, desk):
    page.click("#q")
    page.keyboard.type("abcdefg", delay=SCANNER_DELAY)  # fast, but no Enter: given back
    # When the run has waited its end (twice the gap) for an Enter that never came.
    page.wait_for_function("() => document.getElementById('q').value === 'abcdefg'")
    assert page.input_value("#q") == "abcdefg"
    assert page.inner_text("#scan-bar").strip() == ""


def test_the_same_code_again_within_the_cooldown_is_ignored_and_said_so(page, desk):
    page.click("#q")
    scanner_types(page, "TEC-001")
    page.wait_for_selector("#scan-bar.bad")
    scanner_types(page, "TEC-001")
    page.wait_for_function("() => document.getElementById('scan-bar').innerText.includes('Already scanned')")
    assert "Already scanned: TEC-001 (ignored)" in page.inner_text("#scan-bar")


def test_login_by_scanning_the_badge(page, live_app, staff_member):
    staff_member("advisor", "王芳", "ADV-001")
    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/login?next=/reception/")
    page.wait_for_function("() => window.bayflow && window.bayflow.scan && window.htmx")
    page.click("#badge")
    scanner_types(page, "ADV-001")
    page.wait_for_selector("#pin")
    assert "ADV-001" in page.inner_text("#login-card") and "王芳" not in page.inner_text("#login-card")
    for digit in "2468":
        page.click(f"[data-key='{digit}']")
    page.click(".keypad button[type=submit]")
    page.wait_for_url("**/reception/")
    assert page.locator(".me").inner_text() == "王芳"


def test_bursts_on_a_page_without_a_scan_url_are_plain_typing(page, live_app, staff_member):
    staff_member("advisor", "王芳", "ADV-001")
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-001")
    page.goto(f"{base}/reception/appointments/new")
    assert page.evaluate("document.body.dataset.scanUrl") == ""
    field = page.locator("textarea").first
    field.click()
    page.keyboard.type("TEC-001", delay=SCANNER_DELAY)
    assert field.input_value() == "TEC-001"


def ime_scan(page, code: str) -> None:
    """A scanner typing while a Chinese input method is on: every keydown says
    "Process" (keyCode 229), the letters go into a composition, and the final Enter
    commits the composition into the field."""
    cdp = page.context.new_cdp_session(page)
    composed = ""
    keys = {"-": ("Minus", False), "/": ("Slash", False)}
    for ch in code:
        code_name, shift = (f"Key{ch.upper()}", ch.isupper()) if ch.isalpha() else \
            (f"Digit{ch}", False) if ch.isdigit() else keys[ch]
        cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", "key": "Process", "code": code_name,
                                            "windowsVirtualKeyCode": 229, "nativeVirtualKeyCode": 229,
                                            "modifiers": 8 if shift else 0})
        composed += ch.lower()
        cdp.send("Input.imeSetComposition", {"text": composed, "selectionStart": len(composed),
                                             "selectionEnd": len(composed)})
        cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Process", "code": code_name,
                                            "windowsVirtualKeyCode": 229})
    cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", "key": "Process", "code": "Enter",
                                        "windowsVirtualKeyCode": 229, "nativeVirtualKeyCode": 229})
    cdp.send("Input.insertText", {"text": composed})  # the input method commits what it composed
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Process", "code": "Enter",
                                        "windowsVirtualKeyCode": 229})
    cdp.detach()


def slow_link(page) -> None:
    # Each simulated input-method key is three CDP round trips; on a loaded test
    # machine they can be further apart than a scanner's keys, so the gap is widened
    # (to twice the tests' gap, still under a person's keys, PERSON_DELAY).
    page.evaluate(f"document.body.dataset.scanGap = '{2 * SCAN_KEY_GAP_MS}'")


def test_a_scan_with_the_chinese_input_method_on(page, desk):
    slow_link(page)
    page.click("#q")
    page.keyboard.type("abc", delay=PERSON_DELAY)
    ime_scan(page, "TEC-001")
    page.wait_for_selector("#scan-bar.bad")
    assert "staff badge of 李师傅" in page.inner_text("#scan-bar")
    page.wait_for_timeout(100)
    assert page.input_value("#q") == "abc"


def test_a_work_order_scanned_with_the_input_method_on_opens_it(page, desk):
    slow_link(page)
    page.click("#q")
    ime_scan(page, desk)
    page.wait_for_url(f"**/work-orders/{desk}")


@pytest.fixture
def camera_folder(live_app, tmp_path):
    """A folder camera started on the live node, as `bayflow serve --camera FOLDER` does."""
    from kiosk import cameras

    folder = tmp_path / "camera"
    folder.mkdir()
    live_app.config["CAMERAS"] = [str(folder)]
    cameras.start(live_app.config)
    yield folder
    cameras.stop()


def test_a_code_held_to_the_camera_reaches_the_page(page, live_app, staff_member, camera_folder):
    from tests.support.cameras import code_frame, put_image

    advisor = staff_member("advisor", "王芳", "ADV-001")
    number = open_order(live_app, advisor)
    base = live_app.config["LIVE_URL"]
    log_in(page, base, "ADV-001")
    page.goto(f"{base}/reception/")
    assert page.evaluate("document.body.dataset.camera") == "on"
    page.wait_for_function("() => document.body.dataset.cameraStream === 'open'")
    put_image(camera_folder, "0001.jpg", code_frame(number))
    page.wait_for_url(f"**/work-orders/{number}")
    assert number in page.inner_text("main")


def test_the_camera_indicator_follows_the_camera(page, live_app, staff_member, camera_folder):
    from tests.support.cameras import blank, put_image

    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/login")
    page.wait_for_selector("#camera-state.reconnecting")  # an empty folder: no picture yet
    put_image(camera_folder, "0001.jpg", blank())
    page.wait_for_selector("#camera-state.live")
    assert page.inner_text("#camera-state") == "Camera: live"
