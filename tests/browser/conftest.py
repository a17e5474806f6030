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
from tests.support import PIN
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, SCAN_KEY_GAP_MS, stop_server


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
def live_app(tmp_path, request, sqlite_template):
    """A node as in production (CSRF on), served by waitress on a free loopback port, on a
    copy of the session's migrated database (tests/conftest.py; same node prefix, R1)."""
    shutil.copyfile(sqlite_template, tmp_path / "node.sqlite")
    app = create_app({
        "SECRET_KEY": "browser-test",
        "DATABASE": str(tmp_path / "node.sqlite"),
        "BLOB_FOLDER": str(tmp_path / "blobs"),
        "NODE_PREFIX": "R1",
        "SCAN_KEY_GAP_MS": SCAN_KEY_GAP_MS,
        # A test moves between pages faster than a person: each page it left keeps its stream
        # until the next heartbeat (5 s), so the per-address cap of a kiosk (8, kiosk.stations.stream)
        # would refuse the next page's stream and leave it polling. The caps have their own tests
        # (tests/system/test_server_limits.py, tests/browser/test_stream_fallback_browser.py).
        "SSE_MAX_PER_CLIENT": 32,
        "BABEL_DEFAULT_LOCALE": getattr(request, "param", "en"),
    })
    server = create_server(app, host="127.0.0.1", port=0, threads=12)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.effective_port}"
    yield app
    stop_server(server, thread)
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


@pytest.fixture
def staff_member(live_app):
    def make(role, name, badge, pin=PIN):
        with live_app.app_context(), connected():
            return staff_service.create_staff(name, badge, [role], pin)

    return make
