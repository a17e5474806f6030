"""The print queue: jobs are saved before sending, sent to the configured printer, kept when
they fail, retried on the printer configured now; settings are checked before they are saved."""

from __future__ import annotations

import pytest

from hardware.decode import Decoded
from hardware.labels_kinds import BinLabelData
from kiosk.models.printing import PrinterSetting, PrintJob
from kiosk.services import printing
from kiosk.core.errors import ServiceError
from kiosk.services.printer_settings import printer_for, save_printer
from tests.support.printers import (
    PrinterStandIn, closed_port, decoded, escpos_barcodes, fake_lp, path_with, zpl_codes_image,
)


@pytest.fixture
def printer():
    standin = PrinterStandIn()
    yield standin
    standin.close()


def test_without_settings_a_station_prints_through_the_browser(db):
    job = printing.print_label("bin", {"bin_code": "A-01-03", "description": "机油滤清器"}, "parts")
    assert (job.status, job.printer_kind, job.ref, job.attempts) == ("browser", "browser", "BIN:A-01-03", 1)
    saved = PrintJob.get_by_id(job.id)
    assert saved.status == "browser" and saved.payload is None
    again = printing.load(saved)
    assert again == BinLabelData("A-01-03", "机油滤清器", "Bin")  # the empty title filled in, in English here


def test_zpl_printer_receives_the_label_and_the_job_is_marked_sent(db, printer):
    save_printer("parts", "labels", "zpl", address=printer.address)
    job = printing.print_label("bin", {"bin_code": "A-01-03"}, "parts")
    assert job.status == "sent" and job.sent_at and job.target == printer.address
    assert printer.jobs == [job.payload]
    assert decoded(zpl_codes_image(printer.jobs[0].decode())) == {Decoded("Code128", "BIN:A-01-03")}


def test_a_failed_print_is_kept_with_its_reason_and_a_retry_uses_the_fixed_address(db, printer):
    save_printer("all", "labels", "zpl", address=f"127.0.0.1:{closed_port()}", mode="image")
    job = printing.print_label("badge", {"badge": "TEC-001", "name": "张伟", "role": "Technician"}, "reception")
    assert (job.status, job.error, job.attempts) == ("failed", "unreachable", 1)
    message = printing.error_message(job)
    assert job.target in message and "does not answer" in message
    assert PrintJob.get_by_id(job.id).status == "failed"  # nothing lost

    save_printer("all", "labels", "zpl", address=printer.address, mode="image")
    again = printing.retry(job.id)
    assert (again.id, again.status, again.attempts, again.error) == (job.id, "sent", 2, "")
    assert b"^GFA" in printer.jobs[0] and PrintJob.select().count() == 1


def test_escpos_slip_from_a_dict(db, printer):
    save_printer("parts", "slips", "escpos", address=printer.address, mode="text")
    job = printing.print_label("slip", {"title": "领料单", "number": "R1-20261127-0042",
                                        "lines": [["前刹车盘", "x2"]], "footer": ["发料: 周明"]}, "parts")
    assert job.status == "sent"
    assert escpos_barcodes(printer.jobs[0])[0][0] == "R1-20261127-0042"
    assert "前刹车盘".encode("gb18030") in printer.jobs[0]


def test_cups_printer_gets_the_label_as_pdf(db, tmp_path, monkeypatch):
    fake_lp(tmp_path / "bin")
    monkeypatch.setenv("PATH", path_with(tmp_path / "bin"))
    save_printer("parts", "labels", "cups", queue="Shelf_Labels")
    job = printing.print_label("part", {"part_no": "3C0615301", "name": "前刹车盘"}, "parts")
    assert (job.status, job.target) == ("sent", "Shelf_Labels")
    assert (tmp_path / "bin" / "stdin").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "bin" / "argv").read_text().splitlines()[:2] == ["-d", "Shelf_Labels"]


def test_cups_failure_is_recorded(db, tmp_path, monkeypatch):
    fake_lp(tmp_path / "bin", fail="The printer or class does not exist.")
    monkeypatch.setenv("PATH", path_with(tmp_path / "bin"))
    save_printer("parts", "labels", "cups", queue="Gone")
    job = printing.print_label("bin", {"bin_code": "B-2"}, "parts")
    assert (job.status, job.error) == ("failed", "cups_failed")
    assert "does not exist" in printing.error_message(job)


@pytest.mark.parametrize("kind, data", [
    ("bin", {"bin_code": "货架一"}),  # Chinese cannot go in a Code 128
    ("bin", {"bin_code": ""}),
    ("badge", {"name": "张伟"}),  # no badge field at all
    ("slip", {"title": "x", "number": "R" * 80}),
    ("poster", {"text": "x"}),
    ("bin", "A-01-03"),
])
def test_what_cannot_be_printed_is_refused_and_nothing_saved(db, kind, data):
    with pytest.raises(ServiceError):
        printing.print_label(kind, data, "parts")
    assert PrintJob.select().count() == 0


def test_a_station_uses_its_own_printer_before_the_default(db):
    save_printer("all", "labels", "zpl", address="10.0.0.9")
    save_printer("parts", "labels", "cups", queue="")
    assert printer_for("parts", "labels").kind == "cups"
    assert printer_for("bay", "labels").address == "10.0.0.9"
    assert printer_for("bay", "slips").kind == "browser" and printer_for("bay", "slips").id is None
    save_printer("parts", "labels", "browser", address="ignored")
    assert PrinterSetting.get(station="parts", purpose="labels").address == ""
    assert PrinterSetting.select().count() == 2  # saved again, not twice


@pytest.mark.parametrize("args, field", [
    (("nowhere", "labels", "zpl", "10.0.0.9"), "station"),
    (("parts", "posters", "zpl", "10.0.0.9"), "purpose"),
    (("parts", "slips", "zpl", "10.0.0.9"), "kind"),  # a label printer does not print slips
    (("parts", "a4", "escpos", "10.0.0.9"), "kind"),
    (("parts", "labels", "zpl", ""), "address"),
    (("parts", "labels", "zpl", "10.0.0.9:99999"), "address"),
    (("parts", "labels", "zpl", "10.0.0.9", "", "text"), "mode"),
    (("parts", "a4", "cups", "", "two words"), "queue"),
])
def test_bad_settings_are_refused_at_their_field(db, args, field):
    with pytest.raises(ServiceError) as refused:
        save_printer(*args)
    assert refused.value.field == field
    assert PrinterSetting.select().count() == 0


def test_escpos_device_files_are_accepted_as_addresses(db):
    assert save_printer("cashier", "slips", "escpos", address="/dev/usb/lp0").mode == "text"
