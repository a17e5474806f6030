"""Clocking technicians on and off job lines (continuous clocking).

A clock is a pair of ClockEvent facts, "on" then "off", for one technician on
one job line. Nothing about a clock is stored besides those facts: whether a
clock is open, what runs now and how many minutes a job took are read from
them. The bay kiosk's scans and buttons and the JSON API all call
``clock_on`` / ``clock_off``.

Rules kept here:
* one technician never has two open clocks: starting a job ends the one
  running (reason "switch");
* a job is clocked by one technician at a time unless the foreman marked it a
  team job;
* a job nobody may work on (extra work waiting for the customer, declined work,
  a job changed since the customer signed: kiosk.services.estimate) is locked;
* a kiosk clock that runs behind the events already recorded never makes a
  negative interval: the new event is stamped at the last one's time, flagged.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import ClockEvent, JobLine, Staff, WorkOrder
from kiosk.models.bay import LOSS_REASONS
from kiosk.services import attendance, clock_rules as rules, estimate, figures, workorders
from kiosk.core import status as states
from kiosk.core.errors import ServiceError
from sync import changelog

# Who may clock on jobs at all.
CLOCKING_ROLES = ("technician", "foreman")
LOSS_LABELS = {
    "parts": _l("Waiting for parts"),
    "authorization": _l("Waiting for authorization"),
    "break": _l("Break"),
    "tool": _l("Waiting for a tool or bay"),
    "other": _l("Other"),
}
JOB_STATUS_LABELS = {
    "open": _l("Not started"),
    "in_progress": _l("In progress"),
    "paused": _l("Paused"),
    "done": _l("Done"),
    "rework": _l("Rework"),
}
# A pause for these moves the order to the matching waiting status.
WAITING_FOR = {"parts": "waiting_parts", "authorization": "waiting_authorization"}


@dataclass
class ClockResult:
    """What a clock call did, for the screen's message and the API's answer."""

    job: JobLine
    event: ClockEvent | None = None
    switched_from: JobLine | None = None
    clocked_in: bool = False
    assigned: bool = False
    already: bool = False


def _open(events, now=None) -> list:
    """The clocks still open among ``events``, paired the way every figure pairs them
    (kiosk.services.figures), oldest first."""
    return [i for i in figures.intervals(events, now) if i.open]


def open_clocks_of_technician(technician: Staff) -> list:
    """The technician's open clocks (normally none or one) on orders still open, as figures.Interval."""
    return _open(ClockEvent.select(ClockEvent).join(WorkOrder, on=(ClockEvent.work_order == WorkOrder.id))
                 .where((ClockEvent.technician == technician) & WorkOrder.status.in_(states.OPEN_STATUSES)))


def open_clocks_of_job(job: JobLine) -> list:
    """Who is clocked on ``job`` now: their open intervals."""
    return _open(ClockEvent.select().where(ClockEvent.job == job))


def running(technician: Staff):
    """The clock running for ``technician`` now (the newest, should a merge have left two), or None."""
    clocks = open_clocks_of_technician(technician)
    return clocks[-1] if clocks else None


def _stamp(technician: Staff, now: dt.datetime | None) -> tuple[dt.datetime, bool]:
    """The time for a new event and whether it had to be corrected.

    A kiosk whose clock jumped back would otherwise record an "off" before its
    "on"; the event takes the latest recorded time instead and is flagged.
    """
    now = (now or times.utcnow()).replace(microsecond=0)
    latest = (ClockEvent.select(ClockEvent.at).where(ClockEvent.technician == technician)
              .order_by(ClockEvent.at.desc()).limit(1).scalar())
    if latest is not None and now < latest:
        return latest, True
    return now, False


def _check_clocker(technician: Staff) -> None:
    if not technician.active or not technician.has_role(*CLOCKING_ROLES):
        raise ServiceError(_l("Only technicians clock on jobs."), status=403)


def _check_job(technician: Staff, job: JobLine) -> bool:
    """Refuse a job this technician may not clock; True when it must be assigned to them first."""
    estimate.check_workable(job)  # removed, extra work not authorized, declined, changed since signed
    if job.status == "done":
        raise ServiceError(_l("This job is finished. Ask the foreman to reopen it."), status=409)
    others = [c for c in open_clocks_of_job(job) if c.technician_id != technician.id]
    if others and not job.team:
        raise ServiceError(_l("%(name)s is clocked on this job now. Only a team job can be clocked by two "
                              "technicians at once.", name=Staff.get_by_id(others[0].technician_id).name),
                           status=409)
    if job.technician_id is None:
        if not rules.get("take_unassigned"):
            raise ServiceError(_l("This job has no technician yet. Ask the foreman to dispatch it."), status=403)
        return True
    if job.technician_id != technician.id and not job.team and not rules.get("take_others"):
        raise ServiceError(_l("This job is assigned to %(name)s. Ask the foreman to reassign it.",
                              name=job.technician.name), status=403)
    return False


def _event(technician, job, action, at, flagged, terminal, reason="", loss_reason="", note=""):
    event = ClockEvent(technician=technician, job=job, work_order=job.work_order_id, action=action,
                       reason=reason, loss_reason=loss_reason, at=at, terminal=terminal[:100],
                       flagged=flagged, note=note)
    changelog.save(event)
    return event


def _set_status(job: JobLine, status: str) -> None:
    if job.status != status:
        job.status = status
        changelog.save(job, fields=["status"])


