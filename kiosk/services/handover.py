"""The parts counter's basket: an issue or a return being scanned, until the
technician's badge confirms it (or the clerk cancels).

The rules of a handover live here, and every door goes through them: the
counter's scans and buttons (``kiosk.stations.parts.handover``), the API's
``POST /api/v1/work-orders/NUMBER/parts`` and the slip itself
(``kiosk.services.stock.hand_over``):

* which job a part goes to (``job_for``): the scanned job tag, else the job
  that asked for the part (a bay's request or the estimate);
* how many may come back (``stock.check_returnable``): no more than was issued
  to the order, counted over the whole basket.

The basket is kept per clerk and kind in the node's database
(``kiosk.services.drafts``), so an idle logout loses none of it. Each step
returns the message the counter shows.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from kiosk.i18n import lazy_gettext as _l

from kiosk.core.errors import ServiceError
from kiosk.models import JobLine, Part, PartLine, PartsRequest, WorkOrder
from kiosk.services import drafts, stock
from kiosk.services.catalogue import find_part

KINDS = ("issue", "return")
EMPTY = {"order": "", "job": "", "lines": [], "current": -1, "slip": ""}


def _key(kind: str) -> str:
    return f"parts_{kind}"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ServiceError(_l("Choose issue or return."))


def load(staff, kind: str) -> dict:
    """``staff``'s issue or return in progress: ``{"order", "job", "lines": [[part, qty, job]], "current", "slip"}``."""
    _check_kind(kind)
    return drafts.load(staff, _key(kind), EMPTY)


def _save(staff, kind: str, data: dict) -> None:
    drafts.save(staff, _key(kind), data)


def cancel(staff, kind: str) -> None:
    """Drop the basket (nothing was written)."""
    _check_kind(kind)
    drafts.clear(staff, _key(kind))


def _row(model, key: str):
    return model.get_or_none(model.id == uuid.UUID(key)) if key else None


def order_of(data: dict) -> WorkOrder | None:
    return _row(WorkOrder, data["order"])


def job_of(data: dict) -> JobLine | None:
    return _row(JobLine, data["job"])


def lines_of(data: dict) -> list[tuple[Part, Decimal, JobLine | None]]:
    """The basket's lines as (part, quantity, job or None)."""
    return [(_row(Part, p), Decimal(q), _row(JobLine, j)) for p, q, j in data["lines"]]


def wanted(order: WorkOrder) -> list[dict]:
    """What the bay asked for (PartsRequest) and the estimate lists (PartLine), per job."""
    found = []
    for r in (PartsRequest.select().where((PartsRequest.work_order == order) & (PartsRequest.deleted == False)  # noqa: E712
                                           & (PartsRequest.status != "cancelled"))):
        found.append({"job": r.job, "part_no": r.part_no, "description": r.description, "qty": r.qty,
                      "status": r.status, "source": "request"})
    for line in PartLine.select().where((PartLine.work_order == order) & (PartLine.deleted == False)):  # noqa: E712
        found.append({"job": line.job, "part_no": line.part_no, "description": line.description,
                      "qty": line.qty, "status": "", "source": "estimate"})
    return found


def job_for(order: WorkOrder, part: Part, chosen: JobLine | None) -> JobLine | None:
    """The job a part goes to: the scanned (or given) job, else the job that asked for it."""
    if chosen is not None:
        return chosen
    for item in wanted(order):
        if item["job"] is not None and find_part(item["part_no"]) == part:
            return item["job"]
    return None


def _check_return(kind: str, order: WorkOrder, data: dict) -> None:
    """A return basket never holds more of a part than the order was issued."""
    if kind == "return":
        stock.check_returnable(order, [(part, qty, job) for part, qty, job in lines_of(data)])


def start(staff, kind: str, order: WorkOrder, job: JobLine | None = None):
    """A work-order tag (or a job tag, which also picks the job) starts the basket."""
    _check_kind(kind)
    stock.check_order(order)
    if kind == "issue":
        stock.check_job(job, order)
    elif job is not None:  # a return may name a job no longer workable: the part comes back all the same
        stock.check_job_on_order(job, order)
    _save(staff, kind, {**EMPTY, "order": order.id.hex, "job": job.id.hex if job else ""})
    if job is not None:
        return _l("Work order %(number)s, job %(position)s: scan the parts.", number=order.number,
                  position=job.position)
    return _l("Work order %(number)s: scan the parts.", number=order.number)


def require_order(staff, kind: str) -> WorkOrder:
    """The basket's work order; a clear message when no tag was scanned yet."""
    return _started(staff, kind)[1]


def _started(staff, kind: str) -> tuple[dict, WorkOrder]:
    data = load(staff, kind)
    order = order_of(data)
    if order is None:
        raise ServiceError(_l("Scan the work-order tag first."))
    return data, order


def add_part(staff, kind: str, part: Part):
    """One more of ``part``, on the line of the job it goes to (``job_for``)."""
    data, order = _started(staff, kind)
    job = job_for(order, part, job_of(data))
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
    data["lines"][index][1] = str(count)
    _check_return(kind, order, data)
    data["current"] = index
    _save(staff, kind, data)
    return _l("%(part_no)s %(name)s: %(count)s in this slip.", part_no=part.part_no, name=part.name, count=count)


def _line(data: dict, index: int) -> list:
    if not 0 <= index < len(data["lines"]):
        raise ServiceError(_l("This line is no longer in the slip."))
    return data["lines"][index]


def undo(staff, kind: str, index: int):
    """Take one scan of line ``index`` back (the line goes when none is left)."""
    data, _order = _started(staff, kind)
    line = _line(data, index)
    count = Decimal(line[1]) - 1
    if count <= 0:
        data["lines"].pop(index)
        data["current"] = len(data["lines"]) - 1
    else:
        line[1] = str(count)
    _save(staff, kind, data)
    return _l("One scan undone.")


def set_quantity(staff, kind: str, index: int, value):
    """The quantity typed on the keypad for line ``index``."""
    data, order = _started(staff, kind)
    line = _line(data, index)
    count = stock.quantity_of(value)
    line[1], data["current"] = str(count), index
    _check_return(kind, order, data)
    _save(staff, kind, data)
    return _l("Quantity set to %(qty)s.", qty=count)


def pick(staff, kind: str, index: int):
    """Line ``index`` gets the keypad."""
    data, _order = _started(staff, kind)
    _line(data, index)
    data["current"] = index
    _save(staff, kind, data)
    return _l("Type the quantity on the keypad.")


def confirm(staff, kind: str, receiver):
    """The technician's badge: the whole slip is written in one transaction; the basket
    keeps only the slip's number (for its print button)."""
    data, order = _started(staff, kind)
    slip = stock.hand_over(order, lines_of(data), kind=kind, staff=staff, receiver=receiver)
    _save(staff, kind, {**EMPTY, "slip": slip})
    if kind == "issue":
        return _l("Slip %(slip)s: parts issued to %(name)s.", slip=slip, name=receiver.name)
    return _l("Slip %(slip)s: parts taken back from %(name)s.", slip=slip, name=receiver.name)


def issue_now(order: WorkOrder, part: Part, qty, *, staff, receiver=None, job: JobLine | None = None) -> str:
    """One part issued at once (the API's call): the same job choice as the counter's basket."""
    return stock.hand_over(order, [(part, qty, job_for(order, part, job))], staff=staff, receiver=receiver,
                           require_receiver=False)
