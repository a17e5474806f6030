"""Slips and receipts as ESC/POS, built and sent with python-escpos.

Two ways to print Chinese, chosen per printer in the settings:

* ``"text"``: the printer's own Chinese font. Printers sold in China start in
  Chinese character mode or enter it with ``FS &``; the text goes as GB18030
  bytes. Fast and sharp; the code is the printer's own Code 128 (``GS k``).
* ``"image"``: the whole slip as one raster picture (``GS v 0``), drawn here
  with a CJK font, for printers without Chinese characters.

Bytes are built on python-escpos' ``Dummy`` printer, so the print queue can
keep them and send the same bytes again on a retry, then sent to a
``Network`` printer (``host[:port]``, raw TCP 9100) or a ``File`` device
(``/dev/usb/lp0``, a serial port's device file, ``COM3``/``LPT1`` on Windows).
"""

from __future__ import annotations

import contextlib
import io
import re
import socket

from hardware.labels_slip import (
    BAR_HEIGHT_DOTS, BAR_MODULE_DOTS, SlipData, code128_check, slip_image, slip_text,
)
from hardware.printers import CLOSE_GRACE, PrinterError, connect, split_address, wait_for_close

ESCPOS_MODES = ("text", "image")
ESCPOS_PORT = 9100
# A common 80 mm profile (576 dots, GS v 0 raster, hardware Code 128).
PROFILE = "TM-T20II"

CHINESE_MODE = b"\x1c\x26"  # FS &: Chinese character mode
CHINESE_OFF = b"\x1c\x2e"  # FS .


def escpos_bytes(slip: SlipData, mode: str = "text") -> bytes:
    """The slip as ESC/POS bytes, ending with a feed and a cut.

    Raises ValueError for an unknown mode or a number Code 128 cannot carry.
    """
    if mode not in ESCPOS_MODES:
        raise ValueError(f"unknown ESC/POS mode {mode!r}; expected one of {', '.join(ESCPOS_MODES)}")
    code128_check(slip.number)
    printer = _escpos().Dummy(profile=PROFILE)
    printer.hw("INIT")
    if mode == "image":
        printer.image(slip_image(slip), impl="bitImageRaster")
    else:
        _text_slip(printer, slip)
    printer.cut()
    return printer.output


def _escpos():
    """python-escpos' printer classes, imported on first use: the import parses its
    printer database (YAML, half a second), which every ``bayflow`` command and
    start would pay for otherwise."""
    from escpos import printer

    return printer


def _text_slip(printer, slip: SlipData) -> None:
    text = slip_text(slip)

    def lines(rows: list[str]) -> None:
        for row in rows:
            # GB18030 covers every Chinese character; "replace" turns what it
            # cannot carry (emoji) into "?" rather than failing the print.
            printer._raw(row.rstrip().encode("gb18030", "replace") + b"\n")

    printer._raw(CHINESE_MODE)
    printer.set(align="center")
    lines(text["header"])
    printer.set(align="center", bold=True, double_width=True, double_height=True)
    lines(text["title"])
    printer.set(align="left", normal_textsize=True)
    lines(text["body"])
    printer.set(align="center", normal_textsize=True)
    printer._raw(b"\n")
    # {B: Code 128 subset B, which carries every character a number can hold.
    with contextlib.redirect_stdout(io.StringIO()):  # python-escpos prints which renderer it used
        printer.barcode("{B" + slip.number, "CODE128", height=BAR_HEIGHT_DOTS, width=BAR_MODULE_DOTS,
                        pos="BELOW", function_type="B")
    printer._raw(b"\n")
    lines(text["footer"])
    printer._raw(CHINESE_OFF)


# The device files a receipt printer may be written to (regular expressions, whole
# address): a USB or parallel printer, a serial port; COMn and LPTn on Windows.
# Nothing else: printing writes raw bytes there, and any other path could be a
# file on the PC (the node's own database included).
DEVICE_PATTERNS = (r"/dev/usb/lp\d{1,3}", r"/dev/lp\d{1,3}", r"/dev/tty(?:USB|ACM)\d{1,3}",
                   r"(?i:COM)\d{1,3}:?", r"(?i:LPT)\d:?")


def is_device(address: str) -> bool:
    """Whether ``address`` is meant as a device or file rather than a network printer."""
    address = (address or "").strip()
    return address.startswith(("/", "\\", ".")) or ":\\" in address or ":/" in address \
        or address.upper().rstrip(":").startswith(("COM", "LPT", "USB"))


def allowed_device(address: str, patterns=DEVICE_PATTERNS) -> bool:
    """Whether ``address`` is one of the printer devices ``patterns`` allow."""
    address = (address or "").strip()
    return any(re.fullmatch(pattern, address) for pattern in patterns)


def send_escpos(data: bytes, address: str, *, timeout: float = 5.0, devices=DEVICE_PATTERNS) -> None:
    """Send ESC/POS ``data`` to ``host[:port]`` or a device file that ``devices`` allows.

    Raises PrinterError("unreachable" | "timeout" | "disconnected" | "no_device" | "bad_address").
    """
    if is_device(address):
        if not allowed_device(address, devices):
            raise PrinterError("bad_address", f"{address!r} is not an allowed printer device")
        from escpos.exceptions import DeviceNotFoundError

        printer = _escpos().File(devfile=address.strip())
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            raise PrinterError("no_device", str(exc).splitlines()[-1]) from exc
        try:
            printer._raw(data)
        except OSError as exc:
            raise PrinterError("disconnected", f"{address}: {exc.strerror or exc}") from exc
        finally:
            printer.close()
        return
    host, port = split_address(address, ESCPOS_PORT)
    # Connected here rather than by Network.open(), which leaves its
    # socket open when the connection fails.
    conn = connect(host, port, timeout)
    printer = _escpos().Network(host=host, port=port, timeout=timeout)
    printer.device = conn
    with conn:
        try:
            printer._raw(data)
            conn.shutdown(socket.SHUT_WR)
        except TimeoutError as exc:
            raise PrinterError("timeout", f"{host}:{port}: stopped taking data") from exc
        except OSError as exc:
            raise PrinterError("disconnected", f"{host}:{port}: {exc.strerror or exc}") from exc
        wait_for_close(conn, min(timeout, CLOSE_GRACE))
