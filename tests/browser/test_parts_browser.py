"""Issue and return at the parts counter in real Chromium, with wedge scans
(a handheld scanner types fast and ends with Enter)."""
from __future__ import annotations

from kiosk.db import connected
from kiosk.models import StockMove
from kiosk.services import stock, workorders
from tests.support.browser import log_in
from tests.support.browser import scanner_types as wedge
from tests.support.parts import order_with_jobs, part_in_stock


def test_issue_then_return_by_scanning(page, live_app, staff_member):
    base = live_app.config["LIVE_URL"]
    staff_member("parts_clerk", "配件员", "PRT-901")
    staff_member("technician", "李师傅", "TEC-901")
    with live_app.app_context(), connected():
        part = part_in_stock(qty=4)
        order = order_with_jobs({"description": "保养"}, {"description": "索赔更换", "pay_type": "warranty"})
    log_in(page, base, "PRT-901")
    page.goto(f"{base}/parts/")
    page.click("[data-mode=issue]")
    page.wait_for_selector("#parts-main[data-mode=issue]")
    page.locator("body").click(position={"x": 5, "y": 300})  # nothing focused: the scanner types into the page

    wedge(page, f"{order.number}/2")
    page.wait_for_selector("#parts-main .wo-number")
    wedge(page, "6901234567892")
    page.wait_for_selector(".basket-lines tr[data-part='06L115562B'] .count:text-is('1')")
    page.wait_for_timeout(3500)  # past the scan cool-down: a second scan of the same box
    wedge(page, "6901234567892")
    page.wait_for_selector(".basket-lines .count:text-is('2')")
    page.click(".basket-lines button.undo")  # the second one was an accident
    page.wait_for_selector(".basket-lines .count:text-is('1')")
    wedge(page, "TEC-901")
    page.wait_for_selector(".slip-done")
    assert "李师傅" in page.inner_text("#scan-bar")
    with live_app.app_context(), connected():
        assert stock.on_hand(part) == 3
        (issue,) = StockMove.select().where(StockMove.kind == "issue")
        assert issue.job.position == 2

    page.goto(f"{base}/parts/")
    page.click("[data-mode=return]")
    page.wait_for_selector("#parts-main[data-mode=return]")
    page.locator("body").click(position={"x": 5, "y": 300})
    wedge(page, f"{order.number}/2")
    page.wait_for_selector("#parts-main .wo-number")
    wedge(page, "06L115562B")
    page.wait_for_selector(".basket-lines .count:text-is('1')")
    wedge(page, "TEC-901")
    page.wait_for_selector(".slip-done")
    with live_app.app_context(), connected():
        (back,) = StockMove.select().where(StockMove.kind == "return")
        assert back.old_part and back.bin == stock.OLD_BIN  # a warranty part kept for the claim
        assert stock.on_hand(part) == 3 and stock.issued_lines(workorders.get_by_number(order.number)) == []


def test_an_unknown_barcode_offers_to_attach_it(page, live_app, staff_member):
    base = live_app.config["LIVE_URL"]
    staff_member("parts_manager", "配件经理", "PRT-902")
    with live_app.app_context(), connected():
        part_in_stock(qty=1)
    log_in(page, base, "PRT-902")
    page.goto(f"{base}/parts/")
    page.locator("body").click(position={"x": 5, "y": 300})
    wedge(page, "4006381333931")
    page.click("text=Attach this barcode to a part")
    page.fill("input[name=q]", "06L")
    page.click("button:text('Find')")
    page.click("button:text('Attach to 06L115562B')")
    page.wait_for_selector("text=4006381333931")
    assert "EAN13" in page.inner_text(".codes")
