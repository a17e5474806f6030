"""Warranty claims (索赔): built from a work order's warranty job in one step, corrected
by the claims clerk, moved through their states by facts.

A claim's state is its latest ``ClaimEvent``: draft → submitted → approved,
partly_approved (with the amount) or rejected (with the manufacturer's reason
code); a rejected claim is resubmitted (the checks run again); an approved one is
credited, then closed. ``submit`` refuses while any check of
kiosk.services.claim_checks fails (409, the failing codes in the detail).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.core import times
from kiosk.core.errors import NotFound, ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Delivery, Finding, JobLine, Part, VehicleCampaign, WorkOrder
from kiosk.models.claims import ClaimEvent, WarrantyClaim
from kiosk.services import claim_checks, claim_codes, labour, old_parts
from kiosk.services.numbers import next_number
from sync import changelog

ZERO = Decimal("0.00")
STATES = ("draft", "submitted", "approved", "partly_approved", "rejected", "resubmitted", "credited", "closed")
STATE_LABELS = {
    "draft": _l("Draft"), "submitted": _l("Submitted"), "approved": _l("Approved"),
    "partly_approved": _l("Partly approved"), "rejected": _l("Rejected"), "resubmitted": _l("Resubmitted"),
    "credited": _l("Credited"), "closed": _l("Closed"),
}
# What the manufacturer's answer or the clerk may record, from which states.
ANSWERED_FROM = ("submitted", "resubmitted")
MOVES = {"approved": ANSWERED_FROM, "partly_approved": ANSWERED_FROM, "rejected": ANSWERED_FROM,
         "credited": ("approved", "partly_approved"), "closed": ("credited", "rejected")}
OPEN_STATES = ("draft", "submitted", "resubmitted", "approved", "partly_approved", "rejected")


def events(claim: WarrantyClaim) -> list[ClaimEvent]:
    """The claim's state facts, oldest first."""
    return list(ClaimEvent.select().where(ClaimEvent.claim == claim).order_by(ClaimEvent.at, ClaimEvent.id))


def state(claim: WarrantyClaim) -> str:
    """The claim's state: its latest event's."""
    history = events(claim)
    return history[-1].state if history else "draft"


def claimed(claim: WarrantyClaim) -> Decimal:
    """What the store asks the manufacturer for: labour plus parts."""
    return (claim.labour_amount + claim.parts_amount).quantize(ZERO)


def get_by_number(number: str) -> WarrantyClaim:
    claim = WarrantyClaim.get_or_none((WarrantyClaim.number == (number or "").strip())
                                      & (WarrantyClaim.deleted == False))  # noqa: E712
    if claim is None:
        raise NotFound(_l("There is no claim %(number)s.", number=number), field="number")
    return claim


def warranty_jobs(order: WorkOrder) -> list[tuple[JobLine, WarrantyClaim | None]]:
    """The order's warranty jobs, each with its claim (None before one is built)."""
    jobs = JobLine.select().where((JobLine.work_order == order) & (JobLine.pay_type == "warranty")
                                  & (JobLine.deleted == False)).order_by(JobLine.position)  # noqa: E712
    made = {c.job_id: c for c in WarrantyClaim.select().where((WarrantyClaim.work_order == order)
                                                              & (WarrantyClaim.deleted == False))}  # noqa: E712
    return [(j, made.get(j.id)) for j in jobs]


def job_parts(order: WorkOrder, job: JobLine) -> list[tuple[Part, Decimal]]:
    """The parts issued to ``job`` (net of returns, old parts kept for the claim count), with quantities."""
    net = old_parts.issued_part_nos(order, {job.id})
    parts = {p.part_no: p for p in Part.select().where(Part.part_no.in_(list(net)) & (Part.deleted == False))}  # noqa: E712
    return [(parts[n], q) for n, q in sorted(net.items()) if n in parts]


def _repair_date(order: WorkOrder):
    delivered = Delivery.select().where(Delivery.work_order == order).order_by(Delivery.at.desc()).first()
    return times.local_date(delivered.at) if delivered else times.today()


def build(order: WorkOrder, job: JobLine, staff=None, *, at: dt.datetime | None = None) -> WarrantyClaim:
    """The claim for one warranty job line of ``order``, filled from the order in one step
    (``at``: when a claim made earlier is recorded, the demo's history; now by default)."""
    if job.work_order_id != order.id or job.deleted:
        raise NotFound(_l("This job is not on work order %(number)s.", number=order.number), field="job")
    if job.pay_type != "warranty":
        raise ServiceError(_l("Only a job paid by the warranty can be claimed."), field="job", status=409)
    existing = WarrantyClaim.get_or_none((WarrantyClaim.job == job) & (WarrantyClaim.deleted == False))  # noqa: E712
    if existing is not None:
        raise ServiceError(_l("This job already has claim %(number)s.", number=existing.number), field="job",
                           status=409, detail={"number": existing.number})
    vehicle = order.vehicle
    operation = labour.find_operation(job.operation)
    hours = operation.hours if operation is not None else job.sold_hours
    labour_amount = labour.price(operation, "warranty") if operation is not None else job.price
    parts = job_parts(order, job)
    campaign = VehicleCampaign.get_or_none((VehicleCampaign.vin == vehicle.vin) & (VehicleCampaign.deleted == False)  # noqa: E712
                                           & (VehicleCampaign.code == labour.normal_code(job.operation)))
    texts = [f.text for f in Finding.select().where(Finding.job == job).order_by(Finding.at) if f.text]
    with transaction():
        claim = WarrantyClaim(
            number=f"CL-{next_number('CL')}", work_order=order, job=job, vehicle=vehicle, vin=vehicle.vin,
            mileage=order.mileage, failure_date=times.local_date(order.opened_at), repair_date=_repair_date(order),
            symptom_text=order.complaint, diagnosis_text="\n".join(texts)[:2000],
            causal_part_no=parts[0][0].part_no if parts else "", operation=labour.normal_code(job.operation),
            standard_hours=hours, technician=job.technician_id, campaign=campaign.code if campaign else "",
            labour_amount=labour_amount, parts_amount=sum((p.price * q for p, q in parts), ZERO),
            created_by=staff, created_at=at or times.utcnow())
        changelog.save(claim)
        _event(claim, "draft", staff, at=at)
    return claim


