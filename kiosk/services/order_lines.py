"""The lines of a work order as the services read them: the live job and part lines,
one line by its id, the estimate's totals, whether the order may still change, and
the number check every priced field goes through.

Below ``kiosk.services.workorders`` (which writes the lines and re-exports these)
and ``kiosk.services.estimate`` (which compares them with what the customer signed).
"""
from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from peewee import JOIN

from kiosk.core import status as states
from kiosk.core.errors import NotFound, ServiceError
from kiosk.core.prepared import Prepared
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import JobLine, PartLine, Staff, WorkOrder

PAY_TYPES = ("customer", "warranty", "insurance", "internal")


def decimal_of(value, field: str, *, minimum: Decimal = Decimal(0)) -> Decimal:
    """A form or JSON value as a non-negative Decimal, or a clear error naming the field."""
    try:
        number = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        raise ServiceError(_l("Enter a number."), field=field)
    if not number.is_finite() or number < minimum:
        raise ServiceError(_l("Enter a number that is not negative."), field=field)
    return number


def is_editable(order: WorkOrder) -> bool:
    """Lines, walk-around and signature may change until the order is settled or cancelled."""
    return not (states.is_locked(order.status) or order.status == "cancelled")


def check_editable(order: WorkOrder) -> None:
    if not is_editable(order):
        raise ServiceError(_l("This work order is settled or cancelled and can no longer be changed."),
                           status=409)


def given(value) -> bool:
    """Whether a form or JSON value was filled in (not None, not blank)."""
    return value is not None and str(value).strip() != ""


def _line_of(model, order: WorkOrder, line_id):
    """A live line of ``order`` by its id (text or UUID), or NotFound."""
    try:
        key = line_id if isinstance(line_id, uuid.UUID) else uuid.UUID(str(line_id))
    except ValueError:
        key = None
    line = key and model.get_or_none((model.id == key) & (model.work_order == order)
                                     & (model.deleted == False))  # noqa: E712
    if not line:
        raise NotFound(_l("This line is no longer on the work order."))
    return line


def get_job(order: WorkOrder, job_id) -> JobLine:
    """A job line of ``order`` that has not been removed."""
    return _line_of(JobLine, order, job_id)


def get_part_line(order: WorkOrder, line_id) -> PartLine:
    """An estimated part line of ``order`` that has not been removed."""
    return _line_of(PartLine, order, line_id)


_JOBS = Prepared(lambda slot: (
    JobLine.select().where((JobLine.work_order == slot(JobLine.work_order)) & (JobLine.deleted == False))  # noqa: E712
    .order_by(JobLine.position)))
_JOBS_WITH_TECHNICIANS = Prepared(lambda slot: (
    JobLine.select(JobLine, Staff).join(Staff, JOIN.LEFT_OUTER, on=(JobLine.technician == Staff.id))
    .where((JobLine.work_order == slot(JobLine.work_order)) & (JobLine.deleted == False))  # noqa: E712
    .order_by(JobLine.position)))
_PART_LINES = Prepared(lambda slot: (
    PartLine.select().where((PartLine.work_order == slot(PartLine.work_order)) & (PartLine.deleted == False))  # noqa: E712
    .order_by(PartLine.id)))


def live_jobs(order: WorkOrder, *, technicians: bool = False) -> list[JobLine]:
    """The order's job lines in order; ``technicians`` loads each one's technician in the same query."""
    return (_JOBS_WITH_TECHNICIANS if technicians else _JOBS).rows(order)


def live_part_lines(order: WorkOrder) -> list[PartLine]:
    """The order's estimated part lines that were not removed."""
    return _PART_LINES.rows(order)


def totals(order: WorkOrder, jobs: list[JobLine] | None = None, parts: list[PartLine] | None = None) -> dict:
    """Estimate totals: labour, parts, and the whole, plus the share of each payer.

    Pass the lines when you already have them (a page shows them too): each list is read once either way.
    Extra work the customer has not agreed to (pending or declined) and its parts are not counted.
    """
    jobs = live_jobs(order) if jobs is None else jobs
    parts = live_part_lines(order) if parts is None else parts
    unagreed = {j.id for j in jobs if j.authorization in ("pending", "declined")}
    jobs = [j for j in jobs if j.id not in unagreed]
    parts = [p for p in parts if p.job_id not in unagreed]
    labour = sum((j.price for j in jobs), Decimal(0))
    parts_sum = sum((p.qty * p.unit_price for p in parts), Decimal(0))
    by_payer = {t: Decimal(0) for t in PAY_TYPES}
    for job in jobs:
        by_payer[job.pay_type] += job.price
    for line in parts:
        by_payer[line.pay_type] += line.qty * line.unit_price
    q = Decimal("0.01")
    return {"labour": labour.quantize(q), "parts": parts_sum.quantize(q), "total": (labour + parts_sum).quantize(q),
            "by_payer": {k: v.quantize(q) for k, v in by_payer.items()},
            "hours": sum((j.sold_hours for j in jobs), Decimal(0))}
