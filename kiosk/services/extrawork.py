"""Extra work found in the bay (增项): proposed by the technician, answered by the customer.

A proposal is a new job line with ``authorization="pending"`` (and its part
lines). Until reception records the customer's answer its clock and its parts
are locked: ``clock_on`` refuses it and the parts counter asks ``is_locked``
before issuing. Approval carries the customer's signature; a decline stays on
the work order as declined work for follow-up. Each answer is a JobDecision fact.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kiosk import times
from kiosk.db import transaction
from kiosk.models import JobDecision, JobLine, Staff, WorkOrder
from kiosk.services import catalogue, files, workorders
from kiosk.services import status as states
from kiosk.services.errors import ServiceError
from sync import changelog

MAX_PARTS = 10


def is_locked(job: JobLine) -> bool:
    """True while the customer has not approved this extra work (pending or declined):
    no clocking on it and no parts issued to it."""
    return job.authorization in ("pending", "declined")


def check_unlocked(job: JobLine) -> None:
    """Refuse work on a locked job with the reason a person can act on."""
    if job.authorization == "pending":
        raise ServiceError(_l("This extra work waits for the customer's authorization: it is locked until "
                              "reception records the answer."), status=409)
    if job.authorization == "declined":
        raise ServiceError(_l("The customer declined this extra work: it is locked."), status=409)


def pending(order: WorkOrder) -> list[JobLine]:
    """The order's extra work still waiting for the customer's answer."""
    return [j for j in workorders.live_jobs(order) if j.authorization == "pending"]


def proposed(order: WorkOrder) -> list[JobLine]:
    """All extra work proposed on the order (pending, approved, declined), in order."""
    return [j for j in workorders.live_jobs(order) if j.authorization]


def propose(order: WorkOrder, technician: Staff, description: str, sold_hours, parts: list[dict] | None = None,
            price=0) -> JobLine:
    """The technician proposes extra work: a pending job line with its parts; the order
    waits for re-authorization. ``parts`` is ``[{"part_no", "qty", "description"}]``."""
    from kiosk.services.clock import check_order

    check_order(order)
    hours = workorders.decimal_of(sold_hours, "sold_hours")
    if hours == 0:
        raise ServiceError(_l("Estimate the hours this work takes."), field="sold_hours")
    lines = []
    for row in (parts or [])[:MAX_PARTS]:
        code, text = str(row.get("part_no") or "").strip(), str(row.get("description") or "").strip()
        if not code and not text:
            continue  # an empty row of the form
        part = catalogue.find_part(code) if code else None
        if code and part is None and not text:
            raise ServiceError(_l("Part %(code)s is not in the catalogue. Describe it instead.", code=code),
                               field="parts")
        qty = workorders.decimal_of(row.get("qty") or "1", "qty")
        lines.append({"part_no": part.part_no if part else code, "qty": qty,
                      "description": text or (part.name if part else ""), "unit_price": part.price if part else 0})
    with transaction():
        job = workorders.add_job(order, description, sold_hours=hours, price=price, technician=technician)
        job.authorization, job.proposed_by = "pending", technician
        changelog.save(job, fields=["authorization", "proposed_by"])
        for line in lines:
            workorders.add_part_line(order, job=job, **line)
        if states.rank(order.status) in (states.rank("authorized"), states.rank("in_repair")) \
                and order.status != "waiting_authorization":
            workorders.move(order, "waiting_authorization", staff=technician, note=description[:100])
    return job


def _check_answerable(job: JobLine) -> None:
    if job.authorization != "pending":
        raise ServiceError(_l("The customer has already answered on this extra work."), status=409)
    if not workorders.is_editable(job.work_order):
        raise ServiceError(_l("This work order is settled or cancelled and can no longer be changed."),
                           status=409)


def _answer(job: JobLine, decision: str, staff, signature: str = "", note: str = "") -> JobLine:
    order = job.work_order
    with transaction():
        changelog.save(JobDecision(job=job, work_order=order, decision=decision, signature=signature,
                                   staff=staff, at=times.utcnow(), note=note))
        job.authorization = decision
        changelog.save(job, fields=["authorization"])
        if order.status == "waiting_authorization" and not pending(order):
            workorders.move(order, "in_repair", staff=staff, note=str(_l("Extra work answered")))
    return job


def approve(job: JobLine, data_url: str, folder, staff=None, price=None) -> JobLine:
    """The customer signed for the extra work: keep the signature, unlock the job.
    ``price`` (the labour price reception quoted) replaces the line's price when given."""
    _check_answerable(job)
    content = files.png_from_data_url(data_url)
    if not workorders._has_ink(content):
        raise ServiceError(_l("The signature is empty. Ask the customer to sign in the box."), field="signature")
    amount = workorders.decimal_of(price, "price") if price not in (None, "") else None
    with transaction():
        if amount is not None and amount != job.price:
            job.price = amount
            changelog.save(job, fields=["price"])
        return _answer(job, "approved", staff, signature=files.store(folder, content))


def decline(job: JobLine, staff=None, note: str = "") -> JobLine:
    """The customer said no: the job stays on the order as declined work for follow-up."""
    _check_answerable(job)
    return _answer(job, "declined", staff, note=(note or "").strip()[:500])


def decisions(order: WorkOrder) -> dict:
    """``{job_id: newest JobDecision}`` for the order's extra work."""
    found = {}
    for row in JobDecision.select().where(JobDecision.work_order == order).order_by(JobDecision.hlc):
        found[row.job_id] = row
    return found
