"""The demo store's workshop: jobs dispatched to TEC-001 (张伟) so a new user can
badge in at the bay and clock through them.

The authorized order (更换蓄电池 + the ECU recall) waits in bay 3 for 张伟: it is
the one to try first. The orders already in the workshop keep their technicians.
"""
from __future__ import annotations

from kiosk.db import transaction
from kiosk.demo.data import FINDINGS
from kiosk.models import JobLine, Staff, WorkOrder
from kiosk.services import findings, workorders
from sync import changelog

DEMO_BAY = "3"


def seed_workshop(staff: dict[str, Staff]) -> WorkOrder | None:
    """Dispatch the authorized order's jobs to TEC-001 in the demo bay; returns that order."""
    technician = staff["TEC-001"]
    order = (WorkOrder.select().where((WorkOrder.status == "authorized") & (WorkOrder.deleted == False))  # noqa: E712
             .order_by(WorkOrder.number).first())
    if order is None:
        return None
    with transaction():
        for job in workorders.live_jobs(order):
            job.technician, job.bay = technician, DEMO_BAY
            changelog.save(job, fields=["technician", "bay"])
    return order


def seed_findings() -> None:
    """What the technicians found on the jobs of the orders in QC and in repair (kiosk.demo.data.FINDINGS)."""
    for status, texts in FINDINGS.items():
        order = (WorkOrder.select().where((WorkOrder.status == status) & (WorkOrder.deleted == False))  # noqa: E712
                 .order_by(WorkOrder.number).first())
        if order is None:
            continue
        for job, text in zip(workorders.live_jobs(order), texts):
            findings.add_finding(job, job.technician, text)


def jobs_of_demo_technician() -> list[JobLine]:
    """The jobs waiting for TEC-001 in the demo bay, in order (for the README's walk-through and its test)."""
    person = Staff.get(Staff.badge == "TEC-001")
    return list(JobLine.select().where((JobLine.technician == person) & (JobLine.bay == DEMO_BAY))
                .order_by(JobLine.position))
