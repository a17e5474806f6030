"""Extra work found in the bay (增项): proposed by the technician, answered by the customer.

A proposal is a new job line with ``authorization="pending"`` (and its part
lines), priced from the labour catalogue when the technician names an
operation. Until the customer answers, nobody clocks on it and no parts are
issued to it (kiosk.services.estimate.check_workable, the one rule the bay and
the parts counter ask). Approval is the customer signing the new version of
the estimate (kiosk.services.authorization), which needs the job's hours and
labour price; a decline keeps the job on the work order as declined work for
follow-up and takes it off every technician's list. Each answer is a
JobDecision fact.
"""
from __future__ import annotations

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import JobDecision, JobLine, Staff, WorkOrder
from kiosk.core.errors import ServiceError
from kiosk.services import authorization, catalogue, clock_rules, estimate, findings, labour, signatures, workorders
from sync import changelog

MAX_PARTS = 10


def is_locked(job: JobLine) -> bool:
    """True while nobody may work on ``job`` (kiosk.services.estimate.check_workable)."""
    return not estimate.is_workable(job)


def pending(order: WorkOrder) -> list[JobLine]:
    """The order's extra work still waiting for the customer's answer."""
    return [j for j in workorders.live_jobs(order) if j.authorization == "pending"]


def proposed(order: WorkOrder, jobs: list[JobLine] | None = None) -> list[JobLine]:
    """All extra work proposed on the order (pending, approved, declined), in order; ``jobs``:
    the order's live job lines when the caller has them already."""
    return [j for j in (workorders.live_jobs(order) if jobs is None else jobs) if j.authorization]


def propose(order: WorkOrder, technician: Staff, description: str, sold_hours, parts: list[dict] | None = None,
            price=None, *, operation: str = "", photo: bytes | None = None, folder=None) -> JobLine:
    """The technician proposes extra work: a pending job line with its parts; the order
    waits for re-authorization. ``parts`` is ``[{"part_no", "qty", "description"}]``;
    ``operation`` (a labour code) fills the hours and price from the catalogue; the
    description and ``photo`` are kept as the finding the customer is shown."""
    clock_rules.check_order(order)
    code = (operation or "").strip()
    if code and labour.find_operation(code) is None:
        raise ServiceError(_l("No labour operation %(code)s in the catalogue.", code=code.upper()),
                           field="operation")
    if not (description or "").strip() and not code:
        raise ServiceError(_l("Describe the job."), field="description")
    hours = workorders.decimal_of(sold_hours, "sold_hours") if workorders.given(sold_hours) else None
    if hours == 0 or (hours is None and not code):
        raise ServiceError(_l("Estimate the hours this work takes."), field="sold_hours")
    lines = []
    for row in (parts or [])[:MAX_PARTS]:
        code_, text = str(row.get("part_no") or "").strip(), str(row.get("description") or "").strip()
        if not code_ and not text:
            continue  # an empty row of the form
        part = catalogue.find_part(code_) if code_ else None
        if code_ and part is None and not text:
            raise ServiceError(_l("Part %(code)s is not in the catalogue. Describe it instead.", code=code_),
                               field="parts")
        qty = workorders.decimal_of(row.get("qty") or "1", "qty")
        lines.append({"part_no": part.part_no if part else code_, "qty": qty, "description": text,
                      "non_catalogue": part is None, "unit_price": None if part else 0})
    with transaction():
        job = workorders.add_job(order, description, sold_hours=hours, price=price, technician=technician,
                                 operation=code, staff=technician)
        job.authorization, job.proposed_by = "pending", technician
        changelog.save(job, fields=["authorization", "proposed_by"])
        for line in lines:
            workorders.add_part_line(order, job=job, staff=technician, **line)
        if photo:  # the picture that shows the customer why (the description is the finding's text)
            findings.add_finding(job, technician, "", photo, folder)
        estimate.await_customer(order, technician, job.description)
    return job


def reprice(job: JobLine, *, sold_hours=None, price=None, staff=None) -> JobLine:
    """Reception fills or corrects the hours and labour price of extra work before the customer signs."""
    _check_answerable(job)
    return workorders.update_job(job, sold_hours=sold_hours, price=price, staff=staff)


def _check_answerable(job: JobLine) -> None:
    if job.authorization != "pending":
        raise ServiceError(_l("The customer has already answered on this extra work."), status=409)
    if not workorders.is_editable(job.work_order):
        raise ServiceError(_l("This work order is settled or cancelled and can no longer be changed."),
                           status=409)


def approve(job: JobLine, data_url: str, folder, staff=None, price=None, sold_hours=None, *,
            signer: str = "", expected_hash: str = ""):
    """The customer signed for the extra work: its hours and price (given here, or already on the
    line) must be set; the signature is the new version of the estimate, which approves it."""
    _check_answerable(job)
    content = signatures.checked_png(data_url)
    with signatures.stored(folder, content) as digest, transaction():  # the file goes if the rows cannot
        if workorders.given(price) or workorders.given(sold_hours):
            workorders.update_job(job, sold_hours=sold_hours, price=price, staff=staff)
        authorization.check_signable(job.work_order, expected_hash)
        version = authorization.authorize(job.work_order, digest, staff=staff, signer=signer,
                                          expected_hash=expected_hash)
    return version


def decline(job: JobLine, staff=None, note: str = "") -> JobLine:
    """The customer said no: the job stays on the order as declined work for follow-up,
    off every technician's list."""
    _check_answerable(job)
    order = job.work_order
    with transaction():
        changelog.save(JobDecision(job=job, work_order=order, decision="declined", staff=staff,
                                   at=times.utcnow(), note=(note or "").strip()[:500]))
        job.authorization = "declined"
        changelog.save(job, fields=["authorization"])
        estimate.resume_if_answered(order, staff, note=str(_l("Extra work answered")))
    return job


def decisions(order: WorkOrder) -> dict:
    """``{job_id: newest JobDecision}`` for the order's extra work."""
    found = {}
    for row in JobDecision.select().where(JobDecision.work_order == order).order_by(JobDecision.hlc):
        found[row.job_id] = row
    return found
