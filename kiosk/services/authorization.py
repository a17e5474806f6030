"""The customer's answer on the estimate: sign a version, or decline the changes.

Signing stores an ``AuthorizationVersion`` fact: the snapshot of the priced
lines (kiosk.services.estimate), its total per payer, the promised time, the
hash of it all, the signature's file hash, the signer's name, the advisor and
the time. The first signature authorizes the order; later ones are amended
versions. The pad's form carries the hash of the estimate it showed, so a
line added while the customer was signing makes the signature refused rather
than bound to what they did not see.

Every door — the work-order page, the extra-work approval, the API's
``POST /work-orders/NUMBER/authorizations`` — calls ``sign`` or ``authorize``.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import AuthorizationVersion, DeclinedChanges, JobDecision, JobLine, PartLine, WorkOrder
from kiosk.services import estimate, signatures, workorders
from kiosk.core import status as states
from kiosk.core.errors import ServiceError
from sync import changelog


def _check_signable(order: WorkOrder, current: estimate.EstimateState, expected_hash: str) -> None:
    if not workorders.is_editable(order):
        raise ServiceError(_l("This work order is settled or cancelled and can no longer be changed."),
                           status=409)
    if not any(x["kind"] == "labour" for x in current.current["lines"]):
        raise ServiceError(_l("Add at least one job before the customer signs."), field="jobs")
    if expected_hash and expected_hash != current.current_hash:
        raise ServiceError(_l("The estimate changed while the customer was signing. Show the customer the new "
                              "lines and total, then sign again."), field="signature", status=409,
                           detail={"hash": current.current_hash})
    if current.signed is not None and not current.pending:
        raise ServiceError(_l("Nothing changed since the customer signed version %(version)s.",
                              version=current.signed.version), status=409)
    for job in workorders.live_jobs(order):
        if job.authorization == "pending" and (job.sold_hours <= 0 or job.price <= 0):
            raise ServiceError(_l("Give the extra work “%(job)s” its hours and labour price before the customer "
                                  "signs.", job=job.description), field="price", status=409,
                               detail={"job": job.id.hex})


def check_signable(order: WorkOrder, expected_hash: str = "") -> estimate.EstimateState:
    """The refusal ``sign`` would give, without a signature (the pad checks before the customer draws)."""
    current = estimate.state(order)
    _check_signable(order, current, expected_hash)
    return current


def sign(order: WorkOrder, data_url: str, folder, *, staff=None, signer: str = "",
         expected_hash: str = "") -> AuthorizationVersion:
    """The customer signed on the pad: check the estimate first (a refused one leaves no file),
    keep the PNG under its hash, then record the version."""
    check_signable(order, expected_hash)
    content = signatures.checked_png(data_url)
    with signatures.stored(folder, content) as digest:  # gone again if the version cannot be saved
        return authorize(order, digest, staff=staff, signer=signer, expected_hash=expected_hash)


def authorize(order: WorkOrder, signature_hash: str, *, staff=None, signer: str = "",
              expected_hash: str = "", at: dt.datetime | None = None) -> AuthorizationVersion:
    """Record the current estimate as a version the customer signed (``signature_hash``: the
    stored PNG); the first version authorizes the order, extra work in it is approved.
    ``at``: when a signature taken earlier is recorded (a paper one, an old visit); now by default."""
    if not signature_hash:
        raise ServiceError(_l("The signature is missing. Ask the customer to sign."), field="signature")
    now = at or times.utcnow()
    with transaction():
        order = WorkOrder.get_by_id(order.id)  # read inside the write lock
        current = estimate.state(order)
        _check_signable(order, current, expected_hash)
        totals = current.current["totals"]
        number = max((v.version for v in current.versions), default=0) + 1
        version = AuthorizationVersion(
            work_order=order, version=number, snapshot=estimate.canonical(current.current),
            total=Decimal(totals["total"]), by_payer=json.dumps(totals["by_payer"], sort_keys=True),
            promised_at=order.promised_at, content_hash=current.current_hash, signature=signature_hash,
            signer=signatures.signer_name(signer, order.customer.name), staff=staff, at=now)
        changelog.save(version)
        order.signature, order.authorized_at = signature_hash, now
        changelog.save(order, fields=["signature", "authorized_at"])
        for job in workorders.live_jobs(order):
            if job.authorization == "pending":
                _decide(job, "approved", staff, now, signature=signature_hash)
        if states.rank(order.status) < states.rank("authorized"):
            workorders.move(order, "authorized", staff=staff)
        else:
            # A status note is an audit tag (not shown; written also at start-up by the demo, before Babel).
            estimate.resume_if_answered(order, staff, note=f"signed version {number}")
    return version


def _decide(job: JobLine, decision: str, staff, at, *, signature: str = "", note: str = "") -> None:
    changelog.save(JobDecision(job=job, work_order=job.work_order_id, decision=decision, signature=signature,
                               staff=staff, at=at, note=note))
    job.authorization = decision
    changelog.save(job, fields=["authorization"])


def decline_changes(order: WorkOrder, *, staff=None, note: str = "") -> DeclinedChanges:
    """The customer refused the changes since the last signed version: added jobs stay on the
    order as declined work, other lines go back to what was signed. Recorded as a fact."""
    now = times.utcnow()
    with transaction():
        order = WorkOrder.get_by_id(order.id)
        if not workorders.is_editable(order):
            raise ServiceError(_l("This work order is settled or cancelled and can no longer be changed."),
                               status=409)
        current = estimate.state(order)
        if current.signed is None or not current.pending:
            raise ServiceError(_l("No changes wait for the customer's answer."), status=409)
        note = (note or "").strip()[:500]
        row = DeclinedChanges(work_order=order, base_version=current.signed.version, staff=staff, at=now,
                              changes=json.dumps(current.changes, ensure_ascii=False, sort_keys=True), note=note)
        changelog.save(row)
        declined_jobs = set()
        for change in current.changes:
            if change["kind"] == "labour" and change["change"] == "added":
                job = JobLine.get_by_id(change["id"])
                _decide(job, "declined", staff, now, note=note)
                declined_jobs.add(change["id"])
        for change in current.changes:
            if change["job"] in declined_jobs and change["change"] == "added":
                continue  # the parts of declined work stay with it
            _put_back(change)
        for job in workorders.live_jobs(order):  # extra work nobody had priced yet
            if job.authorization == "pending":
                _decide(job, "declined", staff, now, note=note)
        estimate.resume_if_answered(order, staff, note="changes declined")
    return row


def _put_back(change: dict) -> None:
    """One line as the customer signed it."""
    model = JobLine if change["kind"] == "labour" else PartLine
    row = model.get_by_id(change["id"])
    if change["change"] == "added":  # a part added on its own: off the estimate again
        workorders.remove_part_line(row, check=False)
        return
    old, values = change["old"], {}
    if change["kind"] == "labour":
        values = {"operation": old["code"], "sold_hours": Decimal(old["hours"]), "price": Decimal(old["amount"]),
                  "pay_type": old["payer"]}
    else:
        values = {"part_no": old["code"], "qty": Decimal(old["qty"]), "unit_price": Decimal(old["unit_price"]),
                  "pay_type": old["payer"]}
    values["deleted"] = False
    changelog.save_changes(row, values)

