"""The checks a warranty claim passes before it leaves the store.

Each is one reason manufacturers reject claims for, with the code the API
answers (see /work/shared/CONTRACT.md) and a message the clerk reads:

* ``photo_missing``: the store requires a photo and the job has no findings photo;
* ``old_part_untagged``: a part issued to the job has no old-part tag on the claim;
* ``hours_over_standard``: the hours clocked on the job exceed the operation's standard hours;
* ``causal_part_not_issued``: the causal part is not given or was not issued to the order;
* ``mileage_lower``: an earlier visit of the same VIN recorded more kilometres;
* ``deadline_passed``: today is past the repair date plus the manufacturer's deadline;
* ``duplicate``: another claim has the same VIN and labour operation.

Checks read facts each time (a photo added at the bay, a tag printed at the
counter pass them at once); nothing about them is stored.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.core import times
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Delivery, Finding, Vehicle, WorkOrder
from kiosk.models.claims import WarrantyClaim
from kiosk.services import claim_settings, figures, old_parts

CODES = ("photo_missing", "old_part_untagged", "hours_over_standard", "causal_part_not_issued", "mileage_lower",
         "deadline_passed", "duplicate")


def photos(claim: WarrantyClaim) -> list[Finding]:
    """The job's findings with a photo (taken at the bay)."""
    return list(Finding.select().where((Finding.job == claim.job_id) & (Finding.photo != "")).order_by(Finding.at))


def clocked_hours(claim: WarrantyClaim) -> Decimal:
    minutes = figures.clocked_minutes_of_job(claim.job)
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _issued_part_nos(claim: WarrantyClaim, job_only: bool) -> set[str]:
    return set(old_parts.issued_part_nos(claim.work_order, {claim.job_id} if job_only else None))


def _earlier_mileage(claim: WarrantyClaim) -> int:
    order = claim.work_order
    vehicles = Vehicle.select(Vehicle.id).where((Vehicle.vin == claim.vin) & (Vehicle.vin != ""))
    same_car = (WorkOrder.vehicle == claim.vehicle_id) | WorkOrder.vehicle.in_(vehicles)
    orders = WorkOrder.select().where(same_car & (WorkOrder.id != order.id) & (WorkOrder.opened_at < order.opened_at)
                                      & (WorkOrder.deleted == False) & (WorkOrder.status != "cancelled"))  # noqa: E712
    best = max((o.mileage for o in orders), default=0)
    delivered = Delivery.select().where(Delivery.work_order.in_(orders))
    return max([best] + [d.mileage for d in delivered])


def deadline(claim: WarrantyClaim) -> dt.date:
    """The last day the claim may be submitted."""
    repaired = claim.repair_date or times.local_date(claim.created_at)
    return repaired + dt.timedelta(days=claim_settings.get("claim_deadline_days"))


def run(claim: WarrantyClaim, today: dt.date | None = None) -> list[dict]:
    """The failing checks: ``[{"code", "message"}]``, empty when the claim may be submitted."""
    failing = []

    def fail(code, message):
        failing.append({"code": code, "message": message})

    if claim_settings.get("claim_photo_required") and not photos(claim):
        fail("photo_missing", _l("The manufacturer needs a photo of the fault: add one from the bay's findings."))
    tagged = {t.part_no for t in old_parts.tags_of(claim)}
    untagged = sorted(_issued_part_nos(claim, job_only=True) - tagged)
    if untagged:
        fail("old_part_untagged", _l("Old part %(parts)s has no tag: print its old-part tag.",
                                     parts=", ".join(untagged)))
    hours = clocked_hours(claim)
    if claim.standard_hours and hours > claim.standard_hours:
        fail("hours_over_standard", _l("%(clocked)s hours clocked are more than the %(standard)s standard hours.",
                                       clocked=hours, standard=claim.standard_hours))
    if not claim.causal_part_no:
        fail("causal_part_not_issued", _l("Name the causal part."))
    elif claim.causal_part_no not in _issued_part_nos(claim, job_only=False):
        fail("causal_part_not_issued", _l("The causal part %(part)s was not issued on this work order.",
                                          part=claim.causal_part_no))
    earlier = _earlier_mileage(claim)
    if claim.mileage < earlier:
        fail("mileage_lower", _l("The mileage %(mileage)s km is lower than %(earlier)s km of an earlier visit.",
                                 mileage=claim.mileage, earlier=earlier))
    last_day = deadline(claim)
    if (today or times.today()) > last_day:
        fail("deadline_passed", _l("The deadline to submit was %(day)s.", day=last_day.isoformat()))
    twin = WarrantyClaim.select().where((WarrantyClaim.vin == claim.vin) & (WarrantyClaim.vin != "")
                                        & (WarrantyClaim.operation == claim.operation) & (WarrantyClaim.operation != "")
                                        & (WarrantyClaim.id != claim.id)
                                        & (WarrantyClaim.deleted == False)).first()  # noqa: E712
    if twin is not None:
        fail("duplicate", _l("Claim %(number)s already claims operation %(operation)s on this VIN.",
                             number=twin.number, operation=claim.operation))
    return failing
