"""The hub's kiosk list and the manager's page at 1024×768 in Chinese, in real Chromium:
nothing to scroll sideways, targets big enough for gloves, red kiosks visible, the
replacement code shown. Screenshots go to test-results/ for people to look at."""
from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest
from uuid6 import uuid7
from waitress.server import create_server

from kiosk.core import times
from kiosk.app import create_app
from kiosk.db import connected, database
from kiosk.services import staff as staff_service
from sync import hub, pairing
from tests.support import PIN
from tests.support.browser import log_in, stop_server

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def hub_live(tmp_path):
    app = create_app({"SECRET_KEY": "browser-test", "DATABASE": str(tmp_path / "hub.sqlite"), "ROLE": "hub",
                      "NODE_PREFIX": "H1", "SSE_MAX_SECONDS": 5, "BACKUP_FOLDER": str(tmp_path / "backups")})
    now = times.utcnow()
    with app.app_context(), connected():
        staff_service.create_staff("马志强", "MGR-001", ["manager"], PIN)
        kiosks = [("R1", "reception", now, 0, 60 * 1024 ** 3, ""),
                  ("B1", "bay", now - dt.timedelta(hours=3), 12, 700 * 1024 ** 2, "打印机 192.168.1.50 无响应"),
                  ("P1", "parts", now, 0, 35 * 1024 ** 3, "")]
        for prefix, station, seen, outbox, free, error in kiosks:
            peer = pairing.Peer.create(node_id=str(uuid7()), public_key="x" * 44, station=station, prefix=prefix,
                                       paired_at=now)
            hub.handle_hello(peer, {"protocol": 1, "node_id": peer.node_id, "max_origin_seq": 0,
                                    "wall_ms": int(time.time() * 1000) + 4000, "outbox": outbox,
                                    "version": "0.2.0", "disk_free": free, "db_bytes": 180 * 1024 ** 2,
                                    "last_error": error, "last_error_at": times.isoformat(now)})
            pairing.Peer.update(last_seen_at=seen).where(pairing.Peer.node_id == peer.node_id).execute()
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.effective_port}"
    yield app
    stop_server(server, thread)  # with every thread of it, before the next test
    if not database.is_closed():
        database.close()


def fits_the_screen(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    small = page.evaluate("""[...document.querySelectorAll('main .btn, main button, main summary, main input')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
        .map(e => e.textContent.trim() || e.name)""")
    assert not small, small


def test_kiosk_list_and_manager_page_in_chinese_at_1024(browser, hub_live):
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = hub_live.config["LIVE_URL"]
    try:
        log_in(page, base, "MGR-001")
        page.goto(f"{base}/hub/")
        assert page.locator(".kiosk-card.red").count() == 1  # B1: silent, and its disk is nearly full
        red = page.locator(".kiosk-card.red")
        assert "B1" in red.inner_text() and "700.0 MB" in red.inner_text()
        assert "0.2.0" in page.inner_text("#page-footer")
        fits_the_screen(page)
        page.screenshot(path=str(SHOTS / "hub-kiosks-zh-1024.png"), full_page=True)

        page.locator(".kiosk-card").first.locator("summary", has_text="更换此终端").click()
        page.locator(".kiosk-card").first.locator("button", has_text="显示新电脑的配对码").click()
        assert page.locator("#pairing-code .big-code").inner_text().count("-") == 1
        assert "替换终端 R1" in page.inner_text("#pairing-code")
        page.screenshot(path=str(SHOTS / "hub-replace-code-zh-1024.png"))

        page.goto(f"{base}/hub/health")
        problems = page.inner_text("#problems")
        assert "B1" in problems and "分钟未联系" in problems and "1 GB" in problems
        assert page.locator("#thresholds li").count() == 5
        fits_the_screen(page)
        page.screenshot(path=str(SHOTS / "hub-health-zh-1024.png"), full_page=True)
        page.click("#backups button[type=submit]")
        assert "备份已完成并校验通过" in page.inner_text("#flash")
        page.screenshot(path=str(SHOTS / "hub-health-backup-zh-1024.png"), full_page=True)

        page.goto(f"{base}/settings/station")  # this PC's idle times and cameras (every node has it)
        page.fill("input[name=idle-hub]", "5")
        page.click("#station-settings button[type=submit]")
        assert "30" in page.inner_text(".field-error")
        fits_the_screen(page)
        page.screenshot(path=str(SHOTS / "station-settings-zh-1024.png"), full_page=True)
    finally:
        context.close()