EDITABLE = ("symptom_code", "symptom_text", "diagnosis_code", "diagnosis_text", "causal_part_no", "failure_date",
            "mileage", "campaign", "safety", "major_part")


def update(claim: WarrantyClaim, values: dict, staff=None) -> WarrantyClaim:
    """Correct the claim's codes and texts while it is a draft or rejected."""
    if state(claim) not in ("draft", "rejected"):
        raise ServiceError(_l("A submitted claim cannot be changed."), status=409)
    changes = claim_codes.clean_claim_values(values)
    with transaction():
        changelog.save_changes(claim, {k: v for k, v in changes.items() if k in EDITABLE})
    return claim


def _event(claim, new_state, staff, amount=ZERO, reason_code="", note="", at=None) -> ClaimEvent:
    event = ClaimEvent(claim=claim, state=new_state, amount=amount, reason_code=reason_code, note=note[:500],
                       staff=staff, at=at or times.utcnow())
    changelog.save(event)
    return event


def submit(claim: WarrantyClaim, staff=None, *, at: dt.datetime | None = None) -> str:
    """Submit (or, after a rejection, resubmit) the claim; refused while a check fails.
    ``at``: when a submission made elsewhere is recorded (the demo's history); now by default."""
    current = state(claim)
    if current not in ("draft", "rejected"):
        raise ServiceError(_l("Claim %(number)s is %(state)s: it cannot be submitted.", number=claim.number,
                              state=STATE_LABELS[current]), status=409)
    failing = claim_checks.run(claim, times.local_date(at) if at else None)
    if failing:
        raise ServiceError(_l("The claim cannot be submitted: %(reasons)s",
                              reasons="; ".join(str(c["message"]) for c in failing)), status=409,
                           detail={"checks": [c["code"] for c in failing]})
    new_state = "submitted" if current == "draft" else "resubmitted"
    with transaction():
        _event(claim, new_state, staff, at=at)
    return new_state


def record(claim: WarrantyClaim, new_state: str, *, amount=None, reason_code: str = "", note: str = "",
           staff=None, at: dt.datetime | None = None) -> ClaimEvent:
    """Record the manufacturer's answer, the credit or the closing of the claim (``at``: as submit)."""
    if new_state not in MOVES:
        raise ServiceError(_l("There is no such claim state."), field="state")
    current = state(claim)
    if current not in MOVES[new_state]:
        raise ServiceError(_l("Claim %(number)s is %(state)s: it cannot become %(new)s.", number=claim.number,
                              state=STATE_LABELS[current], new=STATE_LABELS[new_state]), status=409)
    value = ZERO
    if new_state == "partly_approved":
        value = claim_codes.money(amount, "amount")
        if not ZERO < value < claimed(claim):
            raise ServiceError(_l("A partly approved amount is more than 0 and less than the %(total)s claimed.",
                                  total=claimed(claim)), field="amount")
    elif new_state == "approved":
        value = claimed(claim)
    elif new_state == "credited":
        value = approved_amount(claim) if amount in (None, "") else claim_codes.money(amount, "amount")
    if new_state == "rejected":
        reason_code = claim_codes.check_code("reason", reason_code, required=True)
    with transaction():
        return _event(claim, new_state, staff, value, reason_code, note, at=at)


def approved_amount(claim: WarrantyClaim) -> Decimal:
    """What the manufacturer approved at its latest answer (0 before one, or after a rejection)."""
    for event in reversed(events(claim)):
        if event.state in ("approved", "partly_approved"):
            return event.amount
        if event.state == "rejected":
            return ZERO
    return ZERO


def credited_amount(claim: WarrantyClaim) -> Decimal:
    return sum((e.amount for e in events(claim) if e.state == "credited"), ZERO)


ANSWERS = ("approved", "partly_approved", "rejected")


def answered(first: dt.date, last: dt.date, of_orders=None) -> list[tuple[WarrantyClaim, ClaimEvent]]:
    """The claims the manufacturer answered on the store's days ``first``..``last``, each once
    with its latest answer in those days (approved, partly approved or rejected); the claims
    for the work orders ``of_orders`` (a subquery of ids: a group's store) only."""
    start, end = times.day_bounds(first, (last - first).days + 1)
    latest: dict = {}
    for event in (ClaimEvent.select().where((ClaimEvent.at >= start) & (ClaimEvent.at < end)
                                            & ClaimEvent.state.in_(ANSWERS)).order_by(ClaimEvent.at, ClaimEvent.id)):
        latest[event.claim_id] = event
    wanted = WarrantyClaim.select().where(WarrantyClaim.id.in_(list(latest))
                                          & (WarrantyClaim.deleted == False))  # noqa: E712
    if of_orders is not None:
        wanted = wanted.where(WarrantyClaim.work_order.in_(of_orders))
    claims = {c.id: c for c in wanted}
    return [(claims[k], e) for k, e in latest.items() if k in claims]
