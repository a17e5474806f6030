"""A printer's address cannot name a file on the PC (issue #19, item 7). A manager
once set a receipt printer's address to the node's own database, and printing
wrote ESC/POS bytes over it. Addresses are host[:port], a CUPS queue, or a
printer port on an allowed list (/dev/usb/lp*, COM*) — checked when saved, and
again when a job is sent (a setting saved before, or written by an older build)."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from hardware.printers import PrinterError, split_address
from hardware.printers.escpos import allowed_device, send_escpos
from kiosk.core import times
from kiosk.db import connected, transaction
from kiosk.models.printing import PrinterSetting, PrintJob
from kiosk.services import printing
from kiosk.core.errors import ServiceError
from kiosk.services.printer_settings import save_printer

HX = {"HX-Request": "true"}


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.parametrize("address", ["{db}", "/etc/passwd", "/dev/sda", "/dev/usb/lp0/../../../tmp/x",
                                     "/dev/usb/../../tmp/lp0", "./bayflow.sqlite", "C:\\bayflow\\bay.sqlite",
                                     "c:/bayflow/bay.sqlite", "\\\\server\\share\\x", "file:///etc/passwd",
                                     "COM3\\..\\x", "USB001"])
def test_the_settings_page_refuses_an_address_that_is_a_file(app, client, make_staff, login, address):
    database = app.config["DATABASE"]
    address = address.format(db=database)
    login(make_staff("manager", badge="MGR-PRN"))
    before = digest(database)
    answer = client.post("/settings/printers/all/slips", headers=HX, data={"kind": "escpos", "address": address})
    assert answer.status_code == 422
    assert "printer port such as /dev/usb/lp0 or COM3" in answer.get_data(as_text=True)
    with app.app_context(), connected():
        assert PrinterSetting.select().count() == 0
    assert digest(database) == before


@pytest.mark.parametrize("address", ["/dev/usb/lp0", "/dev/usb/lp12", "/dev/lp0", "/dev/ttyUSB0", "COM3", "com10",
                                     "LPT1", "192.168.1.60", "192.168.1.60:9100", "[fe80::1]:9100",
                                     "printer-2.local:9100"])
def test_real_printer_addresses_are_still_taken(db, address):
    assert save_printer("all", "slips", "escpos", address=address).address == address


def test_a_label_printer_is_never_a_device_file(db):
    with pytest.raises(ServiceError):
        save_printer("all", "labels", "zpl", address="/dev/usb/lp0")


def test_a_setting_saved_before_the_check_still_cannot_write_the_database(app):
    """The sender refuses too: a row with the database's path (an older build, a restore)."""
    database = app.config["DATABASE"]
    with app.app_context(), connected():
        with transaction():
            PrinterSetting.create(station="all", purpose="slips", kind="escpos", address=database, mode="text",
                                  updated_at=times.utcnow())
        before = digest(database)
        with app.test_request_context():
            job = printing.print_label("slip", {"title": "领料单", "number": "R1-20261127-0042"}, station="all")
        assert digest(database) == before
        assert PrintJob.get_by_id(job.id).status == "failed"
        assert PrintJob.get_by_id(job.id).error == "bad_address"


def test_the_sender_refuses_paths_outside_the_list(tmp_path):
    target = tmp_path / "lp0"
    target.write_bytes(b"kept")
    with pytest.raises(PrinterError) as refused:
        send_escpos(b"\x1b@", str(target))
    assert refused.value.reason == "bad_address"
    assert target.read_bytes() == b"kept"
    assert allowed_device("/dev/usb/lp0") and not allowed_device("/dev/usb/lp0x")


@pytest.mark.parametrize("address", ["/tmp/x", "a b", "http://x", "x/y", "", ":9100"])
def test_a_network_address_is_a_host_name_or_ip(address):
    with pytest.raises(PrinterError):
        split_address(address, 9100)
