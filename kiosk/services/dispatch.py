"""The workshop manager's dispatching (车间主任): who does which job in which bay,
who is on what right now, and clocks left running at the end of a shift.

A clock never runs overnight: ``close_open_clocks`` writes the missing "off"
at the shift end (flagged for the foreman's review). It runs on a timer in the
server and on the workshop pages, and is idempotent, so two kiosks that both
close the same clock leave one real "off" (a second, identical one is ignored
when the figures pair events, see kiosk.services.figures).
"""
from __future__ import annotations

import datetime as dt
import re
import threading

from flask import current_app, has_app_context
from kiosk.i18n import lazy_gettext as _l
from peewee import JOIN

from kiosk.core import times
from kiosk.db import connected, transaction
from kiosk.models import Attendance, ClockEvent, ClockReview, JobLine, Staff, Vehicle, WorkOrder
from kiosk.services import clock_rules, figures
from kiosk.core import status as states
from kiosk.core.errors import NotFound, ServiceError
from sync import changelog

DEFAULT_SHIFT_END = "18:00"
# Clocks older than this are not looked at again: by then they have been closed.
LOOK_BACK = dt.timedelta(days=30)
WORKSHOP_ROLES = ("technician", "foreman")


def shift_end_time() -> dt.time:
    """The store's shift end: what the foreman set at /bay/rules (replicated to every
    kiosk), else config ``SHIFT_END`` ("HH:MM"), else 18:00."""
    text = clock_rules.shift_end()
    if text is None:
        text = current_app.config["SHIFT_END"] if has_app_context() else DEFAULT_SHIFT_END
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text or "").strip())
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return dt.time(int(match[1]), int(match[2]))
    return dt.time(18, 0)


def closing_time(started: dt.datetime, shift_end: dt.time) -> dt.datetime:
    """When a clock started at ``started`` (UTC) is closed if nobody stops it: that day's
    shift end, or midnight for one started after the shift end (overtime), in the
    store's zone; the answer is UTC, as stored."""
    local = times.to_local(started)  # the shift ends on the store's clock, whatever the PC's zone
    end = dt.datetime.combine(local.date(), shift_end)
    end = end if local < end else dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time())
    return times.to_utc(end)


def technicians() -> list[Staff]:
    """Active staff who clock jobs (technicians and foremen), by name."""
    people = Staff.select().where((Staff.active == True) & (Staff.deleted == False)).order_by(Staff.name)  # noqa: E712
    return [p for p in people if p.has_role(*WORKSHOP_ROLES)]


def assign(job: JobLine, technician: Staff | None, bay: str = "", *, staff: Staff | None = None) -> JobLine:
    """Dispatch (or reassign) ``job`` to ``technician`` and ``bay``; None and "" clear them."""
    order = job.work_order
    if states.is_locked(order.status) or order.status == "cancelled":
        raise ServiceError(_l("This work order is settled or cancelled and can no longer be changed."), status=409)
    if technician is not None and (not technician.active or not technician.has_role(*WORKSHOP_ROLES)):
        raise ServiceError(_l("Only technicians can be given jobs."), field="technician")
    bay = (bay or "").strip()[:40]
    changed = []
    if job.technician_id != (technician.id if technician else None):
        job.technician = technician
        changed.append("technician")
    if job.bay != bay:
        job.bay = bay
        changed.append("bay")
    if changed:
        with transaction():
            changelog.save(job, fields=changed)
    return job


def set_team(job: JobLine, on: bool) -> JobLine:
    """Mark ``job`` as a team job that several technicians may clock together (or not)."""
    if job.team != bool(on):
        with transaction():
            job.team = bool(on)
            changelog.save(job, fields=["team"])
    return job


def open_intervals(now: dt.datetime) -> list[figures.Interval]:
    """Clocks running now (recent facts only: older ones were closed at their shift end)."""
    events = ClockEvent.select().where(ClockEvent.at >= now - LOOK_BACK)
    return [i for i in figures.intervals(events, now) if i.open]


def close_open_clocks(now: dt.datetime | None = None) -> int:
    """Close every clock still running past its shift end with a flagged "off" at that
    moment (reason shift_end), and the shift attendance with it. Returns how many clocks."""
    now = now or times.utcnow()
    shift_end = shift_end_time()
    # A cheap look first: most calls (every page load) find nothing to do.
    if not any(closing_time(i.start, shift_end) <= now for i in open_intervals(now)):
        return 0
    closed = 0
    with transaction():
        # Read again under the write lock: another thread may have just closed them.
        for interval in open_intervals(now):
            deadline = closing_time(interval.start, shift_end)
            if deadline > now:
                continue
            changelog.save(ClockEvent(technician=interval.technician_id, job=interval.job_id,
                                      work_order=interval.work_order_id, action="off", reason="shift_end",
                                      at=deadline, terminal="shift-end", flagged=True,
                                      note="closed automatically at the end of the shift"))
            closed += 1
        _close_attendance(now, shift_end)
    return closed