def clock_on(technician: Staff, job: JobLine, *, terminal: str = "", now: dt.datetime | None = None) -> ClockResult:
    """Start (or resume) ``job`` for ``technician``; ends the clock running on another job."""
    _check_clocker(technician)
    with transaction():
        # Everything is read inside the write lock: of a double tap on Start (two
        # requests at once) the second finds the first one's clock and writes nothing.
        job = JobLine.get_by_id(job.id)
        order = job.work_order
        rules.check_order(order)
        must_assign = _check_job(technician, job)
        current = running(technician)
        if current is not None and current.job_id == job.id:
            return ClockResult(job, already=True)
        at, flagged = _stamp(technician, now)
        result = ClockResult(job, clocked_in=attendance.ensure_in(technician, at, terminal))
        if current is not None:
            before = JobLine.get_by_id(current.job_id)
            _event(technician, before, "off", at, flagged, terminal, reason="switch")
            result.switched_from = before
            if not open_clocks_of_job(before):
                _set_status(before, "paused")
        if must_assign:
            job.technician = technician
            changelog.save(job, fields=["technician"])
            result.assigned = True
        result.event = _event(technician, job, "on", at, flagged, terminal)
        _set_status(job, "in_progress")
        if order.status in ("authorized", "waiting_parts") or (
                order.status == "waiting_authorization" and not estimate.waits_for_customer(order)):
            workorders.move(order, "in_repair", staff=technician)
    return result


def clock_off(technician: Staff, job: JobLine | None = None, *, reason: str = "pause", loss_reason: str = "",
              terminal: str = "", now: dt.datetime | None = None, note: str = "") -> ClockResult:
    """Stop ``technician``'s clock on ``job`` (default: the one running).

    ``reason`` is "pause" (with one of LOSS_REASONS), "finish", "stop" (API,
    foreman) or "shift_end". Finishing a team job closes every clock on it;
    finishing a paused job needs no clock to be open.
    """
    if reason not in ("pause", "finish", "stop", "shift_end"):
        raise ServiceError(_l("Choose why the clock stops."), field="reason")
    if reason == "pause" and loss_reason not in LOSS_REASONS:
        raise ServiceError(_l("Choose why the job is paused."), field="loss_reason")
    _check_clocker(technician)
    with transaction():  # read inside the write lock, as clock_on does
        current = running(technician)
        job = JobLine.get_by_id(job.id) if job is not None else (
            JobLine.get_by_id(current.job_id) if current else None)
        if job is None:
            raise ServiceError(_l("No clock is running for you."), status=409)
        mine = [c for c in open_clocks_of_job(job) if c.technician_id == technician.id]
        if not mine and reason != "finish":
            raise ServiceError(_l("You are not clocked on this job."), status=409)
        if reason == "finish":
            rules.check_order(job.work_order)
            if job.status == "done":
                raise ServiceError(_l("This job is already finished."), status=409)
        at, flagged = _stamp(technician, now)
        result = ClockResult(job)
        closing = open_clocks_of_job(job) if reason == "finish" else mine
        for clock in closing:
            result.event = _event(Staff.get_by_id(clock.technician_id), job, "off", at, flagged, terminal, reason=reason,
                                  loss_reason=loss_reason if reason == "pause" else "", note=note)
        if reason == "finish":
            _set_status(job, "done")
            _finish_order(job.work_order, technician)
        elif not open_clocks_of_job(job):
            _set_status(job, "paused")
            _wait(job.work_order, loss_reason, technician)
    return result


def _wait(order: WorkOrder, loss_reason: str, technician: Staff) -> None:
    """A pause for parts or authorization shows on the order when nobody works on it any more."""
    target = WAITING_FOR.get(loss_reason)
    if target and order.status in ("in_repair", "waiting_parts", "waiting_authorization") \
            and order.status != target and not _anyone_clocked(order):
        workorders.move(order, target, staff=technician, note=str(LOSS_LABELS[loss_reason]))


def _anyone_clocked(order: WorkOrder) -> bool:
    return bool(_open(ClockEvent.select().where(ClockEvent.work_order == order)))


def _finish_order(order: WorkOrder, technician: Staff) -> None:
    """Every job done (declined extra work aside) and none waiting for the customer: on to QC."""
    jobs = [j for j in workorders.live_jobs(order) if j.authorization != "declined"]
    if states.rank(order.status) != states.rank("in_repair") or estimate.waits_for_customer(order):
        return
    if jobs and all(j.status == "done" for j in jobs):
        workorders.move(order, "qc", staff=technician)


def stop_running(technician: Staff, *, reason: str = "stop", terminal: str = "", now=None) -> ClockResult | None:
    """Close whatever clock ``technician`` has open (shift end, API stop); None when none runs."""
    current = running(technician)
    if current is None:
        return None
    return clock_off(technician, JobLine.get_by_id(current.job_id), reason=reason, terminal=terminal, now=now)


def clock_out_of_shift(technician: Staff, *, terminal: str = "", now: dt.datetime | None = None):
    """End the day's shift; a job clock still running is closed first (reason "shift_end")."""
    if not attendance.is_in(technician, now):
        raise ServiceError(_l("You are not clocked in today."), status=409)
    with transaction():
        stop_running(technician, reason="shift_end", terminal=terminal, now=now)
        return attendance.record_out(technician, now, terminal)
