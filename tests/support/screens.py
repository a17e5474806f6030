"""What the screen check (test_screens_browser.py) visits and what it looks for.

``ROLES`` is the whole list: per role, who logs in and the pages that role uses.
Each page a visited page links to is visited too (one per kind of address, see
``pattern``), so a new page linked from an existing one is checked without
touching this file. To add a page nothing links to yet, put its path (or a
``Scenario`` for a screen reached by taps and scans) in its roles' ``pages``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

KIOSK = {"width": 1024, "height": 768}
WALL = {"width": 1920, "height": 1080}


@dataclass(frozen=True)
class Scenario:
    """A screen reached by doing something on a page: ``steps(page, data)`` after opening ``path``
    (``{name}`` in it is filled from the demo data, e.g. ``/bay/orders/{bay_order}``)."""

    name: str
    path: str
    steps: Callable


@dataclass(frozen=True)
class Role:
    badge: str | None  # None: nobody logs in (the wall screen, a bay kiosk before a badge)
    pin: str = ""
    pages: tuple = ()  # paths, Scenarios, or callables(data) giving paths
    bay_badge: bool = False  # badges in at the bay kiosk instead of the desk login
    wall_pages: tuple = field(default=())  # also checked at 1920×1080
    node: str = "kiosk"  # the demo store's kiosk, or its head-office node ("hub")


def scan(page, code: str, url_part: str = "/scan") -> None:
    """Type a code into the page's scan field and wait for the station's answer."""
    with page.expect_response(lambda r: url_part in r.url and r.request.method == "POST"):
        field_ = page.locator("form.scan-input input[name=code]").first
        field_.fill(code)
        field_.press("Enter")
    page.wait_for_timeout(150)  # the swap after the answer


def tap(page, selector: str) -> None:
    page.locator(selector).first.click()
    page.wait_for_load_state()
    page.wait_for_timeout(150)


def _parts_issue(page, data):
    tap(page, "button[data-mode=issue]")
    scan(page, data["in_repair"])
    scan(page, data["part_code"])
    scan(page, data["part_code"])
    scan(page, data["long_part_code"])


def _parts_receive(page, data):
    tap(page, "button[data-mode=receive]")
    scan(page, data["purchase_order"])
    for _ in range(3):  # three identical boxes: each scan counts
        scan(page, data["part_code"])


def _parts_count(page, data):
    tap(page, "button[data-mode=count]")
    scan(page, "BIN:" + data["bin"])
    scan(page, data["part_code"])


def _parts_return(page, data):
    tap(page, "button[data-mode=return]")
    scan(page, data["in_repair"])


def _parts_lookup(page, data):
    scan(page, data["part_code"])


def _bay_order(page, data):
    scan(page, data["bay_order"])


def _bay_extra(page, data):
    tap(page, "[data-action=extra]")


def _qc_order(page, data):
    scan(page, data["qc_order"])


def _reception_search(page, data):
    page.locator("input[name=q]").first.fill(data["plate_prefix"])
    page.locator("input[name=q]").first.press("Enter")
    page.wait_for_load_state()
    page.wait_for_timeout(300)


def _hub_pairing_code(page, data):
    tap(page, "form[action$='/pairing-code'] button")


def _hub_replacement_code(page, data):
    """A code for the PC that replaces a dead kiosk (the first card's confirm, opened)."""
    page.locator("#kiosks details.confirm summary").first.click()
    tap(page, "form[action$='/replace'] button")


def _type(page, selector: str, text: str, answer: str) -> None:
    """Type into a live search field and wait for its results."""
    with page.expect_response(lambda r: answer in r.url):
        page.locator(selector).first.fill(text)
    page.wait_for_timeout(300)


def _estimate_labour_search(page, data):
    _type(page, "#labour-q", "保养", "/labour-search")


def _estimate_part_search(page, data):
    _type(page, "#part-q", "机油", "/part-search")


def _vehicle_history(page, data):
    with page.expect_response(lambda r: "/history" in r.url):
        page.locator("details.history-box summary").first.click()
    page.wait_for_timeout(300)


def _catalogue_search(page, data):
    field_ = page.locator("input[name=q]").first
    field_.fill("保养")
    field_.press("Enter")
    page.wait_for_load_state()
    page.wait_for_timeout(300)


def _cashier_scan(page, data):
    scan(page, data["ready_order"])


def _cashier_plate(page, data):
    scan(page, data["plate_prefix"])  # a plate typed in part: the orders found


def cashier_pages(data) -> list[str]:
    """The bill of an order ready to settle, of a settled one with a deposit (its settlement list),
    and the delivery screens: the checklist of a car settled on account, the gate pass of one handed back,
    and the refusal of one with a balance due."""
    return [f"/cashier/orders/{data['ready_order']}", f"/cashier/orders/{data['unpaid_order']}",
            f"/cashier/orders/{data['unpaid_order']}/settlement-list", f"/delivery/{data['settled_order']}",
            f"/delivery/{data['delivered_order']}", f"/delivery/{data['unpaid_order']}"]


def delivery_pages(data) -> list[str]:
    return ["/delivery/", f"/delivery/{data['settled_order']}", f"/delivery/{data['delivered_order']}"]


def work_orders(data) -> list[str]:
    return [f"/reception/work-orders/{n}" for n in data["orders"]]


def key_tags(data) -> list[str]:
    return [f"/reception/work-orders/{data['orders'][0]}/key-tag"]


def qc_pages(data) -> list[str]:
    return [f"/workshop/qc/{data['qc_order']}"]


def claims_pages(data) -> list[str]:
    """A claim in each state, building one from the delivered warranty order, the insurance
    case with its supplement, the 三包 car and a return shipment's packing list."""
    return [f"/claims/c/{n}" for n in data["claims"]] + [
        f"/claims/build?work_order={data['claim_order']}", f"/claims/insurance/{data['insurance_order']}",
        f"/claims/sanbao?q={data['sanbao_plate']}", f"/claims/old-parts/shipments/{data['shipment']}"]


def estimates(data) -> list[str]:
    """The estimate (报价单) of a signed order, of one with changes waiting for the customer, and of
    one not signed yet."""
    return [f"/reception/work-orders/{n}/estimate" for n in (data["signed_order"], data["pending_order"],
                                                             data["desk_order"])]


def estimate_pages(data) -> list[str]:
    """An order changed after the customer signed (the changes line by line, the pad for version 2)."""
    return [f"/reception/work-orders/{data['pending_order']}"]


RECEPTION = ("/", "/reception/", "/reception/appointments", "/reception/appointments/new", "/reception/check-in",
             "/reception/check-in?new=1", work_orders, key_tags, estimates, estimate_pages, "/reception/catalogue",
             Scenario("reception-search", "/reception/", _reception_search),
             Scenario("catalogue-search", "/reception/catalogue", _catalogue_search),
             Scenario("estimate-labour-search", "/reception/work-orders/{desk_order}", _estimate_labour_search),
             Scenario("estimate-part-search", "/reception/work-orders/{desk_order}", _estimate_part_search),
             Scenario("vehicle-history", "/reception/work-orders/{desk_order}", _vehicle_history))
SETTINGS = ("/settings/printers", "/settings/staff", "/settings/station", "/camera/")
WORKSHOP = ("/workshop/", "/workshop/board", "/workshop/figures", "/bay/rules")
PARTS = ("/parts/", "/parts/catalogue", "/parts/exceptions", "/parts/orders",
         Scenario("parts-lookup", "/parts/", _parts_lookup), Scenario("parts-issue", "/parts/", _parts_issue),
         Scenario("parts-return", "/parts/", _parts_return), Scenario("parts-receive", "/parts/", _parts_receive),
         Scenario("parts-count", "/parts/", _parts_count))
BOARD = ("/workshop/board",)
# The care desk: its tabs link the call form, a complaint, booking from a reminder, a customer's consent.
CARE = ("/care/", "/care/complaints", "/care/complaints?status=overdue", "/care/reminders", "/care/outbox",
        "/complaints/new")

ROLES: dict[str, Role] = {
    "wall": Role(None, pages=BOARD + ("/bay/", "/workshop/qc", "/login"), wall_pages=BOARD),
    "advisor": Role("ADV-001", "1111", RECEPTION + (delivery_pages,)),
    "technician": Role("TEC-001", bay_badge=True,
                       pages=("/bay/", Scenario("bay-order", "/bay/", _bay_order),
                              Scenario("bay-extra-work", "/bay/orders/{bay_order}", _bay_extra))),
    "foreman": Role("FOR-001", "3331", ("/",) + WORKSHOP),
    "qc": Role("QC-001", "4441", ("/", "/workshop/qc", qc_pages, Scenario("qc-order", "/workshop/qc", _qc_order))),
    "parts_clerk": Role("PRT-001", "5551", ("/",) + PARTS),
    "parts_manager": Role("PRT-002", "5552", ("/", "/parts/manager", "/parts/new") + PARTS),
    "cashier": Role("CSH-001", "6661", ("/", "/cashier/", cashier_pages, "/delivery/",
                                        Scenario("cashier-scan", "/cashier/", _cashier_scan),
                                        Scenario("cashier-plate", "/cashier/", _cashier_plate))),
    "care": Role("CRE-001", "7771", ("/",) + CARE),
    "claims": Role("CLM-001", "7772", ("/", "/complaints/new", "/claims/", "/claims/?state=all", "/claims/old-parts",
                                       "/claims/insurance", "/claims/sanbao", "/claims/files", claims_pages)),
    # The staff page shows a badge locked by wrong PINs, with its Unlock (see the test's demo data).
    "manager": Role("MGR-001", "8881", ("/",) + SETTINGS + RECEPTION + WORKSHOP + ("/parts/manager",) + CARE
                    + ("/care/unmasks", "/care/settings", "/cashier/", "/cashier/settings")),
    "admin": Role("ADM-001", "9991", ("/",) + SETTINGS),
    # The service manager's figures: the dashboard links every figure's drill-down, the reports and targets.
    "service_manager": Role("MGR-001", "8881", ("/figures/", "/figures/targets", "/figures/report/daily",
                                                "/figures/report/monthly")),
    # The service manager on the store's head-office node: its kiosks with what each reports, the
    # store's health and backups, API tokens, pairing and replacement codes, conflicts.
    "hub_manager": Role("MGR-001", "8881", ("/", "/hub/", "/hub/health", "/hub/tokens", "/hub/conflicts",
                                            "/settings/station", "/settings/staff", "/figures/",
                                            Scenario("hub-pairing-code", "/hub/", _hub_pairing_code),
                                            Scenario("hub-replacement-code", "/hub/", _hub_replacement_code)),
                        node="hub"),
}

# Links never followed: they post, download, stream, or leave the node.
SKIP = re.compile(r"^/(static/|events|lang/|logout)|/tag\.(png|svg|pdf|zpl)$|\.(csv|xlsx|jsonl|pdf)(\?|$)|/frame\.jpg|/files/|/photos/")


def pattern(path: str) -> str:
    """One visit per kind of address: numbers, codes and ids become placeholders."""
    path = re.sub(r"[0-9a-f]{32}", "<id>", path)
    path = re.sub(r"\b[A-Z0-9]+-\d{8}-\d{4}\b", "<number>", path)
    path = re.sub(r"(day|orders|next|period|from|to|store)=[^&]*", r"\1=<v>", path)
    return re.sub(r"/(part|bin|orders|qc|work-orders)/[^/?]+", r"/\1/<code>", path)


# Words allowed in the Chinese interface: codes, units and names every Chinese store writes in Latin letters,
# and the pinyin initials a search field gives as its example ("byjy": 保养机油).
ALLOWED_WORDS = {"bayflow", "XLSX", "JSON", "VIN", "QC", "PIN", "ID", "km", "Ah", "L", "A4", "PDF", "PNG", "SVG", "ZPL", "CUPS",
                 "ESC", "POS", "USB", "RTSP", "IP", "TCP", "Code", "QR", "EAN", "DataMatrix", "mm", "s", "x", "X",
                 "byjy"}

# The checks run in the page: each returns [kind, what] pairs.
CHECKS_JS = r"""
(allowed) => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim()) s += '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.');
    const t = (el.innerText || el.value || el.getAttribute('aria-label') || el.getAttribute('placeholder') || '')
      .trim().replace(/\s+/g, ' ').slice(0, 40);
    return t ? `${s} "${t}"` : s;
  };
  const shown = (el) => {
    const closed = el.closest('details:not([open])');
    if (closed && !el.closest('summary')) return false;  // inside a closed <details>: not drawn
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) return false;  // not drawn, or visually hidden for screen readers
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.visibility === 'hidden' || cs.display === 'none' || cs.opacity === '0') return false;
    }
    return true;
  };
  // Where the text would end if the box let it show (an ellipsis hides it from scrollWidth in some layouts).
  const textRunsPast = (el, cs) => {
    const saved = [el.style.overflow, el.style.textOverflow];
    el.style.overflow = 'visible';
    el.style.textOverflow = 'clip';
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = range.getBoundingClientRect(), box = el.getBoundingClientRect();
    const scale = box.width / (el.offsetWidth || box.width || 1);  // CSS zoom on print previews
    const right = box.right - parseFloat(cs.paddingRight) * scale - parseFloat(cs.borderRightWidth) * scale;
    [el.style.overflow, el.style.textOverflow] = saved;
    return text.width > 0 && text.right > right + 1;
  };
  if (document.documentElement.scrollWidth > vw + 1)
    problems.push(['overflow', `the page is ${document.documentElement.scrollWidth} px wide on a ${vw} px screen`]);
  const all = [...document.body.querySelectorAll('*')].filter(shown);
  for (const el of all) {
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 && cs.position !== 'fixed')
      problems.push(['overflow', `${name(el)} reaches past the right edge (${Math.round(r.right)} px)`]);
    const text = (el.innerText || '').trim();
    if (el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 0) {
      if (cs.overflowX === 'auto' || cs.overflowX === 'scroll')
        problems.push(['overflow', `${name(el)} hides ${el.scrollWidth - el.clientWidth} px behind a sideways scroll`]);
      else if (text && (cs.overflowX === 'hidden' || cs.overflowX === 'clip'))
        problems.push(['clipped', `${name(el)} cuts off its text`]);
    }
    if (text && el.scrollHeight > el.clientHeight + 2 && el.clientHeight > 0
        && (cs.overflowY === 'hidden' || cs.overflowY === 'clip'))
      problems.push(['clipped', `${name(el)} cuts off its text at the bottom`]);
    else if (text && (cs.textOverflow === 'ellipsis' || cs.overflowX === 'hidden' || cs.overflowX === 'clip')
             && textRunsPast(el, cs))
      problems.push(['clipped', `${name(el)} cuts off its text (…)`]);
  }
  // The header's tabs, status and buttons side by side, never drawn over one another.
  const inHeader = [...document.querySelectorAll('.topbar a, .topbar button, .topbar .sync-chip')].filter(shown);
  for (let i = 0; i < inHeader.length; i++) {
    for (let j = i + 1; j < inHeader.length; j++) {
      const a = inHeader[i], b = inHeader[j];
      if (a.contains(b) || b.contains(a)) continue;
      const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left), h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w > 2 && h > 2) problems.push(['overlap', `${name(a)} and ${name(b)} are drawn over each other in the header`]);
    }
  }
  // Addresses and file names are written in Latin letters in any language.
  const withoutAddresses = (text) => text.replace(/[a-z]+:\/\/\S*/gi, ' ').replace(/\S*\/\S*/g, ' ');
  // Short labels broken over lines ("前台接/待"), long ones squeezed to a character a line.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = node.textContent.trim();
    if (!text || !el || !shown(el) || ['SCRIPT', 'STYLE', 'OPTION', 'TEXTAREA'].includes(el.tagName)) continue;
    range.selectNodeContents(node);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    const chars = [...text.replace(/\s+/g, '')].length;
    if (tops.size > 1 && chars <= 8 && !/\s/.test(text))
      problems.push(['wraps', `"${text}" is broken over ${tops.size} lines in ${name(el)}`]);
    else if (tops.size >= 3 && chars / tops.size <= 2.5)
      problems.push(['wraps', `"${text.slice(0, 20)}" is squeezed to ${tops.size} lines in ${name(el)}`]);
    // Untranslated English: a word of letters with a small letter, outside content marked as another language.
    if (el.closest('[lang]:not([lang^="zh"]), [translate="no"], code, kbd, samp')) continue;
    for (const word of withoutAddresses(text).match(/[A-Za-z0-9][A-Za-z0-9'’._-]*/g) || []) {
      const letters = word.replace(/[^A-Za-z]/g, '');
      if (letters.length < 2 || /\d/.test(word) || letters === letters.toUpperCase()) continue;
      if (!allowed.includes(word.replace(/[._-]+$/, '')))
        problems.push(['english', `"${word}" in ${name(el)}`]);
    }
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (!shown(el) || el.closest('[lang]:not([lang^="zh"])')) continue;
    for (const word of withoutAddresses(el.placeholder).match(/[A-Za-z][A-Za-z'’-]*/g) || [])
      if (word.length > 1 && word !== word.toUpperCase() && !allowed.includes(word))
        problems.push(['english', `"${word}" in the placeholder of ${name(el)}`]);
  }
  // Touch targets: whatever a finger can press, at least 44 × 44 px (a box's label counts for it).
  const targets = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button],'
    + ' [hx-get]:not(form):not([hx-trigger]), [hx-post]:not(form):not([hx-trigger])');
  for (let el of targets) {
    if (['checkbox', 'radio'].includes(el.type) && el.closest('label')) el = el.closest('label');
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 43.5 || r.height < 43.5)
      problems.push(['target', `${name(el)} is ${Math.round(r.width)}×${Math.round(r.height)} px`]);
  }
  return problems;
}
"""
