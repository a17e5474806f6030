"""Real Chromium (Debian's package) driven by Playwright against a real waitress
server on loopback. No browser download: Playwright is pointed at /usr/bin/chromium."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from waitress.server import create_server

from kiosk.app import create_app
from kiosk.db import connected, database
from kiosk.services import staff as staff_service

CHROMIUM = os.environ.get("BAYFLOW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium on a machine with no internet keeps trying to reach Google.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PIN = "2468"
# The scanner listener tells a handheld scanner from a person by the gap between keys
# (production: 50 ms). Keys Playwright types 5 ms apart can arrive 60-80 ms apart on a
# busy two-core test machine, so the tests widen the gap; people in the tests type
# 300 ms apart, far from both.
SCAN_KEY_GAP_MS = 120
SCANNER_DELAY = 5
PERSON_DELAY = 300


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make system-deps)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path, request):
    """A node as in production (CSRF on), served by waitress on a free loopback port."""
    app = create_app({
        "SECRET_KEY": "browser-test",
        "DATABASE": str(tmp_path / "node.sqlite"),
        "BLOB_FOLDER": str(tmp_path / "blobs"),
        "NODE_PREFIX": "R1",
        "SSE_MAX_SECONDS": 5,
        "SCAN_KEY_GAP_MS": SCAN_KEY_GAP_MS,
        "BABEL_DEFAULT_LOCALE": getattr(request, "param", "en"),
    })
    server = create_server(app, host="127.0.0.1", port=0, threads=12)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.effective_port}"
    yield app
    server.close()
    thread.join(timeout=5)
    if not database.is_closed():
        database.close()


@pytest.fixture
def page(browser, live_app):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def fresh_cooldown():
    """The scan cool-down table is per process: each test starts without old scans."""
    from kiosk.services import scanning

    scanning.debouncer._last.clear()


def scanner_types(page, code: str) -> None:
    """A handheld scanner in keyboard mode: fast keys, then Enter."""
    page.keyboard.type(code, delay=SCANNER_DELAY)
    page.keyboard.press("Enter")


@pytest.fixture
def staff_member(live_app):
    def make(role, name, badge, pin=PIN):
        with live_app.app_context(), connected():
            return staff_service.create_staff(name, badge, [role], pin)

    return make


def log_in(page, base_url, badge, pin=PIN):
    """Badge scan, then the PIN on the keypad, like a person at the kiosk."""
    page.goto(f"{base_url}/login")
    page.fill("#badge", badge)
    page.keyboard.press("Enter")
    for digit in pin:
        page.click(f"[data-key='{digit}']")
    page.click(".keypad button[type=submit]")
    page.wait_for_load_state()
