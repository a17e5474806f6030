"""Every screen, as each role meets it, at the kiosk's 1024×768 (the wall board also
at 1920×1080), in Chinese, on the demo store: nothing to scroll sideways, no text
cut off or broken inside a word, every touch target at least 44 px, no link to a
page the role is refused, no English left in the Chinese interface, no console
error, no failed request. A screenshot of every page visited goes to
``screenshots/<role>/`` (or ``$BAYFLOW_SCREENSHOTS``): look at them.

What is visited: ``tests/support/screens.py``.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from waitress.server import create_server

from kiosk.app import create_app
from kiosk.db import connected, database
from tests.support.browser import SCAN_KEY_GAP_MS, log_in, stop_server
from tests.support.screens import ALLOWED_WORDS, CHECKS_JS, KIOSK, ROLES, SKIP, WALL, Scenario, pattern, scan

pytestmark = pytest.mark.browser

MAX_PAGES = 160  # per role and screen size: a bound, never reached by the demo store
SHOTS = Path(os.environ.get("BAYFLOW_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "screenshots")


def _serve(folder: Path, **config):
    """The demo store in Chinese, served by waitress (as `bayflow serve` serves it)."""
    # One browser opening a page every second from one address: its live-update streams (each
    # ended after 5 s here) may outnumber a kiosk's cap for a moment; a kiosk has one screen.
    app = create_app({"SECRET_KEY": "screens", "DATABASE": str(folder / "node.sqlite"),
                      "BLOB_FOLDER": str(folder / "blobs"), "DEMO": True, "SSE_MAX_SECONDS": 5,
                      "SSE_MAX_PER_CLIENT": 32, "SERVER_THREADS": 48,
                      "SCAN_KEY_GAP_MS": SCAN_KEY_GAP_MS, "BABEL_DEFAULT_LOCALE": "zh_Hans_CN", **config})
    server = create_server(app, host="127.0.0.1", port=0, threads=48)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.effective_port}"
    return app, server, thread


@pytest.fixture(scope="module")
def store(request, tmp_path_factory):
    """The demo store's kiosk (every station) or its hub (``request.param``), started before the
    roles that use it and stopped, threads and all, before the other one starts (one database
    binding per process: the two never run at once)."""
    node = request.param
    config = {"ROLE": "hub", "DISCOVERY": False} if node == "hub" else {}
    app, server, thread = _serve(tmp_path_factory.mktemp(f"screens-{node}"), **config)
    with app.app_context(), connected():
        app.config["SCREEN_DATA"] = demo_data() if node == "kiosk" else hub_data()
    yield app
    stop_server(server, thread)
    if not database.is_closed():
        database.close()


def demo_data() -> dict:
    """The demo store's numbers and codes the scenarios scan; an order changed after the customer
    signed (its changes wait for a new signature) and a badge locked by wrong PINs."""
    from kiosk.demo.workshop import jobs_of_demo_technician
    from kiosk.models import Part, PurchaseOrder, WorkOrder
    from kiosk.services import cashier_queue, workorders

    orders: dict = {}
    for o in WorkOrder.select().order_by(WorkOrder.number):  # the first order of each status
        orders.setdefault(o.status, o.number)
    longest = max(Part.select(), key=lambda p: len(p.name))
    changed = WorkOrder.get(WorkOrder.number == orders["waiting_parts"])
    workorders.add_job(changed, "四轮定位 (试车后发现跑偏)", "0.8", "280")
    _lock_badge("ADV-002")
    return {"orders": sorted(orders.values()), "in_repair": orders["in_repair"], "qc_order": orders["qc"],
            "bay_order": jobs_of_demo_technician()[0].work_order.number, "part_code": "06L115562B",
            "long_part_code": longest.part_no, "bin": "A-01-01", "plate_prefix": "沪",
            "purchase_order": PurchaseOrder.select().order_by(PurchaseOrder.number).first().number,
            "signed_order": orders["authorized"], "pending_order": changed.number, "desk_order": orders["checked_in"],
            # The cashier's (issue #12): a car ready to settle, one settled with a deposit, one handed back.
            "ready_order": orders["ready"], "settled_order": orders["settled"], "delivered_order": orders["delivered"],
            "unpaid_order": cashier_queue.unpaid()[0][0].number,
            **claims_data()}


def claims_data() -> dict:
    """The claims desk's demo: a claim in each state, the warranty order not claimed yet, the
    insurance repair with its supplement, the 三包 car and the return shipment."""
    from kiosk.models import WorkOrder
    from kiosk.models.claims import InsuranceCase, OldPartScan, WarrantyClaim
    from kiosk.services import claims, sanbao

    by_state = {claims.state(c): c.number for c in WarrantyClaim.select().order_by(WarrantyClaim.number)}
    unclaimed = next(o for o in WorkOrder.select().order_by(WorkOrder.number)
                     if o.status == "in_repair" and any(j for j, c in claims.warranty_jobs(o) if c is None))
    case = InsuranceCase.select().order_by(InsuranceCase.opened_at).first()
    return {"claims": sorted(by_state.values()), "claim_order": unclaimed.number,
            "insurance_order": case.work_order.number, "sanbao_plate": sanbao.watched()[0][0].plate,
            "shipment": OldPartScan.select().where(OldPartScan.action == "ship").first().shipment}


def _lock_badge(badge: str) -> None:
    """Wrong PINs for ``badge``, each after the last lock ended, until it is locked for half an hour."""
    import datetime as dt

    from kiosk.core import times
    from kiosk.services import pin_lock
    from kiosk.services import staff as staff_service
    from kiosk.core.errors import ServiceError

    at = times.utcnow() - dt.timedelta(seconds=3700)
    for _ in range(10):
        try:
            staff_service.login(badge, "0000", now=at)
        except ServiceError:
            pass
        at = (pin_lock.state(badge, at).locked_until or at) + dt.timedelta(seconds=1)
    assert pin_lock.state(badge).locked(times.utcnow())


def hub_data() -> dict:
    """A head office with a kiosk online that reported in, one silent with a nearly full disk (red),
    one revoked, a conflict to review, last night's backup and an API token in use."""
    import datetime as dt

    from uuid6 import uuid7

    from kiosk.core import times
    from kiosk.models import WorkOrder
    from kiosk.models.ops import NodeReport
    from kiosk.services import api_keys, backup_schedule, station_settings
    from sync.conflicts import Conflict
    from sync.pairing import Peer

    now = times.utcnow()
    kiosks = (("R1", "reception", {"last_seen_at": now, "acked_seq": 42},
               {"version": "0.2.0", "outbox": 0, "clock_offset_ms": 300, "disk_free": 80 * 1024 ** 3,
                "db_bytes": 35 * 1024 ** 2, "last_sync_at": now,
                "last_error": "打印机 192.168.1.50:9100 没有应答", "last_error_at": times.isoformat(now)}),
              ("P1", "parts", {"last_seen_at": now - dt.timedelta(hours=2), "acked_seq": 7},
               {"version": "0.2.0", "outbox": 12, "outbox_growing_since": now - dt.timedelta(hours=2),
                "clock_offset_ms": -420_000, "disk_free": 600 * 1024 ** 2, "db_bytes": 12 * 1024 ** 2}),
              ("B1", "bay", {"revoked_at": now, "state": "revoked"}, None))
    for prefix, station, extra, report in kiosks:
        node_id = str(uuid7())
        Peer.create(node_id=node_id, public_key="x" * 44, station=station, prefix=prefix, paired_at=now, **extra)
        if report:
            NodeReport.create(node_id=node_id, reported_at=now, **report)
    order = WorkOrder.select().first()
    Conflict.create(entity="work_order", row_id=order.id.hex, field="complaint", reason="concurrent",
                    kept_value='"刹车异响"', lost_value='"刹车有异响, 方向盘抖"', lost_hlc="1", created_at=now)
    made = backup_schedule.scheduled_at(now)
    station_settings.put(backup_schedule.LAST_KEY, {"ok": True, "at": made.isoformat(timespec="seconds"),
                                                    "attempt_at": made.isoformat(timespec="seconds"),
                                                    "file": "hub-backup.sqlite", "bytes": 48 * 1024 ** 2})
    token = api_keys.issue(name="DMS 对接", scopes=("read",), expires_at=now + dt.timedelta(days=90))
    api_keys.record_use(api_keys.authenticate(token), "GET", "/api/v1/work-orders", 200, "192.168.1.20")
    api_keys.flush_uses()
    return {}


