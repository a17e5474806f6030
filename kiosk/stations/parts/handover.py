"""Issuing parts to a work order and taking them back, by scanning.

The counter keeps a basket per mode and clerk (kiosk.services.drafts, kept
across an idle logout until confirmed or cancelled): the work order (from its
tag, or a job-line tag that also picks the job), then one line per part and
job with a running count; the receiving technician's badge confirms and
writes the whole slip in one transaction (kiosk.services.stock.hand_over).
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from flask import render_template, request, url_for
from kiosk.i18n import lazy_gettext as _l

from kiosk.access import current_staff, requires
from kiosk.models import JobLine, Part, PartLine, PartsRequest, WorkOrder
from kiosk.services import drafts, stock
from kiosk.services.catalogue import find_part
from kiosk.services.errors import ServiceError
from kiosk.stations.parts import bp
from kiosk.stations.parts.scan import register_mode
from kiosk.templating import scan_reply

KINDS = ("issue", "return")


def _key(kind: str) -> str:
    return f"parts_{kind}"


EMPTY = {"order": "", "job": "", "lines": [], "current": -1, "slip": ""}


def basket(kind: str) -> dict:
    """The clerk's issue or return in progress (kept until confirmed or cancelled, see kiosk.services.drafts)."""
    return drafts.load(current_staff(), _key(kind), EMPTY)


def _save(kind: str, data: dict) -> None:
    drafts.save(current_staff(), _key(kind), data)


def _row(model, key: str):
    return model.get_or_none(model.id == uuid.UUID(key)) if key else None


def _order(data: dict) -> WorkOrder | None:
    return _row(WorkOrder, data["order"])


def _lines(data: dict) -> list[tuple[Part, Decimal, JobLine | None]]:
    return [(_row(Part, p), Decimal(q), _row(JobLine, j)) for p, q, j in data["lines"]]


def _wanted(order: WorkOrder) -> list[dict]:
    """What the bay asked for (PartsRequest) and the estimate lists (PartLine), per job."""
    wanted = []
    for r in (PartsRequest.select().where((PartsRequest.work_order == order) & (PartsRequest.deleted == False)  # noqa: E712
                                           & (PartsRequest.status != "cancelled"))):
        wanted.append({"job": r.job, "part_no": r.part_no, "description": r.description, "qty": r.qty,
                       "status": r.status, "source": "request"})
    for line in PartLine.select().where((PartLine.work_order == order) & (PartLine.deleted == False)):  # noqa: E712
        wanted.append({"job": line.job, "part_no": line.part_no, "description": line.description,
                       "qty": line.qty, "status": "", "source": "estimate"})
    return wanted


def panel(kind: str) -> str:
    """The issue or return panel: the order, what it wants, the basket, or the last slip."""
    data = basket(kind)
    order = _order(data)
    jobs = list(JobLine.select().where((JobLine.work_order == order) & (JobLine.deleted == False))  # noqa: E712
                .order_by(JobLine.position)) if order else []
    return render_template("parts/_handover.html", kind=kind, data=data, order=order, jobs=jobs,
                           job=_row(JobLine, data["job"]), lines=_lines(data),
                           wanted=_wanted(order) if order else [],
                           issued=stock.issued_lines(order) if order else [],
                           slip=data.get("slip"))


def _job_for(order: WorkOrder, part: Part, chosen: JobLine | None) -> JobLine | None:
    """The job a scanned part goes to: the scanned job tag, else the job that asked for it."""
    if chosen is not None:
        return chosen
    for item in _wanted(order):
        if item["job"] is not None and find_part(item["part_no"]) == part:
            return item["job"]
    return None


def _returnable(order: WorkOrder, part: Part) -> Decimal:
    return sum((q for (p, _j), q in stock.issued(order).items() if p == part.id), Decimal(0))


def _start(kind: str, order: WorkOrder, job: JobLine | None):
    stock.check_order(order)
    if kind == "issue":
        stock.check_job(job, order)
    elif job is not None:
        stock.check_job_on_order(job, order)
    _save(kind, {"order": order.id.hex, "job": job.id.hex if job else "", "lines": [], "current": -1, "slip": ""})
    if job is not None:
        return _l("Work order %(number)s, job %(position)s: scan the parts.", number=order.number,
                  position=job.position)
    return _l("Work order %(number)s: scan the parts.", number=order.number)


