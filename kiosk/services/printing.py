"""The print queue: render a label or slip for the station's printer, send it, keep the job.

Other stations call ``print_label(kind, data, station)`` and get the saved
``PrintJob`` back; its status says what happened (sent, failed with a reason,
or browser: show ``/print/jobs/<id>`` for the print dialog). A job is saved
before anything is sent and keeps what it shows, so a failed print is never
lost: ``retry(job_id)`` renders it again for the printer configured now.

Sending happens outside any database transaction: a printer that takes five
seconds to time out must not hold the kiosk's write lock.
"""
from __future__ import annotations

import dataclasses
import json

from flask_babel import gettext as _
from kiosk.i18n import lazy_gettext as _l

from hardware.labels import TagData
from hardware.labels_a4 import SheetData, render_sheet_pdf
from hardware.labels_kinds import BadgeData, BinLabelData, JobTagData, PartLabelData, render_label
from hardware.labels_slip import SlipData, code128_check
from hardware.printers import PrinterError
from hardware.printers.cups import print_cups
from hardware.printers.escpos import escpos_bytes, send_escpos
from hardware.printers.zpl import send_zpl
from kiosk.core import times
from kiosk.db import transaction
from kiosk.models.printing import PrintJob
from kiosk.core.errors import NotFound, ServiceError
from kiosk.services.printer_settings import printer_devices, printer_for

# What can be printed, its data class, and which of the station's printers prints it.
KINDS = {
    "key_tag": (TagData, "labels"),
    "job_tag": (JobTagData, "labels"),
    "bin": (BinLabelData, "labels"),
    "badge": (BadgeData, "labels"),
    "part": (PartLabelData, "labels"),
    "slip": (SlipData, "slips"),
    "workorder": (SheetData, "a4"),
    "estimate": (SheetData, "a4"),
    "settlement": (SheetData, "a4"),
    "settlement_slip": (SlipData, "slips"),
    "gate_pass": (SlipData, "slips"),
}
KIND_NAMES = {
    "key_tag": _l("Key tag"), "job_tag": _l("Job-line tag"), "bin": _l("Bin label"),
    "badge": _l("Staff badge"), "part": _l("Part label"), "slip": _l("Slip"), "workorder": _l("Work order (A4)"),
    "estimate": _l("Estimate (A4)"), "settlement": _l("Settlement list (A4)"),
    "settlement_slip": _l("Settlement list (receipt)"), "gate_pass": _l("Gate pass"),
}

_FAILURES = {
    "bad_address": _l("The printer's address cannot be used. Check the printer settings."),
    "unreachable": _l("The printer %(target)s does not answer. Is it switched on and connected?"),
    "timeout": _l("The printer %(target)s stopped taking data."),
    "disconnected": _l("The printer %(target)s dropped the connection before the end."),
    "no_device": _l("The printer device %(target)s is not there. Is the cable plugged in?"),
    "no_lp": _l("System printers need CUPS (the lp command), which is not installed on this kiosk."),
    "cups_failed": _l("The system printer %(target)s refused the job: %(detail)s"),
    "render": _l("This could not be made for the printer."),
}


def as_data(kind: str, data):
    """``data`` as the kind's data class: an instance, or a dict of its fields."""
    if kind not in KINDS:
        raise ServiceError(_l("This cannot be printed."), detail={"kind": kind})
    cls = KINDS[kind][0]
    if isinstance(data, cls):
        return data
    if not isinstance(data, dict):
        raise ServiceError(_l("This cannot be printed."), detail={"kind": kind})
    fields = {f.name for f in dataclasses.fields(cls)}
    # JSON gives lists where the data classes hold tuples (they must stay hashable and frozen).
    values = {k: _tuples(v) for k, v in data.items() if k in fields}
    if cls is SlipData and "lines" in values:  # a line without a right-hand part may come as plain text
        values["lines"] = tuple(line if isinstance(line, tuple) else (str(line), "") for line in values["lines"])
    try:
        return cls(**values)
    except TypeError:  # a required field is missing
        raise ServiceError(_l("This cannot be printed."), detail={"kind": kind})


def _tuples(value):
    """Lists, at any depth, as tuples."""
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def _with_titles(data):
    """Fill the printed words the caller left empty, in this kiosk's language."""
    if isinstance(data, JobTagData) and not data.title:
        return dataclasses.replace(data, title=_("Job line"))
    if isinstance(data, BinLabelData) and not data.title:
        return dataclasses.replace(data, title=_("Bin"))
    if isinstance(data, PartLabelData) and data.bin_code and not data.bin_title:
        return dataclasses.replace(data, bin_title=_("Bin"))
    return data


def code_of(data) -> str:
    """The text the document's code carries (what a scan of it reads)."""
    return data.number if isinstance(data, (TagData, SlipData, SheetData)) else data.code