class Visit:
    """One browser tab of one role: opens pages, checks them, remembers what went wrong."""

    def __init__(self, browser, base: str, role: str, viewport: dict, data: dict):
        self.base, self.role, self.data, self.viewport = base, role, data, viewport
        self.context = browser.new_context(locale="zh-CN", viewport=viewport)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.problems: list[str] = []
        self.here = "(start)"
        self.page.on("console", lambda m: m.type == "error" and self.note("console", m.text))
        self.page.on("pageerror", lambda e: self.note("console", str(e)))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)
        self.folder = SHOTS / (role if viewport == KIOSK else f"{role}-{viewport['width']}")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def note(self, kind: str, what: str) -> None:
        self.problems.append(f"{self.here}: [{kind}] {what}")

    def _failed(self, request) -> None:
        # Leaving a page closes its live-update stream: that is not a failure.
        if "/events" in request.url and "ABORTED" in (request.failure or ""):
            return
        self.note("request", f"{request.method} {request.url} failed: {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.note("request", f"{response.request.method} {response.url} answered {response.status}")

    def open(self, path: str, came_from: str | None = None) -> bool:
        self.here = path
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state()
        status = response.status if response else 0
        if status == 403:
            self.note("refused", f"a link on {came_from} leads to a page the {self.role} may not use")
            return False
        if status >= 400:
            self.note("status", f"answered {status}" + (f" (linked from {came_from})" if came_from else ""))
            return False
        return True

    def check(self, label: str) -> list[str]:
        """Run the checks on what the page shows now, save its screenshot, return its links."""
        self.page.wait_for_timeout(200)  # htmx settles, fonts load
        for kind, what in self.page.evaluate(CHECKS_JS, sorted(ALLOWED_WORDS)):
            self.note(kind, what)
        self.count += 1
        slug = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-") or "home"
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{slug[:80]}.png"), full_page=True)
        hrefs = self.page.eval_on_selector_all("a[href]:not([download])", "els => els.map(e => e.href)")
        base = urlsplit(self.base)
        links = []
        for href in hrefs:
            url = urlsplit(href)
            if url.netloc == base.netloc and url.path:
                links.append(url.path + (f"?{url.query}" if url.query else ""))
        return links

    def badge_in_at_the_bay(self, badge: str) -> None:
        self.open("/bay/")
        scan(self.page, badge)

    def close(self) -> None:
        self.context.close()


def _expand(pages, data) -> list:
    found = []
    for item in pages:
        found += item(data) if callable(item) and not isinstance(item, Scenario) else [item]
    return found


def walk(visit: Visit, pages: list, follow: bool = True) -> None:
    """Visit ``pages`` and (``follow``), once per kind of address, every page they link to."""
    queue = [(item, None) for item in pages]
    seen_paths, seen_patterns = set(), set()
    while queue and visit.count < MAX_PAGES:
        item, came_from = queue.pop(0)
        if isinstance(item, Scenario):
            path = item.path.format(**visit.data)
            if not visit.open(path):
                continue
            visit.here = f"{path} → {item.name}"
            item.steps(visit.page, visit.data)
            links = visit.check(item.name)
            origin = path
        else:
            if item in seen_paths:
                continue
            seen_paths.add(item)
            seen_patterns.add(pattern(item))
            if not visit.open(item, came_from):
                continue
            links = visit.check(item)
            origin = item
        for link in links if follow else ():
            if SKIP.search(link) or link in seen_paths or pattern(link) in seen_patterns:
                continue
            seen_patterns.add(pattern(link))
            queue.append((link, origin))
    if queue:  # never silently leave pages unchecked
        visit.note("bound", f"{len(queue)} pages not visited: raise MAX_PAGES ({MAX_PAGES})")


@pytest.mark.parametrize("role, store", [(role, spec.node) for role, spec in ROLES.items()], indirect=["store"],
                         scope="module")
def test_every_screen_of_every_role_fits_the_kiosk(browser, store, role):
    spec = ROLES[role]
    base, data = store.config["LIVE_URL"], store.config["SCREEN_DATA"]
    problems = []
    sizes = [(KIOSK, _expand(spec.pages, data))] + ([(WALL, list(spec.wall_pages))] if spec.wall_pages else [])
    for viewport, pages in sizes:
        visit = Visit(browser, base, role, viewport, data)
        try:
            if spec.badge and spec.bay_badge:
                visit.badge_in_at_the_bay(spec.badge)
            elif spec.badge:
                log_in(visit.page, base, spec.badge, spec.pin)
            walk(visit, pages, follow=viewport == KIOSK)  # the wall size: its own pages only
        finally:
            visit.close()
        problems += visit.problems
    assert not problems, f"{len(problems)} problems on the {role}'s screens:\n" + "\n".join(problems)
