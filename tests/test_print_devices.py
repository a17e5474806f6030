"""The senders against stand-ins: a real TCP server playing a label or receipt printer,
a device file, and a fake ``lp`` first on PATH run through the real subprocess path."""

from __future__ import annotations

import re
import time

import pytest

from hardware.decode import Decoded
from hardware.labels_kinds import BinLabelData, JobTagData, render_label
from hardware.labels_slip import SlipData
from hardware.printers import PrinterError, split_address
from hardware.printers.cups import lp_command, print_cups
from hardware.printers.escpos import escpos_bytes, is_device, send_escpos
from hardware.printers.zpl import send_zpl
from tests.print_standins import (
    PrinterStandIn, closed_port, decoded, escpos_barcodes, escpos_raster, fake_lp, path_with, zpl_code_fields,
    zpl_codes_image, zpl_graphic_image,
)


@pytest.fixture
def printer():
    standin = PrinterStandIn()
    yield standin
    standin.close()


def wait_for_job(standin: PrinterStandIn, count: int = 1) -> bytes:
    deadline = time.monotonic() + 5
    while len(standin.jobs) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(standin.jobs) == count
    return standin.jobs[-1]


def test_zpl_label_reaches_the_printer_whole_and_reads_back(printer):
    zpl = render_label(JobTagData("R1-20261127-0042", 2, "更换前刹车盘", "沪A·D1234"), "zpl")
    send_zpl(zpl, printer.address)
    received = wait_for_job(printer)
    assert received == zpl
    text = received.decode("utf-8")
    assert [(s, t) for s, t, *_ in zpl_code_fields(text)] == [("code128", "R1-20261127-0042/2"),
                                                               ("qr", "R1-20261127-0042/2")]
    assert decoded(zpl_codes_image(text)) == {Decoded("Code128", "R1-20261127-0042/2"),
                                              Decoded("QRCode", "R1-20261127-0042/2")}


def test_zpl_bitmap_label_reaches_the_printer_and_reads_back(printer):
    zpl = render_label(BinLabelData("A-01-03", "机油滤清器", "货位"), "zpl", zpl_mode="image")
    send_zpl(zpl, printer.address)
    assert decoded(zpl_graphic_image(wait_for_job(printer).decode("ascii"))) == {Decoded("Code128", "BIN:A-01-03")}


def test_a_printer_that_is_off_is_reported_not_hung_on():
    started = time.monotonic()
    with pytest.raises(PrinterError) as failed:
        send_zpl(b"^XA^XZ", f"127.0.0.1:{closed_port()}", timeout=2)
    assert failed.value.reason == "unreachable"
    assert time.monotonic() - started < 2


def test_a_printer_that_drops_the_connection_is_reported():
    standin = PrinterStandIn("reset")
    try:
        with pytest.raises(PrinterError) as failed:
            send_zpl(b"^XA" + b"^FO0,0^FDx^FS" * 50_000 + b"^XZ", standin.address, timeout=2)
        assert failed.value.reason == "disconnected"
    finally:
        standin.close()


@pytest.mark.parametrize("address", ["", "printer:port", "host:0", "host:70000", "two words"])
def test_unusable_addresses_are_refused(address):
    with pytest.raises(PrinterError) as failed:
        split_address(address, 9100)
    assert failed.value.reason == "bad_address"


def test_addresses_with_and_without_port():
    assert split_address("192.168.1.50", 9100) == ("192.168.1.50", 9100)
    assert split_address(" zebra-1:6101 ", 9100) == ("zebra-1", 6101)
    assert split_address("[fe80::1]:9101", 9100) == ("fe80::1", 9101)


SLIP = SlipData("领料单", "R1-20261127-0042", (("前刹车盘", "x2"),), ("浦东4S店",))


@pytest.mark.parametrize("mode", ["text", "image"])
def test_escpos_slip_reaches_a_network_printer_and_reads_back(printer, mode):
    data = escpos_bytes(SLIP, mode)
    send_escpos(data, printer.address)
    received = wait_for_job(printer)
    assert received == data
    if mode == "text":
        [(code, module, _)] = escpos_barcodes(received)
        assert (code, module) == ("R1-20261127-0042", 2)
        assert "前刹车盘".encode("gb18030") in received
    else:
        assert decoded(escpos_raster(received)) == {Decoded("Code128", "R1-20261127-0042")}


def test_escpos_to_a_device_file(tmp_path):
    device = tmp_path / "lp0"
    device.touch()
    assert is_device(str(device)) and is_device("COM3") and not is_device("192.168.1.60:9100")
    data = escpos_bytes(SLIP, "text")
    allowed = (re.escape(str(tmp_path)) + r"/(missing/)?lp\d",)  # a stand-in for /dev/usb/lp*
    send_escpos(data, str(device), devices=allowed)
    assert device.read_bytes() == data
    with pytest.raises(PrinterError) as failed:
        send_escpos(data, str(tmp_path / "missing" / "lp0"), devices=allowed)
    assert failed.value.reason == "no_device"


def test_escpos_printer_that_is_off():
    with pytest.raises(PrinterError) as failed:
        send_escpos(b"\x1b@", f"127.0.0.1:{closed_port()}", timeout=2)
    assert failed.value.reason == "unreachable"


def test_lp_command_is_built_for_the_queue():
    assert lp_command("Front_A4", title="R1-20261127-0042", media="A4") == [
        "lp", "-d", "Front_A4", "-t", "R1-20261127-0042", "-o", "media=A4"]
    assert lp_command("") == ["lp"]  # the system's default queue
    for bad in ("two words", "a/b", "x#1"):
        with pytest.raises(PrinterError):
            lp_command(bad)


def test_cups_runs_lp_with_the_document_on_stdin(tmp_path, monkeypatch):
    fake_lp(tmp_path / "bin")
    monkeypatch.setenv("PATH", path_with(tmp_path / "bin"))
    pdf = render_label(BinLabelData("A-01-03"), "pdf")
    assert print_cups(pdf, "Parts_A4", title="BIN:A-01-03", media="A4") == "A4-17"
    argv = (tmp_path / "bin" / "argv").read_text().splitlines()
    assert argv == ["-d", "Parts_A4", "-t", "BIN:A-01-03", "-o", "media=A4"]
    assert (tmp_path / "bin" / "stdin").read_bytes() == pdf


def test_cups_failure_says_why(tmp_path, monkeypatch):
    fake_lp(tmp_path / "bin", fail="The printer or class does not exist.")
    monkeypatch.setenv("PATH", path_with(tmp_path / "bin"))
    with pytest.raises(PrinterError) as failed:
        print_cups(b"%PDF-1.4", "Nowhere")
    assert failed.value.reason == "cups_failed"
    assert "does not exist" in failed.value.detail


def test_cups_without_lp_installed(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no lp anywhere
    with pytest.raises(PrinterError) as failed:
        print_cups(b"%PDF-1.4", "A4")
    assert failed.value.reason == "no_lp"