def _close_attendance(now: dt.datetime, shift_end: dt.time) -> None:
    """Shift attendance left "in" past the shift end gets a flagged "out" there."""
    rows = Attendance.select().where(Attendance.at >= now - LOOK_BACK).order_by(Attendance.at)
    last_in: dict = {}
    for row in rows:
        if row.action == "in":
            last_in.setdefault(row.technician_id, row)
        else:
            last_in.pop(row.technician_id, None)
    for tech, row in last_in.items():
        deadline = closing_time(row.at, shift_end)
        if deadline <= now:
            changelog.save(Attendance(technician=tech, action="out", at=deadline, terminal="shift-end",
                                      flagged=True, note="closed automatically at the end of the shift"))


def who_is_on_what(now: dt.datetime | None = None) -> list[dict]:
    """Each technician: in or out of the shift, the job clocked now and since when (four queries)."""
    now = now or times.utcnow()
    people = technicians()
    today = times.day_bounds(times.today(now))[0]
    in_shift: dict = {}
    for row in Attendance.select().where(Attendance.at >= today).order_by(Attendance.at):
        in_shift[row.technician_id] = row.action == "in"
    running: dict = {}
    for interval in open_intervals(now):
        running.setdefault(interval.technician_id, []).append(interval)
    job_ids = [i.job_id for group in running.values() for i in group]
    jobs = {j.id: j for j in JobLine.select(JobLine, WorkOrder).join(WorkOrder)
            .where(JobLine.id.in_(job_ids))} if job_ids else {}
    board = []
    for person in people:
        clocks = [{"job": jobs.get(i.job_id), "since": i.start, "minutes": int(i.minutes)}
                  for i in running.get(person.id, []) if i.job_id in jobs]
        board.append({"technician": person, "in_shift": in_shift.get(person.id, False) or bool(clocks),
                      "clocks": clocks})
    return board


def flagged_clocks(now: dt.datetime | None = None, days: int = 14) -> list[dict]:
    """Clock intervals of the last ``days`` days that need the foreman's look, newest first:
    closed at shift end, two ons, an off with no on, a clock that jumped."""
    now = now or times.utcnow()
    since = now - dt.timedelta(days=days)
    events = ClockEvent.select().where(ClockEvent.at >= since)
    reviewed = set(ClockReview.select(ClockReview.technician, ClockReview.job, ClockReview.started_at)
                   .where(ClockReview.started_at >= since - dt.timedelta(days=1)).tuples())
    found = [i for i in figures.intervals(events, now)
             if i.flagged and (i.technician_id, i.job_id, i.start) not in reviewed]
    jobs = {j.id: j for j in JobLine.select(JobLine, WorkOrder).join(WorkOrder)
            .where(JobLine.id.in_([i.job_id for i in found]))} if found else {}
    people = {p.id: p for p in Staff.select().where(Staff.id.in_([i.technician_id for i in found]))} if found else {}
    found.sort(key=lambda i: i.start, reverse=True)
    return [{"interval": i, "job": jobs.get(i.job_id), "technician": people.get(i.technician_id)} for i in found]


def review_clock(technician_id, job_id, started_at: dt.datetime, reviewer=None, note: str = "") -> ClockReview:
    """The foreman settled a flagged clock with the technician: it leaves the review list
    (on every kiosk after sync). The clock itself stays as it was: a fact is never changed."""
    technician = Staff.get_or_none(Staff.id == technician_id)
    job = JobLine.get_or_none(JobLine.id == job_id)
    if technician is None or job is None:
        raise NotFound(_l("This clock is not on this kiosk."))
    with transaction():
        review = ClockReview(technician=technician, job=job, started_at=started_at, reviewer=reviewer,
                             at=times.utcnow(), note=(note or "").strip())
        changelog.save(review)
    return review


def _jobs_query():
    return (JobLine.select(JobLine, WorkOrder, Vehicle, Staff)
            .join(WorkOrder).join(Vehicle).switch(JobLine)
            .join(Staff, JOIN.LEFT_OUTER, on=(JobLine.technician == Staff.id)))


def dispatch_list() -> list[JobLine]:
    """Job lines of orders in the workshop that are not done, with order, vehicle and technician (one query)."""
    in_workshop = [s for s in states.OPEN_STATUSES if states.rank("checked_in") <= states.rank(s) < states.rank("qc")]
    return list(_jobs_query()
                .where(WorkOrder.status.in_(in_workshop) & (WorkOrder.deleted == False)  # noqa: E712
                       & (JobLine.deleted == False) & (JobLine.status != "done")  # noqa: E712
                       & (JobLine.authorization != "declined"))
                .order_by(WorkOrder.promised_at.asc(nulls="LAST"), WorkOrder.number, JobLine.position))


def dispatch_list_row(job_id) -> JobLine | None:
    """One job line as the dispatch list shows it (order, vehicle, technician in one query)."""
    return _jobs_query().where(JobLine.id == job_id).first()


def start_shift_end_timer(app, every_seconds: float = 60.0) -> threading.Event:
    """Close clocks left running past the shift end every ``every_seconds`` in a daemon
    thread (the server starts it). Set the returned event to stop it."""
    stop = threading.Event()

    def run():
        while not stop.wait(every_seconds):
            try:
                with app.app_context(), connected():
                    close_open_clocks()
            except Exception:  # noqa: BLE001  a locked or missing database: try again next round
                app.logger.exception("closing clocks at shift end failed")

    threading.Thread(target=run, name="shift-end-clocks", daemon=True).start()
    return stop
