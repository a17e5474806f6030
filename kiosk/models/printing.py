"""This kiosk's printers and its print queue: local, never replicated.

Printers are hardware on this kiosk's desk, and a print job only means
something to the printer it was meant for, so neither travels to the hub.
"""
from __future__ import annotations

from peewee import AutoField, BlobField, CharField, DateTimeField, IntegerField, TextField

from kiosk.models.base import LocalModel


class PrinterSetting(LocalModel):
    """Which printer a station uses for one purpose (labels, slips, A4).

    ``station`` is a station name or ``"all"`` for this node's default.
    ``kind``: browser (the print dialog), zpl (label printer on TCP 9100),
    escpos (receipt printer on the network or a device file), cups (``lp``).
    ``mode``: how Chinese gets printed — ZPL "font" or "image", ESC/POS
    "text" or "image".
    """

    station = CharField()
    purpose = CharField()
    kind = CharField(default="browser")
    address = CharField(default="")  # host[:port] or a device file
    queue = CharField(default="")  # CUPS queue name
    mode = CharField(default="")
    updated_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("station", "purpose"), True),)


class PrintJob(LocalModel):
    """One print asked for, kept whatever happens to it.

    ``data`` (JSON) is what the document shows, so a retry renders it again
    for the printer configured now (fixing the address then pressing Retry
    works); ``payload`` is the bytes last sent. ``status``: pending (saved,
    not sent yet), sent, failed, browser (handed to the print dialog).
    """

    id = AutoField()
    kind = CharField()  # key_tag, job_tag, bin, badge, part, slip
    ref = CharField(default="", index=True)  # the code or number it was printed for
    data = TextField(default="{}")
    station = CharField(default="")
    purpose = CharField(default="")
    printer_kind = CharField(default="browser")
    target = CharField(default="")  # address or queue, as shown to people
    payload = BlobField(null=True)
    status = CharField(default="pending", index=True)
    error = CharField(default="")  # hardware.printers.REASONS, or "render"
    detail = TextField(default="")
    attempts = IntegerField(default=0)
    created_at = DateTimeField()
    sent_at = DateTimeField(null=True)
