"""Clocking from the bay screen: start (or resume), pause with a reason, finish;
clocking in and out of the day's shift."""
from __future__ import annotations

import functools

from flask import request
from flask_babel import gettext as _

from kiosk.models import JobLine
from kiosk.services import attendance, clock, workorders
from kiosk.services.customers import parse_id
from kiosk.core.errors import NotFound, ServiceError
from kiosk.stations.badge_session import bay_person
from kiosk.stations.bay import bp
from kiosk.stations.bay.screens import answer, show_job
from kiosk.stations.scan_helpers import reply, terminal_id


def needs_person(view):
    """A bay action needs the badge scanned at this screen; without it, back to the idle screen."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        person = bay_person()
        if person is None:
            return answer(None, "idle", _("Scan your badge first."), False)
        return view(person, *args, **kwargs)

    return wrapped


def with_job(view):
    """Look the job line up by the id in the URL; a clear message when it is gone."""

    @functools.wraps(view)
    def wrapped(person, job_id, **kwargs):
        key = parse_id(job_id)
        job = JobLine.get_or_none((JobLine.id == key) & (JobLine.deleted == False)) if key else None  # noqa: E712
        if job is None:
            return reply(_("This job is no longer on the work order."), False)
        return view(person, job, **kwargs)

    return wrapped


def with_order(view):
    """Look the work order up by the number in the URL; a clear message when there is none."""

    @functools.wraps(view)
    def wrapped(person, number, **kwargs):
        try:
            order = workorders.get_by_number(number)
        except NotFound as error:
            return reply(error.message, False)
        return view(person, order, **kwargs)

    return wrapped


def _act(person, job, action, done):
    """Run one clock action; show the job (its card, or the order) with what happened or why not."""
    try:
        result = action()
    except ServiceError as error:
        return show_job(person, job, error.message, False)
    return show_job(person, job, done(result), True)


def _started(result) -> str:
    parts = [_("Clocked on: %(job)s.", job=result.job.description)]
    if result.already:
        parts = [_("You are already clocked on: %(job)s.", job=result.job.description)]
    if result.switched_from is not None:
        parts.append(_("Clocked off: %(job)s.", job=result.switched_from.description))
    if result.clocked_in:
        parts.append(_("Clocked in for today's shift."))
    return " ".join(parts)


@bp.post("/jobs/<job_id>/start")
@needs_person
@with_job
def start(person, job):
    return _act(person, job, lambda: clock.clock_on(person, job, terminal=terminal_id()), _started)


@bp.post("/jobs/<job_id>/pause")
@needs_person
@with_job
def pause(person, job):
    reason = request.form.get("loss_reason", "")
    return _act(person, job, lambda: clock.clock_off(person, job, reason="pause", loss_reason=reason,
                                                     terminal=terminal_id()),
                lambda r: _("Paused: %(job)s (%(reason)s).", job=job.description,
                            reason=clock.LOSS_LABELS.get(reason, "")))


@bp.post("/jobs/<job_id>/finish")
@needs_person
@with_job
def finish(person, job):
    return _act(person, job, lambda: clock.clock_off(person, job, reason="finish", terminal=terminal_id()),
                lambda r: _("Finished: %(job)s.", job=job.description))


@bp.post("/attendance/in")
@needs_person
def clock_in(person):
    try:
        attendance.clock_in(person, terminal=terminal_id())
    except ServiceError as error:
        return answer(person, "home", error.message, False)
    return answer(person, "home", _("Clocked in for today's shift."))


@bp.post("/attendance/out")
@needs_person
def clock_out(person):
    try:
        clock.clock_out_of_shift(person, terminal=terminal_id())
    except ServiceError as error:
        return answer(person, "home", error.message, False)
    return answer(person, "home", _("Clocked out of today's shift. Any job clock was stopped."))