def _add(kind: str, data: dict, order: WorkOrder, part: Part):
    job = _job_for(order, part, _row(JobLine, data["job"]))
    if kind == "issue":
        stock.check_job(job, order, part)
    elif job is not None:
        stock.check_job_on_order(job, order)
    key = [part.id.hex, job.id.hex if job else ""]
    for index, line in enumerate(data["lines"]):
        if [line[0], line[2]] == key:
            break
    else:
        data["lines"].append([part.id.hex, "0", key[1]])
        index = len(data["lines"]) - 1
    count = Decimal(data["lines"][index][1]) + 1
    if kind == "return":
        already = sum((Decimal(q) for p, q, _j in data["lines"] if p == part.id.hex), Decimal(0)) + 1
        if already > _returnable(order, part):
            raise ServiceError(_l("Only %(qty)s of %(part_no)s were issued to work order %(number)s.",
                                  qty=_returnable(order, part), part_no=part.part_no, number=order.number))
    data["lines"][index][1] = str(count)
    data["current"] = index
    _save(kind, data)
    return _l("%(part_no)s %(name)s: %(count)s in this slip.", part_no=part.part_no, name=part.name,
              count=count)


def _confirm(kind: str, data: dict, order: WorkOrder, receiver):
    slip = stock.hand_over(order, _lines(data), kind=kind, staff=current_staff(), receiver=receiver)
    _save(kind, {"order": "", "job": "", "lines": [], "current": -1, "slip": slip})
    if kind == "issue":
        return _l("Slip %(slip)s: parts issued to %(name)s.", slip=slip, name=receiver.name)
    return _l("Slip %(slip)s: parts taken back from %(name)s.", slip=slip, name=receiver.name)


def handle(kind: str, scan):
    """One scan in issue or return mode."""
    code, data = scan.code, basket(kind)
    order = _order(data)
    try:
        if code.kind == "work_order":
            message = _start(kind, code.ref, None)
        elif code.kind == "job_line":
            message = _start(kind, code.ref.work_order, code.ref)
        elif order is None:
            raise ServiceError(_l("Scan the work-order tag first."))
        elif code.kind == "part":
            message = _add(kind, data, order, code.ref)
        elif code.kind == "badge":
            message = _confirm(kind, data, order, code.ref)
        elif code.kind == "bin":
            raise ServiceError(_l("A bin label is not used here: scan parts, then the technician's badge."))
        else:
            return scan_reply(code.problem, False, panel(kind) + render_template(
                "parts/_attach_offer.html", code=code.text))
    except ServiceError as error:
        return scan_reply(error.message, False, panel(kind))
    return scan_reply(message, True, panel(kind), events=("stock-changed",) if code.kind == "badge" else ())


register_mode("issue", _l("Issue"), panel=lambda: panel("issue"), order=20)(lambda scan: handle("issue", scan))
register_mode("return", _l("Return"), panel=lambda: panel("return"), order=30)(lambda scan: handle("return", scan))


def _edit(kind: str):
    if kind not in KINDS:
        raise ServiceError(_l("Choose issue or return."))
    return basket(kind)


@bp.post("/<kind>/line/<int:index>/<action>")
@requires("parts")
def edit_line(kind: str, index: int, action: str):
    """Undo one scan of a line, set its quantity from the keypad, or pick it for the keypad."""
    try:
        data = _edit(kind)
        if not 0 <= index < len(data["lines"]):
            raise ServiceError(_l("This line is no longer in the slip."))
        line = data["lines"][index]
        if action == "undo":
            count = Decimal(line[1]) - 1
            message = _l("One scan undone.")
            if count <= 0:
                data["lines"].pop(index)
                data["current"] = len(data["lines"]) - 1
            else:
                line[1] = str(count)
        elif action == "qty":
            count = stock.quantity_of(request.form.get("qty", ""))
            part, order = _row(Part, line[0]), _order(data)
            if kind == "return":
                others = sum((Decimal(q) for i, (p, q, _j) in enumerate(data["lines"]) if p == line[0] and i != index),
                             Decimal(0))
                if count + others > _returnable(order, part):
                    raise ServiceError(_l("Only %(qty)s of %(part_no)s were issued to work order %(number)s.",
                                          qty=_returnable(order, part), part_no=part.part_no,
                                          number=order.number))
            line[1], data["current"] = str(count), index
            message = _l("Quantity set to %(qty)s.", qty=count)
        elif action == "pick":
            data["current"], message = index, _l("Type the quantity on the keypad.")
        else:
            raise ServiceError(_l("This line is no longer in the slip."))
        _save(kind, data)
    except ServiceError as error:
        return scan_reply(error.message, False, panel(kind) if kind in KINDS else "")
    return scan_reply(message, True, panel(kind))


@bp.post("/<kind>/cancel")
@requires("parts")
def cancel(kind: str):
    """Drop the basket (nothing was written)."""
    if kind in KINDS:
        drafts.clear(current_staff(), _key(kind))
    return scan_reply(_l("Cancelled: nothing was written."), True, panel(kind) if kind in KINDS else "")


@bp.get("/slip/<slip>")
@requires("parts")
def slip_page(slip: str):
    """The printable issue or return slip."""
    moves = stock.slip_moves(slip)
    if not moves:
        return render_template("parts/slip_missing.html", slip=slip), 404
    return render_template("parts/slip.html", slip=slip, moves=moves, first=moves[0],
                           back=url_for("parts.index"))
