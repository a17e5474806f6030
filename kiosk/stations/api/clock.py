"""``POST /api/v1/work-orders/NUMBER/clock``: clock a technician on or off a job,
through the same service a bay-kiosk scan and button use (kiosk.services.clock)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from kiosk.services import clock, estimate, figures, workorders
from kiosk.services import staff as staff_service
from kiosk.core.errors import ServiceError
from kiosk.stations.api import BadRequest, bp, json_object, member, text

ACTIONS = ("start", "stop", "finish")


def _job_to_start(order, technician):
    """With no job named: the technician's first unfinished job on the order, else the first nobody has."""
    known = estimate.state(order)
    jobs = [j for j in workorders.live_jobs(order) if j.status != "done" and estimate.is_workable(j, known)]
    mine = [j for j in jobs if j.technician_id == technician.id]
    free = [j for j in jobs if j.technician_id is None]
    if mine or free:
        return (mine or free)[0]
    raise ServiceError(_("No job on this work order is waiting for you."), status=409, field="job")


def _job_to_finish(order, technician):
    """With no job named: the job the technician's running clock is on, on this order."""
    current = clock.running(technician)
    if current is None or current.work_order_id != order.id:
        raise ServiceError(_("Name the job to finish: no clock is running for this technician on this work order."),
                           status=409, field="job")
    return workorders.get_job(order, current.job_id)


@bp.post("/work-orders/<number>/clock")
def clock_work_order(number: str):
    """Start or stop a job clock; answers the clock's state after the call."""
    body = json_object()
    badge = text(body, "badge", "badge")
    action = text(body, "action", "action")
    if action not in ACTIONS:
        raise BadRequest(_("%(field)s must be “start”, “stop” or “finish”.", field="action"), field="action")
    job_id = member(body, "job", str, "job", required=False)
    order = workorders.get_by_number(number)
    technician = staff_service.find_by_badge(badge)
    if technician is None or not technician.active:
        raise ServiceError(_("This badge is not known."), field="badge", status=404)
    job = workorders.get_job(order, job_id) if job_id else None
    if action == "start":
        result = clock.clock_on(technician, job or _job_to_start(order, technician), terminal="api")
    elif action == "finish":
        # The job is done: every clock on it closes; the last agreed job sends the order to QC.
        result = clock.clock_off(technician, job or _job_to_finish(order, technician), reason="finish",
                                 terminal="api")
    else:
        current = clock.running(technician)
        if job is None and (current is None or current.work_order_id != order.id):
            raise ServiceError(_("No clock is running for this technician on this work order."), status=409)
        result = clock.clock_off(technician, job, reason="stop", terminal="api")
    running = clock.running(technician)
    minutes = figures.clocked_minutes_by_job(order)
    return jsonify({
        "number": order.number,
        "job": result.job.id.hex,
        "action": action,
        "already": result.already,
        "switched_from": result.switched_from.id.hex if result.switched_from else None,
        "clocked_in": result.clocked_in,
        "assigned": result.assigned,
        "running": running.job_id.hex if running else None,
        "clocked_minutes": minutes.get(result.job.id, 0),
        "order_status": type(order).get_by_id(order.id).status,
    })
