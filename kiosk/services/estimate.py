"""The estimate as the customer sees it, what they signed, and what may be worked on.

A *snapshot* is the priced lines of an order — jobs and parts, each with its
payer — the totals per payer and the promised time (the store's wall time with
its offset; a snapshot signed before the time rule has it without one), as plain JSON. The
customer signs a snapshot (an ``AuthorizationVersion``, kiosk.services.authorization);
any priced change after that (a line added, removed, repriced, its hours,
quantity or payer changed) is *pending* until the customer signs again or the
decline is recorded. ``state(order)`` says all of it for one order, and
``check_workable(job)`` is the one rule the bay's clock, the bay's parts
requests and the parts counter's issue ask before work or parts go to a job.

Declined jobs (and their parts) are not part of the estimate; extra work still
waiting for the customer is, priced as proposed, so the customer signs for it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.core.prepared import Prepared
from kiosk.models import AuthorizationVersion, JobLine, PartLine, WorkOrder
from kiosk.core import status as states
from kiosk.services import order_lines, order_status
from kiosk.core.errors import ServiceError

Q = Decimal("0.01")
# What makes a line "changed" for the customer: its price and who pays it.
PRICED = {"labour": ("code", "hours", "amount", "payer"), "part": ("code", "qty", "unit_price", "amount", "payer")}


def _text(value) -> str:
    return str(Decimal(value or 0).quantize(Q))


def _job_line(job: JobLine) -> dict:
    return {"id": job.id.hex, "kind": "labour", "job": job.id.hex, "position": job.position,
            "code": job.operation, "description": job.description, "hours": _text(job.sold_hours),
            "amount": _text(job.price), "payer": job.pay_type, "package": job.package,
            "extra": bool(job.authorization)}


def _part_line(line: PartLine) -> dict:
    return {"id": line.id.hex, "kind": "part", "job": line.job_id.hex if line.job_id else None,
            "code": line.part_no, "description": line.description, "qty": _text(line.qty),
            "unit_price": _text(line.unit_price), "amount": _text(line.qty * line.unit_price),
            "payer": line.pay_type, "package": line.package, "non_catalogue": line.non_catalogue}


def snapshot(order: WorkOrder, jobs: list[JobLine] | None = None, parts: list[PartLine] | None = None) -> dict:
    """The estimate now: every live line not declined, its totals per payer, the promised time."""
    jobs = order_lines.live_jobs(order) if jobs is None else jobs
    parts = order_lines.live_part_lines(order) if parts is None else parts
    kept = [j for j in jobs if j.authorization != "declined"]
    ids = {j.id for j in kept}
    lines = [_job_line(j) for j in kept] + [_part_line(p) for p in parts if p.job_id is None or p.job_id in ids]
    return {"lines": lines, "totals": totals_of(lines),
            # The store's wall time with its offset: the signed text says its zone (kiosk.core.times).
            "promised_at": times.isoformat(order.promised_at, "minutes")}


def totals_of(lines: list[dict]) -> dict:
    """Labour, parts, total, hours and the share of each payer of snapshot ``lines`` (as text)."""
    labour = sum((Decimal(x["amount"]) for x in lines if x["kind"] == "labour"), Decimal(0))
    parts = sum((Decimal(x["amount"]) for x in lines if x["kind"] == "part"), Decimal(0))
    payers = {p: Decimal(0) for p in order_lines.PAY_TYPES}
    for line in lines:
        payers[line["payer"]] = payers.get(line["payer"], Decimal(0)) + Decimal(line["amount"])
    return {"labour": _text(labour), "parts": _text(parts), "total": _text(labour + parts),
            "hours": _text(sum((Decimal(x["hours"]) for x in lines if x["kind"] == "labour"), Decimal(0))),
            "by_payer": {k: _text(v) for k, v in payers.items()}}


def content_hash(snap: dict) -> str:
    """SHA-256 of the snapshot's canonical JSON: what a signature is bound to."""
    return hashlib.sha256(canonical(snap).encode("utf-8")).hexdigest()


