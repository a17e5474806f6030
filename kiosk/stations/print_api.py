"""Print buttons' endpoint, retries, and the browser print page of any job.

``POST /print/<kind>/<ref>`` prints on the station's configured printer and
answers with the button's fragment saying what happened ("sent to …" or
"printing failed: … [Retry]", with the feedback tone). When the station
prints through the browser, it sends the browser to the job's print page.
"""
from __future__ import annotations

import base64
import io
import json

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from hardware.labels_kinds import SIZES, render_label
from hardware.labels_slip import SlipData, slip_image
from kiosk import STATIONS
from kiosk.access import current_staff, go_to
from kiosk.models.printing import PrintJob
from kiosk.roles import allowed
from kiosk.services import printing
from kiosk.services.errors import ServiceError
from kiosk.stations.print_sources import KIND_PERMISSIONS, document_for
from kiosk.templating import render

bp = Blueprint("printing", __name__, url_prefix="/print")

# Kinds whose browser print page reception already has.
RECEPTION_PAGES = {"key_tag": "reception.key_tag", "workorder": "reception.print_work_order",
                   "estimate": "reception.print_estimate"}


def may_print(kind: str) -> bool:
    """Whether the person at the kiosk may print ``kind`` (slips: whoever may issue or settle)."""
    staff = current_staff()
    needed = KIND_PERMISSIONS.get(kind, ("parts", "cashier"))
    return staff is not None and any(allowed(staff.role_list, p) for p in needed)


def _refused(kind: str):
    """The login page for nobody, a 403 for someone without the right; None when allowed."""
    if current_staff() is None:
        return go_to(url_for("auth.login", next=request.full_path))
    if not may_print(kind):
        return render_template("forbidden.html", permission=kind), 403
    return None


def _station() -> str | None:
    """The station the button was on (an all-stations node prints per station)."""
    station = request.form.get("station", "")
    return station if station in STATIONS else None


def _answer(job: PrintJob | None, kind: str, ref: str, *, message: str = "", status: int = 200):
    """The button fragment with the outcome, and the tone that goes with it."""
    if job is not None and job.status == "browser":
        if job.kind in RECEPTION_PAGES:  # reception's own pages (the tag page also offers files)
            return go_to(url_for(RECEPTION_PAGES[job.kind], number=job.ref))
        return go_to(url_for("printing.job_page", job_id=job.id))
    ok = job is not None and job.status == "sent"
    if job is not None and job.status == "failed":
        message = printing.error_message(job)
    response = render("print/result.html", "print/_print_result.html", job=job, kind=kind, ref=ref,
                      message=message, station=_station() or "")
    response.status_code = status
    response.headers["HX-Trigger"] = json.dumps({"feedback": {"value": "ok" if ok else "bad"}})
    return response


@bp.post("/<kind>/<path:ref>")
def print_document(kind, ref):
    """Print the ``kind`` document of ``ref`` on this station's printer."""
    if kind not in KIND_PERMISSIONS:
        return _answer(None, kind, ref, message=_("This cannot be printed."), status=404)
    if (refused := _refused(kind)) is not None:
        return refused
    try:
        job = printing.print_label(kind, document_for(kind, ref), _station())
    except ServiceError as error:
        return _answer(None, kind, ref, message=str(error.message), status=error.status if error.status >= 400 else 422)
    return _answer(job, kind, ref)


@bp.post("/jobs/<int:job_id>/retry")
def retry(job_id):
    """Try a failed (or any) job again on the printer its station has now."""
    job = PrintJob.get_or_none(PrintJob.id == job_id)
    if job is None:
        abort(404)
    if (refused := _refused(job.kind)) is not None:
        return refused
    return _answer(printing.retry(job.id), job.kind, job.ref)


@bp.get("/<kind>/<path:ref>")
def document_page(kind, ref):
    """A label looked up by its reference (``/print/badge/TEC-001``), for the browser's print dialog."""
    if kind not in KIND_PERMISSIONS:
        abort(404)
    if (refused := _refused(kind)) is not None:
        return refused
    try:
        document = printing.as_data(kind, document_for(kind, ref))
        printing.check_printable(document)
    except ServiceError as error:
        return render_template("print/result.html", job=None, kind=kind, ref=ref, station="",
                               message=str(error.message)), error.status
    return _sheet(kind, printing.code_of(document), document)


@bp.get("/jobs/<int:job_id>")
def job_page(job_id):
    """The job's document on a page sized to the label, for the browser's print dialog."""
    job = PrintJob.get_or_none(PrintJob.id == job_id)
    if job is None:
        abort(404)
    if (refused := _refused(job.kind)) is not None:
        return refused
    return _sheet(job.kind, job.ref, printing.load(job))


def _sheet(kind: str, ref: str, document):
    """The print page of one document: a slip as its picture, a label as inline SVG."""
    if kind in RECEPTION_PAGES:
        return redirect(url_for(RECEPTION_PAGES[kind], number=ref))
    name = printing.KIND_NAMES[kind]
    if isinstance(document, SlipData):
        out = io.BytesIO()
        slip_image(document).save(out, "PNG", dpi=(203, 203))
        picture = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
        return render_template("print/job.html", kind=kind, ref=ref, slip=picture, width=80, height=None, name=name)
    svg = render_label(document, "svg").decode("utf-8").split("?>", 1)[-1]  # inline: no XML declaration
    width, height = SIZES[kind]
    return render_template("print/job.html", kind=kind, ref=ref, svg=svg, width=width, height=height, name=name)
