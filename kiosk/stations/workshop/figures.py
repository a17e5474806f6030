"""The manager's figures, computed from clock and QC facts on every view:
per technician per day clocked against sold hours, efficiency, loss time by
reason; clocked minutes per job line; first-time fix."""
from __future__ import annotations

import datetime as dt

from flask import request
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.models import ClockEvent, JobLine, WorkOrder
from kiosk.services import dispatch
from kiosk.services import figures as fig
from kiosk.services.figures.workshop import LOSS_LABELS
from kiosk.stations.workshop import requires_workshop, bp
from kiosk.templating import render



def _day(text: str | None) -> tuple[dt.date, str | None]:
    """The day asked for (YYYY-MM-DD), today when none; a bad date says so and shows today."""
    today = times.today()
    if not text:
        return today, None
    try:
        return dt.date.fromisoformat(text.strip()), None
    except ValueError:
        return today, _("That is not a date. Showing today.")


def job_minutes(day: dt.date, now: dt.datetime) -> list[dict]:
    """Clocked minutes per job line for the jobs clocked that day (three queries)."""
    lo, hi = times.day_bounds(day)
    touched = ClockEvent.select(ClockEvent.job).where((ClockEvent.at >= lo) & (ClockEvent.at < hi))
    events = list(ClockEvent.select().where(ClockEvent.job.in_(touched)))
    minutes: dict = {}
    for interval in fig.intervals(events, now):
        minutes[interval.job_id] = minutes.get(interval.job_id, 0) + interval.seconds
    jobs = (JobLine.select(JobLine, WorkOrder).join(WorkOrder).where(JobLine.id.in_(list(minutes)))
            .order_by(WorkOrder.number, JobLine.position)) if minutes else []
    return [{"job": j, "minutes": int(minutes[j.id] // 60)} for j in jobs]


@bp.get("/figures", endpoint="figures")
@requires_workshop("dispatch")
def figures_page():
    """Figures for one day (``?day=YYYY-MM-DD``) and first-time fix over the last 30 days."""
    day, problem = _day(request.args.get("day"))
    now = times.utcnow()
    people = [{"technician": p, **fig.technician_day(p, day, now)} for p in dispatch.technicians()]
    return render("workshop/figures.html", None, day=day, problem=problem, people=people,
                  jobs=job_minutes(day, now), loss_labels=LOSS_LABELS,
                  ftf=fig.first_time_fix(day - dt.timedelta(days=29), day),
                  ftf_day=fig.first_time_fix(day, day),
                  previous=day - dt.timedelta(days=1), following=day + dt.timedelta(days=1))