def canonical(snap: dict) -> str:
    return json.dumps(snap, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def diff(old_lines: list[dict], new_lines: list[dict]) -> list[dict]:
    """Line by line, what changed from ``old_lines`` to ``new_lines``: added, removed, changed,
    each with the old and the new line and amount."""
    old = {x["id"]: x for x in old_lines}
    new = {x["id"]: x for x in new_lines}
    changes = []
    for line in new_lines:
        before = old.get(line["id"])
        if before is None:
            changes.append(_change("added", None, line))
        elif any(before.get(f) != line.get(f) for f in PRICED[line["kind"]]):
            changes.append(_change("changed", before, line))
    changes += [_change("removed", line, None) for line in old_lines if line["id"] not in new]
    return changes


def _change(what: str, old: dict | None, new: dict | None) -> dict:
    line = new or old
    return {"change": what, "kind": line["kind"], "id": line["id"], "job": (new or {}).get("job") or (old or {}).get("job"),
            "code": line["code"], "description": line["description"], "old": old, "new": new,
            "old_amount": old["amount"] if old else None, "new_amount": new["amount"] if new else None}


# Read on every work-order page and API answer: its SQL is built once (kiosk.core.prepared).
_VERSIONS = Prepared(lambda slot: AuthorizationVersion.select().where(
    AuthorizationVersion.work_order == slot(AuthorizationVersion.work_order))
    .order_by(AuthorizationVersion.at, AuthorizationVersion.hlc))


def versions(order: WorkOrder) -> list[AuthorizationVersion]:
    """Every version the customer signed, oldest first (by the signing's clock stamp)."""
    return _VERSIONS.rows(order)


def lines_of(version: AuthorizationVersion) -> dict:
    """A signed version's snapshot as data."""
    return json.loads(version.snapshot)


@dataclass
class EstimateState:
    """One order's estimate: now, as last signed, and the difference between them."""

    order: WorkOrder
    current: dict
    current_hash: str
    versions: list = field(default_factory=list)
    changes: list = field(default_factory=list)

    @property
    def signed(self) -> AuthorizationVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def signed_snapshot(self) -> dict | None:
        return lines_of(self.signed) if self.signed else None

    @property
    def pending(self) -> bool:
        """Priced changes since the last signature wait for the customer."""
        return bool(self.changes)

    @property
    def held_jobs(self) -> set[str]:
        """Jobs (id hex) whose line or parts changed since the signature: no clock, no parts."""
        return {c["job"] for c in self.changes if c["job"]}

    @property
    def held_part_numbers(self) -> set[str]:
        """Part numbers only pending lines without a job ask for (none agreed on the order)."""
        agreed = {x["code"] for x in (self.signed_snapshot or {"lines": []})["lines"] if x["kind"] == "part"}
        return {c["code"] for c in self.changes if c["kind"] == "part" and not c["job"] and c["new"]} - agreed

    @property
    def old_total(self) -> str | None:
        return self.signed_snapshot["totals"]["total"] if self.signed else None

    @property
    def new_total(self) -> str:
        return self.current["totals"]["total"]


def state(order: WorkOrder, jobs=None, parts=None) -> EstimateState:
    """The estimate of ``order`` now, every signed version, and the pending changes."""
    current = snapshot(order, jobs, parts)
    found = EstimateState(order=order, current=current, current_hash=content_hash(current), versions=versions(order))
    if found.signed is not None:
        found.changes = diff(found.signed_snapshot["lines"], current["lines"])
    return found


def check_workable(job: JobLine, known: EstimateState | None = None) -> None:
    """Refuse a job nobody may work on or take parts for: removed, extra work the customer has
    not authorized, declined work, or a job changed since the customer signed."""
    if job.deleted:
        raise ServiceError(_l("This job is no longer on the work order."), status=409, field="job")
    if job.authorization == "pending":
        raise ServiceError(_l("Job %(position)s is extra work the customer has not authorized yet: it waits for "
                              "the customer's authorization at reception, and nobody clocks on it or takes parts "
                              "for it until then.", position=job.position), status=409, field="job")
    if job.authorization == "declined":
        raise ServiceError(_l("The customer declined this extra work (job %(position)s): nobody works on it and "
                              "no parts are issued to it.", position=job.position), status=409, field="job")
    current = known or state(job.work_order)
    if job.id.hex in current.held_jobs:
        raise ServiceError(_l("Job %(position)s was changed after the customer signed: it waits for the "
                              "customer's new signature (or the decline) at reception.", position=job.position),
                           status=409, field="job")


def is_workable(job: JobLine, known: EstimateState | None = None) -> bool:
    """``check_workable`` as a yes or no (for showing buttons)."""
    try:
        check_workable(job, known)
    except ServiceError:
        return False
    return True


def check_issue(order: WorkOrder, job: JobLine | None, part_no: str, known: EstimateState | None = None) -> None:
    """Parts go to a job only when it may be worked on; a part only pending lines ask for waits too."""
    current = known or state(order)
    if job is not None:
        check_workable(job, current)
    elif part_no in current.held_part_numbers:
        raise ServiceError(_l("Part %(part_no)s was added to the estimate after the customer signed: it waits for "
                              "the customer's new signature at reception.", part_no=part_no), status=409, field="job")


# ---- the order's status follows the customer's answers --------------------

def _in_workshop(order: WorkOrder) -> bool:
    return states.rank(order.status) in (states.rank("authorized"), states.rank("in_repair"))


def waits_for_customer(order: WorkOrder) -> bool:
    """Whether the customer has something to answer: extra work proposed, or changes since the signature."""
    return any(j.authorization == "pending" for j in order_lines.live_jobs(order)) or state(order).pending


def await_customer(order: WorkOrder, staff=None, note: str = "") -> None:
    """After a priced change or a proposal: an order in the workshop waits for re-authorization
    while the customer has something to answer. Call inside the write's transaction."""
    if order.status != "waiting_authorization" and _in_workshop(order) and waits_for_customer(order):
        order_status.move(order, "waiting_authorization", staff=staff, note=note[:100])


def resume_if_answered(order: WorkOrder, staff=None, note: str = "") -> None:
    """Once nothing waits for the customer, an order waiting for re-authorization goes back in repair."""
    if order.status == "waiting_authorization" and not waits_for_customer(order):
        order_status.move(order, "in_repair", staff=staff, note=note)