def check_printable(data) -> None:
    """ServiceError (nothing saved) when the document's code cannot be printed."""
    try:
        if isinstance(data, SlipData):
            code128_check(data.number)
        elif isinstance(data, SheetData):
            render_label(TagData(data.number, "", ""), "svg")  # the same codes as the key tag
        else:
            render_label(data, "svg")  # builds and places every code; no fonts needed
    except ValueError:
        raise ServiceError(_l("This code cannot be printed as a barcode: it is empty, too long, "
                              "or has characters a barcode cannot carry."), detail={"code": code_of(data)})


def load(job: PrintJob):
    """The job's document as its data class again."""
    return as_data(job.kind, json.loads(job.data))


def print_label(kind: str, data, station: str | None = None) -> PrintJob:
    """Print ``data`` (a data class of ``kind`` or a dict of its fields) on ``station``'s printer.

    Returns the saved job: status "sent", "failed" (``error_message(job)``
    says why; ``retry`` tries again) or "browser" (open ``/print/jobs/<id>``).
    Raises ServiceError, saving nothing, when the document cannot be made.
    """
    document = _with_titles(as_data(kind, data))
    check_printable(document)
    setting = printer_for(station, KINDS[kind][1])
    with transaction():
        job = PrintJob.create(kind=kind, ref=code_of(document), station=setting.station, purpose=setting.purpose,
                              data=json.dumps(dataclasses.asdict(document), ensure_ascii=False),
                              printer_kind=setting.kind, target=target_of(setting), status="pending",
                              created_at=times.utcnow())
    return _attempt(job, document, setting)


def retry(job_id) -> PrintJob:
    """Try a job again on the printer its station has now (its address may have been fixed)."""
    job = PrintJob.get_or_none(PrintJob.id == job_id)
    if job is None:
        raise NotFound(_l("This print job is not on this kiosk."))
    setting = printer_for(job.station, job.purpose)
    return _attempt(job, load(job), setting)


def _attempt(job: PrintJob, document, setting) -> PrintJob:
    """Render for ``setting``'s printer, send, and record the outcome."""
    job.printer_kind, job.target, job.attempts = setting.kind, target_of(setting), job.attempts + 1
    job.status, job.error, job.detail = "browser", "", ""
    if setting.kind != "browser":
        try:
            job.payload = _render(document, setting)
            _send(job.payload, setting, title=f"{job.kind} {job.ref}", a4=job.kind in ("workorder", "estimate"))
            job.status, job.sent_at = "sent", times.utcnow()
        except PrinterError as exc:
            job.status, job.error, job.detail = "failed", exc.reason, exc.detail
        except ValueError as exc:  # a mode that no longer fits the printer kind
            job.status, job.error, job.detail = "failed", "render", str(exc)
    with transaction():
        job.save()
    return job


def _render(document, setting) -> bytes:
    if setting.kind == "zpl":
        return render_label(document, "zpl", zpl_mode=setting.mode or "font")
    if setting.kind == "escpos":
        return escpos_bytes(document, setting.mode or "text")
    if setting.kind == "cups":
        return render_sheet_pdf(document) if isinstance(document, SheetData) else render_label(document, "pdf")
    raise ValueError(f"no renderer for {setting.kind!r}")


def _send(payload: bytes, setting, *, title: str, a4: bool = False) -> None:
    if setting.kind == "zpl":
        send_zpl(payload, setting.address)
    elif setting.kind == "escpos":
        # Checked again here, not only when saved: a setting written before the
        # allowed list existed must not write to a file either.
        send_escpos(payload, setting.address, devices=printer_devices())
    else:
        print_cups(payload, setting.queue, title=title, media="A4" if a4 else "")


def target_of(setting) -> str:
    """The printer as people know it: its address, queue, or the print dialog."""
    if setting.kind == "cups":
        return setting.queue or str(_l("the default system printer"))
    return setting.address if setting.kind in ("zpl", "escpos") else ""


def error_message(job: PrintJob) -> str:
    """Why ``job`` failed, in the reader's language."""
    message = _FAILURES.get(job.error, _FAILURES["render"])
    return str(message) % {"target": job.target, "detail": job.detail}


def recent_jobs(limit: int = 30) -> list[PrintJob]:
    """This kiosk's newest print jobs, failed ones included, newest first."""
    return list(PrintJob.select(PrintJob.id, PrintJob.kind, PrintJob.ref, PrintJob.station, PrintJob.printer_kind,
                                PrintJob.target, PrintJob.status, PrintJob.error, PrintJob.detail,
                                PrintJob.attempts, PrintJob.created_at, PrintJob.sent_at)
                .order_by(PrintJob.id.desc()).limit(limit))
