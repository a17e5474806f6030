"""Recalls (召回) and service campaigns (服务活动) recorded for a VIN, and the vehicle's
history the advisor sees at check-in: earlier visits with their mileage and the
work done, declined work still open, and the campaigns for its VIN.

A campaign is done once a job carrying its code as the operation was finished
on one of the vehicle's work orders: derived from the job lines, never stored.
Declined work is "still open" until a later work order of the same vehicle
has a job with the same operation (or, without a code, the same description)
that the customer agreed to.
"""
from __future__ import annotations

import datetime as dt

from kiosk.i18n import lazy_gettext as _l

from kiosk.db import transaction
from kiosk.models import JobLine, Vehicle, VehicleCampaign, WorkOrder
from kiosk.core.errors import ServiceError
from kiosk.services.identifiers import check_vin
from sync import changelog

KINDS = ("recall", "campaign")
VISITS = 8


def record(vin: str, code: str, title: str, *, kind: str = "recall", announced: dt.date | None = None) -> VehicleCampaign:
    """A recall or campaign for ``vin`` (the maker's list, one row a VIN); the same code again changes it."""
    vin = check_vin(vin, confirmed=True)  # the maker's own list: its VINs are taken as they are
    code, title = (code or "").strip().upper(), (title or "").strip()
    if not code or not title:
        raise ServiceError(_l("A campaign needs its code and its title."), field="code" if not code else "title")
    if kind not in KINDS:
        raise ServiceError(_l("A campaign is a recall or a service campaign."), field="kind")
    with transaction():
        existing = VehicleCampaign.get_or_none((VehicleCampaign.vin == vin) & (VehicleCampaign.code == code)
                                               & (VehicleCampaign.deleted == False))  # noqa: E712
        values = {"vin": vin, "code": code, "title": title[:200], "kind": kind, "announced": announced}
        if existing is not None:
            changelog.save_changes(existing, values)
            return existing
        row = VehicleCampaign(**values)
        changelog.save(row)
    return row


def _jobs_of(orders: list[WorkOrder]) -> dict:
    found: dict = {}
    if orders:
        for job in (JobLine.select().where(JobLine.work_order.in_([o.id for o in orders])
                                           & (JobLine.deleted == False))  # noqa: E712
                    .order_by(JobLine.position)):
            found.setdefault(job.work_order_id, []).append(job)
    return found


def for_vin(vin: str, jobs: list[JobLine] = ()) -> list[dict]:
    """The VIN's campaigns, each with ``done`` (a finished job with its code) and ``on_order``."""
    if not vin:
        return []
    rows = list(VehicleCampaign.select().where((VehicleCampaign.vin == vin) & (VehicleCampaign.deleted == False))  # noqa: E712
                .order_by(VehicleCampaign.announced.desc(nulls="LAST"), VehicleCampaign.code))
    return [{"campaign": row, "done": any(j.operation == row.code and j.status == "done" for j in jobs),
             "on_order": any(j.operation == row.code and j.authorization != "declined" for j in jobs)}
            for row in rows]


def history(vehicle: Vehicle, current: WorkOrder | None = None) -> dict:
    """What the advisor sees of ``vehicle`` at check-in: ``visits`` (earlier orders, newest
    first, with their mileage and the jobs done), ``declined`` (declined jobs not done since)
    and ``campaigns`` (recalls for the VIN, open ones first)."""
    orders = list(WorkOrder.select().where((WorkOrder.vehicle == vehicle) & (WorkOrder.deleted == False))  # noqa: E712
                  .order_by(WorkOrder.opened_at.desc()))
    jobs = _jobs_of(orders)
    earlier = [o for o in orders if current is None or o.id != current.id]
    visits = [{"order": o, "jobs": [j for j in jobs.get(o.id, []) if j.authorization != "declined"]}
              for o in earlier[:VISITS] if o.status != "cancelled"]
    declined = []
    for order in reversed(orders):  # oldest first: a later agreed job closes an earlier decline
        for job in jobs.get(order.id, []):
            if job.authorization == "declined":
                declined.append((order, job))
    still_open = [(o, j) for o, j in declined if not _done_later(j, o, orders, jobs)]
    all_jobs = [j for js in jobs.values() for j in js]
    found = for_vin(vehicle.vin, all_jobs)
    found.sort(key=lambda c: c["done"])
    return {"visits": visits, "declined": [{"order": o, "job": j} for o, j in reversed(still_open)],
            "campaigns": found, "count": len(earlier)}


def _same_work(a: JobLine, b: JobLine) -> bool:
    return (a.operation and a.operation == b.operation) or (not a.operation and a.description == b.description)


def _done_later(job: JobLine, order: WorkOrder, orders: list[WorkOrder], jobs: dict) -> bool:
    later = [o for o in orders if o.opened_at > order.opened_at and o.status != "cancelled"]
    return any(_same_work(job, other) and other.authorization != "declined"
               for o in later for other in jobs.get(o.id, []))
