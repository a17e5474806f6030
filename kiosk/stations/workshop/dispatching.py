"""Dispatch: job lines to technicians and bays, team jobs, who is on what now,
and the clocks closed at shift end for the foreman to review."""
from __future__ import annotations

import datetime as dt
import uuid

from flask import request
from flask_babel import gettext as _

from kiosk.models import JobLine, Staff
from kiosk.services import dispatch
from kiosk.core.errors import ServiceError
from kiosk.stations.workshop import acting_person, bays, bp, close_overdue_clocks, requires_workshop
from kiosk.templating import render, trigger, wants_fragment


def _job(job_id: str) -> JobLine | None:
    try:
        key = uuid.UUID(job_id)
    except ValueError:
        return None
    return JobLine.get_or_none((JobLine.id == key) & (JobLine.deleted == False))  # noqa: E712


def _context(**extra) -> dict:
    return {"jobs": dispatch.dispatch_list(), "people": dispatch.technicians(),
            "on_what": dispatch.who_is_on_what(), "flagged": dispatch.flagged_clocks(), **extra}


@bp.get("/", endpoint="index")
@requires_workshop("dispatch")
def index():
    """The foreman's dispatch page."""
    close_overdue_clocks()
    return render("workshop/index.html", "workshop/_dispatch.html", **_context())


@bp.get("/on-what")
@requires_workshop("dispatch")
def on_what():
    """The who-is-on-what panel alone (refreshed by clock events)."""
    return render("workshop/index.html", "workshop/_on_what.html", **_context())


def _row(job: JobLine, error=None, status: int = 200):
    """The job's row again (with the error beside it), or the whole page without htmx."""
    job = dispatch.dispatch_list_row(job.id) or job
    extra = {} if wants_fragment() else _context()
    response = render("workshop/index.html", "workshop/_job_row.html", job=job, error=error,
                      **{"people": dispatch.technicians(), **extra})
    response.status_code = status
    return trigger(response, feedback=not error)


@bp.post("/jobs/<job_id>/assign")
@requires_workshop("dispatch")
def assign(job_id):
    """Give a job line to a technician and a bay (or take it back: both empty)."""
    job = _job(job_id)
    if job is None:
        return render("workshop/index.html", "workshop/_gone.html",
                      message=_("This job is no longer on the work order."), **_context()), 404
    tech_id = request.form.get("technician", "")
    technician = None
    if tech_id:
        try:
            technician = Staff.get_or_none(Staff.id == uuid.UUID(tech_id))
        except ValueError:
            technician = None
        if technician is None:
            return _row(job, _("Choose a technician from the list."), 400)
    bay = request.form.get("bay", "")
    if bay and bay not in bays():
        return _row(job, _("Choose a bay from the list."), 400)
    try:
        dispatch.assign(job, technician, bay)
    except ServiceError as error:
        return _row(job, error.message, 400)
    return _row(job)


@bp.post("/jobs/<job_id>/team")
@requires_workshop("dispatch")
def team(job_id):
    """Mark a job as a team job (several technicians clock it together), or not."""
    job = _job(job_id)
    if job is None:
        return render("workshop/index.html", "workshop/_gone.html",
                      message=_("This job is no longer on the work order."), **_context()), 404
    dispatch.set_team(job, request.form.get("team") == "1")
    return _row(job)


@bp.post("/flagged/review")
@requires_workshop("dispatch")
def review_flagged():
    """The foreman settled one flagged clock: the list without it (or a message where it was)."""
    form = request.form
    try:
        started = dt.datetime.fromisoformat(form.get("start", ""))
        dispatch.review_clock(uuid.UUID(form.get("technician", "")), uuid.UUID(form.get("job", "")), started,
                              reviewer=acting_person("dispatch"), note=form.get("note", ""))
    except ValueError:
        return _flagged(_("This clock could not be found. Reload the page."))
    except ServiceError as error:
        return _flagged(str(error.message))
    return _flagged(None)


def _flagged(error):
    """The review list; a refusal is shown in it (htmx swaps only successful answers)."""
    response = render("workshop/index.html", "workshop/_flagged.html", flagged_error=error, **_context())
    return trigger(response, feedback=not error)
