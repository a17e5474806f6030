"""The QC inspector's gate (质检): the checklist and road test, pass to washing and
ready, or fail with the job lines sent back as rework (each counts against
first-time fix, see kiosk.services.figures.first_time_fix)."""
from __future__ import annotations

import datetime as dt
import json
import uuid

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.core.prepared import Prepared
from kiosk.db import transaction
from kiosk.models import JobLine, QcCheck, Staff, Vehicle, WorkOrder
from kiosk.core import limits
from kiosk.services import workorders
from kiosk.core.errors import ServiceError
from kiosk.core import status as states
from sync import changelog

# The fixed checklist, in the order the inspector walks round the car; the road test last.
CHECKLIST = {
    "work_done": _l("Every job on the order is done"),
    "no_leaks": _l("No leaks under the car or in the engine bay"),
    "fluids": _l("Fluid levels correct"),
    "wheels": _l("Wheel nuts torqued, tyre pressures set"),
    "lights": _l("Lights and warning lamps off / working"),
    "no_fault_codes": _l("No stored fault codes"),
    "clean": _l("Interior clean, seat and floor covers removed"),
    "road_test": _l("Road test"),
}


def _job_ids(order: WorkOrder, ids) -> list[JobLine]:
    """The order's live job lines named by ``ids`` (hex or UUID text); anything else is refused."""
    jobs = {j.id: j for j in workorders.live_jobs(order)}
    chosen = []
    for raw in ids or []:
        try:
            key = uuid.UUID(str(raw))
        except ValueError:
            key = None
        if key not in jobs:
            raise ServiceError(_l("A job chosen for rework is not on this work order."), field="rework")
        if jobs[key] not in chosen:
            chosen.append(jobs[key])
    return chosen


def check_ready_for_qc(order: WorkOrder) -> None:
    """Only an order at quality check may be inspected."""
    if order.status != "qc":
        raise ServiceError(_l("Work order %(number)s is not waiting for QC (it is “%(status)s”).",
                              number=order.number, status=states.label(order.status)), status=409)


def record(order: WorkOrder, inspector: Staff | None, *, passed: bool, checked=(), road_test: str = "",
           rework=(), note: str = "", now: dt.datetime | None = None) -> QcCheck:
    """Record one inspection. A pass needs every checklist item ticked (road test
    included) and moves the order to washing; a fail needs at least one job line
    named as rework, reopens those lines and moves the order back to rework."""
    check_ready_for_qc(order)
    ticked = {key: key in set(checked) for key in CHECKLIST}
    road_test = limits.check_text("road_test", (road_test or "").strip())
    note = limits.check_text("note", (note or "").strip())
    jobs = _job_ids(order, rework)
    if passed:
        missing = [key for key, ok in ticked.items() if not ok]
        if missing:
            raise ServiceError(_l("Tick every item of the checklist, road test included, before passing."),
                               field="checklist", detail={"missing": missing})
        if jobs:
            raise ServiceError(_l("A passed car sends no job back. Fail it to send jobs back as rework."),
                               field="rework")
    elif not jobs:
        raise ServiceError(_l("Choose the jobs that must be done again."), field="rework")
    now = now or times.utcnow()
    with transaction():
        check = QcCheck(work_order=order, inspector=inspector, passed=bool(passed),
                        checklist=json.dumps(ticked), road_test=road_test,
                        rework_jobs=json.dumps([j.id.hex for j in jobs]), at=now, note=note)
        changelog.save(check)
        for job in jobs:
            job.status = "rework"
            changelog.save(job, fields=["status"])
        workorders.move(order, "washing" if passed else "rework", staff=inspector,
                        note="" if passed else "QC failed")
    return check


def washed(order: WorkOrder, staff: Staff | None = None) -> WorkOrder:
    """The car is washed: ready for delivery."""
    if order.status != "washing":
        raise ServiceError(_l("Work order %(number)s is not at washing (it is “%(status)s”).",
                              number=order.number, status=states.label(order.status)), status=409)
    return workorders.move(order, "ready", staff=staff)


# Read on every work-order page: its SQL is built once (kiosk.core.prepared).
_LAST_CHECK = Prepared(lambda slot: QcCheck.select().where(QcCheck.work_order == slot(QcCheck.work_order))
                       .order_by(QcCheck.at.desc()).limit(1))


def last_check(order: WorkOrder) -> QcCheck | None:
    """The order's latest QC result (passed or failed), or None before QC."""
    return _LAST_CHECK.first(order)


def history(order: WorkOrder) -> list[QcCheck]:
    """The order's inspections, newest first."""
    return list(QcCheck.select().where(QcCheck.work_order == order).order_by(QcCheck.at.desc()))


def waiting() -> list[WorkOrder]:
    """Orders at quality check or washing, oldest promise first (with vehicle, one query)."""
    return list(WorkOrder.select(WorkOrder, Vehicle).join(Vehicle)
                .where(WorkOrder.status.in_(["qc", "washing"]) & (WorkOrder.deleted == False))  # noqa: E712
                .order_by(WorkOrder.promised_at.asc(nulls="LAST"), WorkOrder.opened_at))
