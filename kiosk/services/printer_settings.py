"""Which printer each station of this kiosk uses, for labels, for slips and for A4.

A station without its own choice uses the node's ("all"), and without that
the browser's print dialog, which always works.
"""
from __future__ import annotations

from flask import current_app
from kiosk.i18n import lazy_gettext as _l

from hardware.printers import PrinterError, split_address
from hardware.printers.cups import lp_command
from hardware.printers.escpos import DEVICE_PATTERNS, ESCPOS_MODES, ESCPOS_PORT, allowed_device, is_device
from hardware.printers.zpl import ZPL_PORT
from hardware.labels_zpl import ZPL_MODES
from kiosk import STATIONS
from kiosk.core import times
from kiosk.db import transaction
from kiosk.models.printing import PrinterSetting
from kiosk.core.errors import ServiceError

NODE_DEFAULT = "all"
PURPOSES = {"labels": _l("Labels and tags"), "slips": _l("Slips and receipts"), "a4": _l("A4 documents")}
PRINTER_KINDS = {
    "browser": _l("Browser print dialog"),
    "zpl": _l("Label printer (ZPL over the network)"),
    "escpos": _l("Receipt printer (ESC/POS)"),
    "cups": _l("System printer (CUPS)"),
}
# Which printers can print what: a receipt printer cannot take an A4 page.
ALLOWED = {"labels": ("browser", "zpl", "cups"), "slips": ("browser", "escpos"), "a4": ("browser", "cups")}
MODES = {"zpl": ZPL_MODES, "escpos": ESCPOS_MODES}
MODE_NAMES = {
    "font": _l("Chinese in the printer's font"), "image": _l("Everything as a picture"),
    "text": _l("Chinese in the printer's font (GB18030)"),
}


def stations() -> list[str]:
    """The stations whose printers can be set on this node, the node's default first."""
    station = current_app.config["STATION"]
    return [NODE_DEFAULT, *STATIONS] if station == NODE_DEFAULT else [NODE_DEFAULT, station]


def printer_devices() -> tuple[str, ...]:
    """The device files a receipt printer may be (``PRINTER_DEVICES`` in the instance config,
    regular expressions; default ``hardware.printers.escpos.DEVICE_PATTERNS``)."""
    return tuple(current_app.config["PRINTER_DEVICES"] or DEVICE_PATTERNS)


def printer_for(station: str | None, purpose: str) -> PrinterSetting:
    """The printer ``station`` uses for ``purpose``: its own, the node's, or the browser (unsaved)."""
    station = station or current_app.config["STATION"]
    found = {s.station: s for s in PrinterSetting.select().where(
        (PrinterSetting.purpose == purpose) & (PrinterSetting.station.in_([station, NODE_DEFAULT])))}
    chosen = found.get(station) or found.get(NODE_DEFAULT)
    if chosen is not None:
        return chosen
    return PrinterSetting(station=station, purpose=purpose, kind="browser")


def settings_table() -> dict[tuple[str, str], PrinterSetting]:
    """Every saved setting by (station, purpose)."""
    return {(s.station, s.purpose): s for s in PrinterSetting.select()}


def save_printer(station: str, purpose: str, kind: str, address: str = "", queue: str = "",
                 mode: str = "") -> PrinterSetting:
    """Choose ``station``'s printer for ``purpose``; checks the address or queue before saving."""
    if station not in stations():
        raise ServiceError(_l("Choose a station."), field="station")
    if purpose not in PURPOSES:
        raise ServiceError(_l("Choose what the printer is for."), field="purpose")
    if kind not in ALLOWED[purpose]:
        raise ServiceError(_l("This printer cannot print that. Choose another kind of printer."), field="kind")
    address, queue, mode = (address or "").strip(), (queue or "").strip(), (mode or "").strip()
    if kind in ("zpl", "escpos"):
        if not address:
            raise ServiceError(_l("Enter the printer's address, e.g. 192.168.1.50 or 192.168.1.50:9100."),
                               field="address")
        if is_device(address):
            if kind != "escpos" or not allowed_device(address, printer_devices()):
                raise ServiceError(_l("A printer is a network address (192.168.1.50:9100), a system printer "
                                      "queue, or a printer port such as /dev/usb/lp0 or COM3. Nothing else."),
                                   field="address")
        else:
            try:
                split_address(address, ZPL_PORT if kind == "zpl" else ESCPOS_PORT)
            except PrinterError:
                raise ServiceError(_l("This is not a printer address. Enter it as 192.168.1.50 or "
                                      "192.168.1.50:9100."), field="address")
        mode = mode or MODES[kind][0]
        if mode not in MODES[kind]:
            raise ServiceError(_l("Choose how Chinese text is printed."), field="mode")
        queue = ""
    elif kind == "cups":
        try:
            lp_command(queue)
        except PrinterError:
            raise ServiceError(_l("A printer queue name has no spaces, slashes, quotes or #."), field="queue")
        address, mode = "", ""
    else:
        address, queue, mode = "", "", ""
    with transaction():
        setting = PrinterSetting.get_or_none((PrinterSetting.station == station) & (PrinterSetting.purpose == purpose))
        setting = setting or PrinterSetting(station=station, purpose=purpose)
        setting.kind, setting.address, setting.queue, setting.mode = kind, address, queue, mode
        setting.updated_at = times.utcnow()
        setting.save()
    return setting
