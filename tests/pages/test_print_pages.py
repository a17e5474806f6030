"""Print buttons, retries, browser print pages and the printer settings page, through the test client."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from hardware.decode import Decoded
from kiosk.db import connected
from kiosk.models.printing import PrinterSetting, PrintJob
from kiosk.services import customers, printer_settings, workorders
from tests.support.printers import PrinterStandIn, closed_port, decoded, zpl_codes_image

HX = {"HX-Request": "true"}


@pytest.fixture
def printer():
    standin = PrinterStandIn()
    yield standin
    standin.close()


@pytest.fixture
def number(app, advisor):
    with app.app_context(), connected():
        customer = customers.find_or_create_customer("王女士", "13987654321")
        vehicle = customers.create_vehicle(customer, "京A12345", model="大众 帕萨特")
        order = workorders.open_work_order(customer, vehicle, advisor=advisor, complaint="刹车异响")
        workorders.add_job(order, "更换前刹车盘", sold_hours="1.5", price="450")
        return order.number


def set_printer(app, *args, **kwargs):
    with app.app_context(), connected():
        printer_settings.save_printer(*args, **kwargs)


def feedback(response) -> str:
    return json.loads(response.headers["HX-Trigger"])["feedback"]


def test_work_order_page_has_the_key_tag_print_button(client, number):
    page = client.get(f"/reception/work-orders/{number}").get_data(as_text=True)
    assert f'hx-post="/print/key_tag/{number}"' in page and "Print key tag" in page
    assert 'name="station" value="reception"' in page


def test_key_tag_on_the_browser_path_opens_the_tag_page(client, number):
    response = client.post(f"/print/key_tag/{number}", data={"station": "reception"}, headers=HX)
    assert response.headers["HX-Redirect"] == f"/reception/work-orders/{number}/key-tag"


def test_key_tag_to_a_label_printer_says_sent(app, client, number, printer):
    set_printer(app, "reception", "labels", "zpl", address=printer.address)
    response = client.post(f"/print/key_tag/{number}", data={"station": "reception", "label": "Print key tag"},
                           headers=HX)
    assert response.status_code == 200 and feedback(response) == "ok"
    assert f"Sent to printer {printer.address}." in response.get_data(as_text=True)
    assert decoded(zpl_codes_image(printer.jobs[0].decode())) == {Decoded("Code128", number),
                                                                  Decoded("QRCode", number)}


def test_a_failed_print_says_why_and_retry_prints_it(app, client, number, printer):
    set_printer(app, "reception", "labels", "zpl", address=f"127.0.0.1:{closed_port()}")
    response = client.post(f"/print/job_tag/{number}/1", data={"station": "reception"}, headers=HX)
    page = response.get_data(as_text=True)
    assert feedback(response) == "bad" and "Printing failed: The printer 127.0.0.1:" in page
    retry_url = re.search(r'hx-post="(/print/jobs/\d+/retry)"', page)[1]

    set_printer(app, "reception", "labels", "zpl", address=printer.address)
    again = client.post(retry_url, data={"station": "reception"}, headers=HX)
    assert feedback(again) == "ok" and "Sent to printer" in again.get_data(as_text=True)
    assert b"^FD" + f"{number}/1".encode() in printer.jobs[0]
    with app.app_context(), connected():
        assert [(j.status, j.attempts) for j in PrintJob.select()] == [("sent", 2)]


def test_unknown_references_get_a_clear_message(client, number):
    for url, message in [(f"/print/job_tag/{number}/9", "No job line with this number."),
                         ("/print/key_tag/R1-19990101-0001", "No work order with this number."),
                         ("/print/poster/x", "This cannot be printed.")]:
        response = client.post(url, headers=HX)
        assert response.status_code == 404 and feedback(response) == "bad"
        assert message in response.get_data(as_text=True)


def test_job_line_tag_and_badge_print_pages(client, make_staff, login, number):
    page = client.get(f"/print/job_tag/{number}/1").get_data(as_text=True)
    assert "@page { size: 80mm 50mm" in page and "更换前刹车盘" in page
    svg = ET.fromstring(re.search(r"<svg.*</svg>", page, re.S)[0])
    texts = {g.get("data-text") for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("data-text")}
    assert texts == {f"{number}/1"}
    assert client.get("/print/badge/TEC-001").status_code == 403  # an advisor does not make badges

    login(make_staff("admin"))
    make_staff("technician", name="张伟", badge="TEC-009")
    page = client.get("/print/badge/TEC-009").get_data(as_text=True)
    assert "@page { size: 86mm 54mm" in page and "张伟" in page and 'data-text="TEC-009"' in page
    assert client.get("/print/badge/NOBODY").status_code == 404


def test_browser_job_page_of_a_slip(app, client, make_staff, login):
    login(make_staff("parts_clerk", badge="PRT-009"))
    with app.app_context(), connected():
        from kiosk.services import printing

        job = printing.print_label("slip", {"title": "领料单", "number": "R1-20261127-0042"}, "parts")
    page = client.get(f"/print/jobs/{job.id}").get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page and "@page { size: 80mm;" in page


def test_printing_needs_a_login_and_the_right_role(client, make_staff, login, number):
    client.post("/logout")
    assert client.post(f"/print/key_tag/{number}").status_code == 302
    login(make_staff("technician"))
    assert client.post(f"/print/key_tag/{number}").status_code == 403
    assert client.get(f"/print/job_tag/{number}/1").status_code == 200  # the bay prints job tags


def test_settings_page_saves_a_row_and_refuses_a_bad_address(app, client, make_staff, login):
    assert client.get("/settings/printers").status_code == 302  # to the login
    login(make_staff("advisor"))
    assert client.get("/settings/printers").status_code == 403  # advisors do not set printers
    login(make_staff("manager"))
    page = client.get("/settings/printers").get_data(as_text=True)
    assert 'id="printer-all-labels"' in page and 'id="printer-parts-slips"' in page
    assert "Nothing printed on this kiosk yet." in page

    response = client.post("/settings/printers/parts/labels", headers=HX,
                           data={"kind": "zpl", "address": "192.168.1.50", "mode": "image"})
    assert response.status_code == 200 and feedback(response) == "ok"
    row = response.get_data(as_text=True)
    assert row.lstrip().startswith('<tbody class="printer-row" id="printer-parts-labels">') and "Saved." in row

    bad = client.post("/settings/printers/parts/slips", headers=HX, data={"kind": "escpos", "address": "a b"})
    assert bad.status_code == 422 and feedback(bad) == "bad"
    assert "This is not a printer address." in bad.get_data(as_text=True)
    with app.app_context(), connected():
        assert [(s.station, s.purpose, s.kind, s.address, s.mode) for s in PrinterSetting.select()] == [
            ("parts", "labels", "zpl", "192.168.1.50", "image")]
    assert client.post("/settings/printers/moon/labels", headers=HX, data={"kind": "zpl"}).status_code == 404


def test_settings_page_lists_failed_jobs_with_retry(app, client, make_staff, login):
    login(make_staff("admin"))
    set_printer(app, "all", "labels", "zpl", address=f"127.0.0.1:{closed_port()}")
    with app.app_context(), connected():
        from kiosk.services import printing

        printing.print_label("bin", {"bin_code": "A-01-03"}, "parts")
    page = client.get("/settings/printers").get_data(as_text=True)
    assert "BIN:A-01-03" in page and "Failed" in page and "does not answer" in page
    assert re.search(r'hx-post="/print/jobs/\d+/retry"', page)


def test_work_order_a4_goes_to_cups_and_reads_back(app, client, number, tmp_path, monkeypatch):
    import shutil
    import subprocess

    from hardware.decode import decode_file
    from tests.support.printers import fake_lp, path_with

    page = client.get(f"/reception/work-orders/{number}").get_data(as_text=True)
    assert f'hx-post="/print/workorder/{number}"' in page
    response = client.post(f"/print/workorder/{number}", data={"station": "reception"}, headers=HX)
    assert response.headers["HX-Redirect"] == f"/reception/work-orders/{number}/print"  # the browser's A4 page

    fake_lp(tmp_path / "bin")
    monkeypatch.setenv("PATH", path_with(tmp_path / "bin"))
    set_printer(app, "all", "a4", "cups", queue="Front_Desk")
    response = client.post(f"/print/workorder/{number}", data={"station": "reception"}, headers=HX)
    assert feedback(response) == "ok" and "Sent to printer Front_Desk." in response.get_data(as_text=True)
    argv = (tmp_path / "bin" / "argv").read_text().splitlines()
    assert argv == ["-d", "Front_Desk", "-t", f"workorder {number}", "-o", "media=A4"]
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm not on PATH: poppler-utils is missing (make system-deps installs it)")
    (tmp_path / "wo.pdf").write_bytes((tmp_path / "bin" / "stdin").read_bytes())
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", "wo.pdf", "wo"],
                   cwd=tmp_path, check=True, capture_output=True, timeout=60)
    assert set(decode_file(tmp_path / "wo.png")) == {Decoded("Code128", number), Decoded("QRCode", number)}
    subprocess.run(["pdftotext", "wo.pdf", "wo.txt"], cwd=tmp_path, check=True, capture_output=True, timeout=60)
    text = (tmp_path / "wo.txt").read_text()
    assert "更换前刹车盘" in text and "139****4321" in text and "13987654321" not in text


def test_parts_counter_prints_bin_and_part_labels_as_its_pages_show_them(app, client, make_staff, login, printer):
    from kiosk.services import parts

    login(make_staff("parts_clerk", badge="PRT-009"))
    with app.app_context(), connected():
        parts.create_part("3C0615301", "前刹车盘", barcodes_=["6901234567892"], bin="A-01-03")
    set_printer(app, "parts", "labels", "zpl", address=printer.address, mode="image")
    for url, code in [("/print/bin/BIN:A-01-03", "BIN:A-01-03"), ("/print/part/3c0615301", "6901234567892")]:
        response = client.post(url, data={"station": "parts"}, headers=HX)
        assert feedback(response) == "ok", response.get_data(as_text=True)
        from tests.support.printers import zpl_graphic_image

        assert decoded(zpl_graphic_image(printer.jobs[-1].decode())) == {Decoded("Code128", code)}
    with app.app_context(), connected():
        from kiosk.services import printing

        bin_job = PrintJob.select().where(PrintJob.kind == "bin").get()
        assert printing.load(bin_job).description == "前刹车盘"  # the parts kept in the bin
    assert client.post("/print/part/NOPE-1", headers=HX).status_code == 404


def test_staff_page_prints_a_badge_that_reads_back(app, client, make_staff, login, printer):
    manager = make_staff("manager", name="王经理", badge="MGR-009")
    make_staff("technician", name="张伟", badge="TEC-007")
    set_printer(app, "all", "labels", "zpl", address=printer.address)
    login(manager)
    page = client.get("/settings/staff").get_data(as_text=True)
    assert "TEC-007" in page and "张伟" in page and 'action="/print/badge/TEC-007"' in page
    response = client.post("/print/badge/TEC-007", data={"label": "Print badge"}, headers=HX)
    assert response.status_code == 200 and feedback(response) == "ok"
    assert Decoded("Code128", "TEC-007") in decoded(zpl_codes_image(printer.jobs[0].decode()))


def test_staff_page_is_for_managers(client, make_staff, login):
    login(make_staff("technician", badge="TEC-008"))
    assert client.get("/settings/staff").status_code in (302, 403)


def test_parts_issue_slip_prints_on_the_receipt_printer(app, client, make_staff, login, printer):
    from kiosk.services import stock
    from tests.support.parts import order_with_jobs, part_in_stock
    from tests.support.printers import escpos_barcodes, escpos_chinese_text

    clerk = make_staff("parts_clerk", name="周明", badge="PRT-009")
    tech = make_staff("technician", name="张伟", badge="TEC-009")
    with app.app_context(), connected():
        part = part_in_stock(qty=3)
        order = order_with_jobs({"description": "保养"})
        slip = stock.hand_over(order, [(part, 2, None)], staff=clerk, receiver=tech)
        number = order.number
    set_printer(app, "parts", "slips", "escpos", address=printer.address, mode="text")
    login(clerk)
    response = client.post(f"/print/slip/{slip}", data={"station": "parts", "label": "Print the slip"}, headers=HX)
    assert feedback(response) == "ok", response.get_data(as_text=True)
    sent = printer.jobs[-1]
    text = escpos_chinese_text(sent)
    assert slip in text and "06L115562B" in text and "张伟" in text and "× 2" in text
    assert [code for code, _, _ in escpos_barcodes(sent)] == [number]
    assert client.post("/print/slip/IS-NOPE", data={"station": "parts"}, headers=HX).status_code == 404
