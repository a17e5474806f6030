"""Real Chromium for the browser tests: where it is, how it starts, and how people and
scanners type into it (tests/browser/conftest.py has the fixtures)."""
from __future__ import annotations

import os
import shutil

from waitress import wasyncore

from kiosk.core import events
from tests.support import PIN

CHROMIUM = os.environ.get("BAYFLOW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium on a machine with no internet keeps trying to reach Google.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The scanner listener tells a handheld scanner from a person by the gap between keys
# (production: 50 ms). Keys Playwright types 5 ms apart arrive 60-80 ms apart on a busy
# two-core test machine, and over 120 ms with two test workers' browsers beside other
# engineers' work (load 8-10: three scans timed out so), so the tests widen the gap to
# 400 ms; people in the tests type 1000 ms apart, far from both.
SCAN_KEY_GAP_MS = 400
SCANNER_DELAY = 5
PERSON_DELAY = 1000


def scanner_types(page, code: str) -> None:
    """A handheld scanner in keyboard mode: fast keys, then Enter."""
    page.keyboard.type(code, delay=SCANNER_DELAY)
    page.keyboard.press("Enter")


def log_in(page, base_url, badge, pin=PIN):
    """Badge scan, then the PIN on the keypad, like a person at the kiosk."""
    page.goto(f"{base_url}/login")
    page.fill("#badge", badge)
    page.keyboard.press("Enter")
    for digit in pin:
        page.click(f"[data-key='{digit}']")
    page.click(".keypad button[type=submit]")
    page.wait_for_load_state()


def stop_server(server, thread) -> None:
    """Stop a waitress server a test ran in ``thread``, with every thread of it, before the next test.

    The pages' live streams hold task threads, so they are ended first (as a
    SIGTERM does in production). Then the loop itself closes every connection
    still open (a browser keeps some alive for a while) and the listening
    socket, and so ends: closed from its own thread, no socket is taken away
    from under the ``select`` it is waiting in (closed from this thread, that
    failed the test with EBADF in the server's thread now and then).
    """
    events.end_streams()

    def close_everything() -> None:  # runs in the server's loop thread
        for channel in list(server._map.values()):
            if channel is not server and channel is not server.trigger:
                channel.close()
        server.close()  # the listening socket and the trigger: the map is empty, the loop ends

    if thread.is_alive():
        try:
            server.trigger.pull_trigger(close_everything)
        except OSError:  # its trigger is closed: the loop has ended, or is ending, by itself
            pass
    thread.join(timeout=10)
    if thread.is_alive():  # the loop did not run the trigger: close from here after all
        wasyncore.close_all(server._map)
        thread.join(timeout=10)
    server.task_dispatcher.shutdown(timeout=5)


def draw(page, pad="#signature canvas[data-signature-pad]"):
    """A finger's zig-zag across the pad (the estimate's, unless told)."""
    page.locator(pad).scroll_into_view_if_needed()
    box = page.locator(pad).bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 200)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(box["x"] + 40 + step * 35, box["y"] + 200 - (step % 4) * 40)
    page.mouse.up()
