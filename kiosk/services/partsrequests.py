"""Parts requests: the bay asks the parts counter for parts for a job line.

A PartsRequest is a record whose status the counter moves (requested →
issued, or ordered → arrived → issued; cancelled until issued). The bay shows
each request's status live (SSE ``partsrequest-changed``).
"""
from __future__ import annotations

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import JobLine, PartsRequest, Staff, WorkOrder
from kiosk.core.errors import ServiceError
from kiosk.core import limits
from kiosk.services import catalogue, clock_rules, estimate, workorders
from sync import changelog

STATUSES = ("requested", "ordered", "arrived", "issued", "cancelled")
NOTE_LIMIT = 500  # a note to the parts counter is a line or two
LABELS = {
    "requested": _l("Requested"),
    "ordered": _l("Ordered"),
    "arrived": _l("Arrived"),
    "issued": _l("Issued"),
    "cancelled": _l("Cancelled"),
}
# Where the counter may move a request from each status.
MOVES = {
    "requested": ("ordered", "issued", "cancelled"),
    "ordered": ("arrived", "cancelled"),
    "arrived": ("issued", "cancelled"),
    "issued": (),
    "cancelled": (),
}


def request_parts(job: JobLine, technician: Staff | None, code: str = "", description: str = "", qty="1",
                  note: str = "") -> PartsRequest:
    """Ask the counter for parts for ``job``: a part number or barcode, or a description."""
    clock_rules.check_order(job.work_order)
    estimate.check_workable(job)
    code, description = (code or "").strip(), (description or "").strip()
    if not code and not description:
        raise ServiceError(_l("Scan or type the part number, or describe the part."), field="code")
    part = catalogue.find_part(code) if code else None
    if code and part is None and not description:
        raise ServiceError(_l("Part %(code)s is not in the catalogue. Describe it instead.", code=code),
                           field="code")
    amount = workorders.decimal_of(qty or "1", "qty")
    if amount == 0:
        raise ServiceError(_l("The quantity must be more than zero."), field="qty")
    with transaction():
        row = PartsRequest(work_order=job.work_order_id, job=job, requested_by=technician,
                           part_no=part.part_no if part else code.upper(),
                           description=description or (part.name if part else ""), qty=amount,
                           requested_at=times.utcnow().replace(microsecond=0),
                           note=limits.check_text("note", (note or "").strip(), NOTE_LIMIT))
        changelog.save(row)
    return row


def move(request: PartsRequest, status: str, note: str = "") -> PartsRequest:
    """The counter moves a request on (see MOVES); the bay sees it live."""
    if status not in MOVES.get(request.status, ()):
        raise ServiceError(_l("This request cannot go from “%(a)s” to “%(b)s”.",
                              a=LABELS.get(request.status, request.status), b=LABELS.get(status, status)),
                           status=409)
    with transaction():
        request.status = status
        fields = ["status"]
        if note:
            request.note, fields = limits.check_text("note", note.strip(), NOTE_LIMIT), ["status", "note"]
        changelog.save(request, fields=fields)
    return request


def of_order(order: WorkOrder) -> list[PartsRequest]:
    """The order's requests, oldest first."""
    return list(PartsRequest.select().where((PartsRequest.work_order == order) & (PartsRequest.deleted == False))  # noqa: E712
                .order_by(PartsRequest.requested_at, PartsRequest.id))


def open_requests() -> list[PartsRequest]:
    """Requests the counter still has to fulfil (for the parts counter's list)."""
    return list(PartsRequest.select().where(PartsRequest.status.in_(("requested", "ordered", "arrived"))
                                            & (PartsRequest.deleted == False))  # noqa: E712
                .order_by(PartsRequest.requested_at, PartsRequest.id))
