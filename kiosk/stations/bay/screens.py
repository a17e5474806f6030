"""The bay's screens: idle (waiting for a badge), the technician's home, one work
order's jobs; and the scan endpoint that moves between them.

Built like reception's work-order page: a scan or a move to another screen
answers with the new screen for ``#bay-main``; on the order's screen each job
card (``bay/_job_card.html``) and the header (``bay/_order_head.html``) are
partials that target and refresh themselves, by the server-sent events of the
clocks, findings, job lines and the order. Every answer is ``scan_reply``: the
message in the scan bar with the success or failure tone.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from kiosk.access import go_to, safe_next
from kiosk.cameras import camera_photo_possible
from kiosk.core import times
from kiosk.models import ClockEvent, JobLine, Staff, Vehicle, WorkOrder
from kiosk.roles import allowed
from kiosk.services import (attendance, clock, clock_rules, estimate, extrawork, figures, old_parts, partsrequests,
                            workorders)
from kiosk.services import findings as findings_service
from kiosk.services import staff as staff_service
from kiosk.services.customers import parse_id
from kiosk.core.errors import NotFound, ServiceError
from kiosk.stations.badge_session import ask_pin, bay_person, end_session, idle_seconds, open_session
from kiosk.stations.bay import bp
from kiosk.stations.scan_helpers import answer_unknown, not_used_here, reply, scan_from_request
from kiosk.templating import render, scan_reply, wants_fragment

PAGE, SCREEN = "bay/index.html", "bay/_screen.html"


def assigned_jobs(person: Staff) -> list[JobLine]:
    """The person's jobs not yet done on orders the workshop may clock, most urgent first (one query).
    Declined work is not on anyone's list."""
    return list(JobLine.select(JobLine, WorkOrder, Vehicle).join(WorkOrder).join(Vehicle)
                .where((JobLine.technician == person) & (JobLine.deleted == False)  # noqa: E712
                       & (JobLine.status != "done") & (JobLine.authorization != "declined")
                       & WorkOrder.status.in_(clock_rules.CLOCKABLE)
                       & (WorkOrder.deleted == False))  # noqa: E712
                .order_by(WorkOrder.promised_at.asc(nulls="LAST"), WorkOrder.number, JobLine.position))


def running_context(person: Staff) -> dict:
    """The clock running now for ``person`` (job, order, since) for the header of every screen."""
    now = times.utcnow()  # to the microsecond: the browser's ticker counts from it
    current = clock.running(person)
    job = JobLine.get_or_none(JobLine.id == current.job_id) if current else None
    return {"running": current, "running_job": job, "server_now": now}


def home_context(person: Staff) -> dict:
    today = times.today()
    return {"jobs": assigned_jobs(person), "day": figures.technician_day(person, today),
            "in_shift": attendance.is_in(person)}


def order_context(person: Staff, order: WorkOrder, focus: JobLine | None = None) -> dict:
    """One order's jobs with who is clocked on each, minutes, findings, requests and extra work."""
    jobs = workorders.live_jobs(order, technicians=True)
    events = ClockEvent.select().where(ClockEvent.work_order == order)
    spans = figures.intervals(events)
    on_job: dict = {}
    for span in spans:
        if span.open:
            on_job.setdefault(span.job_id, []).append(span.technician_id)
    names = {s.id: s.name for s in Staff.select().where(Staff.id.in_([t for ts in on_job.values() for t in ts]))} \
        if on_job else {}
    on_job = {job: [names.get(t, "") for t in people] for job, people in on_job.items()}
    findings = findings_service.of_order(order)
    requests: dict = {}
    for row in partsrequests.of_order(order):
        requests.setdefault(row.job_id, []).append(row)
    planned: dict = {}  # the parts on the estimate, per job: what the technician will need
    for line in workorders.live_part_lines(order):
        planned.setdefault(line.job_id, []).append(line)
    problem = None
    try:
        clock_rules.check_order(order)
    except ServiceError as error:
        problem = error.message
    known = estimate.state(order, jobs)
    return {"order": order, "jobs": jobs, "focus": focus.id if focus else None,
            "held": known.held_jobs,  # changed since the customer signed: no clock, no parts
            "minutes": figures.clocked_minutes_by_job(order), "on_job": on_job,
            "findings": findings, "requests": requests, "problem": problem, "planned_parts": planned,
            # A warranty job's parts issued and their old-part tags (kiosk.services.old_parts).
            "old_part_tags": {j.id: old_parts.job_parts_to_tag(j) for j in jobs if j.pay_type == "warranty"},
            "pending": extrawork.pending(order)}


def screen_context(person: Staff | None, view: str, **extra) -> dict:
    context = {"person": person, "view": view if person is not None else "idle", "loss_labels": clock.LOSS_LABELS,
               # The bay is a shared screen: its header shows this station only (no tabs, login, language).
               "kiosk_chrome": _("Workshop bay"),
               "request_labels": partsrequests.LABELS, "job_status_labels": clock.JOB_STATUS_LABELS,
               "bay_idle_seconds": idle_seconds(), "camera_photo": camera_photo_possible()}
    if person is not None:
        context.update(running_context(person))
        if view == "home":
            context.update(home_context(person))
    context.update(extra)
    return context


def answer(person, view: str, message, ok: bool = True, **extra):
    """The new screen and the message. Without htmx (no script) the message is
    flashed and the screen's own page loads."""
    context = screen_context(person, view, **extra)
    if not wants_fragment():
        flash(str(message), "success" if ok else "warning")
        if context.get("view") == "order":
            return redirect(url_for("bay.order", number=context["order"].number))
        return redirect(url_for("bay.index"))
    response = scan_reply(message, ok, render_template(SCREEN, **context))
    if context.get("view") == "order":
        response.headers["HX-Push-Url"] = url_for("bay.order", number=context["order"].number)
    elif context.get("view") in ("home", "idle"):
        response.headers["HX-Push-Url"] = url_for("bay.index")
    return response


def show_order(person, order: WorkOrder, message, ok: bool = True, focus=None, **extra):
    return answer(person, "order", message, ok, **order_context(person, order, focus), **extra)


def card_html(person, job: JobLine, **extra) -> str:
    """One job's card as the order's screen shows it (``extra``: a form's values kept)."""
    job = JobLine.get_by_id(job.id)  # its status and technician as they are now
    order = WorkOrder.get_by_id(job.work_order_id)
    context = screen_context(person, "order", **order_context(person, order, focus=job), **extra)
    return render_template("bay/_job_card.html", job=job, **context)


def show_job(person, job: JobLine, message, ok: bool = True, **extra):
    """The answer to a job's own button: its card alone when the card asked (it targets
    itself), else the order's screen (a button elsewhere, or no script)."""
    if wants_fragment(f"job-{job.id.hex}"):
        return scan_reply(message, ok, card_html(person, job, **extra))
    order = WorkOrder.get_by_id(job.work_order_id)  # its status may have moved
    return show_order(person, order, message, ok, focus=job, **extra)


@bp.get("/", endpoint="index")
def index():
    person = bay_person()
    return render(PAGE, SCREEN, **screen_context(person, "home" if person else "idle"))


@bp.get("/orders/<number>")
def order(number):
    person = bay_person()
    if person is None:
        return redirect(url_for("bay.index"))
    try:
        found = workorders.get_by_number(number)
    except NotFound as error:
        flash(str(error.message), "warning")
        return redirect(url_for("bay.index"))
    return render(PAGE, SCREEN, **screen_context(person, "order", **order_context(person, found)))


@bp.get("/jobs/<job_id>/card")
def job_card(job_id):
    """A job's card again (its refresh on an event); nothing when the badge session ended."""
    person = bay_person()
    job = JobLine.get_or_none(JobLine.id == parse_id(job_id)) if parse_id(job_id) else None
    if person is None or job is None or job.deleted:
        return reply(_("This job is no longer on the work order."), False) if person else reply("", False)
    return card_html(person, job)


@bp.get("/orders/<number>/head")
def order_head(number):
    """The order's header again (refreshed when the order changes)."""
    person = bay_person()
    try:
        found = workorders.get_by_number(number)
    except NotFound:
        return reply(_("No work order with this number."), False)
    if person is None:
        return reply("", False)
    return render_template("bay/_order_head.html", **order_context(person, found))


@bp.get("/running")
def running():
    """The running-clock strip alone (refreshed when any clock changes, e.g. closed at shift end)."""
    person = bay_person()
    if person is None:
        return render_template("bay/_running.html", person=None)
    return render_template("bay/_running.html", person=person, **running_context(person))


@bp.post("/leave")
def leave():
    end_session()
    return answer(None, "idle", _("Badge out. See you later."))


def _badge(person: Staff):
    """A badge at the bay: technicians get their jobs on the badge alone; a QC inspector,
    a foreman or a manager types their PIN first, then goes to the QC gate or to dispatching."""
    if person.has_role("technician"):
        open_session(person)
        return answer(person, "home", _("Hello, %(name)s.", name=person.name))
    try:
        if person.has_role("qc"):
            return ask_pin(person.badge, url_for("workshop.qc"), url_for("bay.index"))
        if allowed(person.role_list, "dispatch"):
            return ask_pin(person.badge, url_for("workshop.index"), url_for("bay.index"))
    except BuildError:
        pass  # this node does not run the workshop pages
    return reply(_("This badge has no work at the bay."), False)


@bp.post("/pin")
def badge_pin():
    """The PIN typed after a badge at the bay or the QC gate: the badge session for that person,
    PIN included, then the page they came for. Wrong PINs count like at the login page."""
    badge, next_url = request.form.get("badge", ""), safe_next(request.form.get("next"))
    try:
        person = staff_service.login(badge, request.form.get("pin", ""), client=request.remote_addr or "")
    except ServiceError as error:
        card = render_template("bay/_badge_pin.html", badge=staff_service.normalize_badge(badge)[:32],
                               next=next_url, cancel=url_for("bay.index"), error=error.message)
        return scan_reply(error.message, False, card, status=200)
    open_session(person, pin=True)
    return go_to(next_url)


@bp.post("/scan")
def scan():
    done = scan_from_request("bay")
    unknown = answer_unknown(done)
    if unknown is not None:
        return unknown
    if done.kind == "badge":
        return _badge(done.code.ref)
    if done.kind not in ("work_order", "job_line"):
        return not_used_here(done)
    person = bay_person()
    if person is None:
        return reply(_("Scan your badge first, then the work order."), False)
    job = done.code.ref if done.kind == "job_line" else None
    found = job.work_order if job else done.code.ref
    if found.status == "cancelled" or not workorders.is_editable(found):
        return reply(_("Work order %(number)s is settled or cancelled: there is nothing to do on it at the bay.",
                       number=found.number), False)
    context = order_context(person, found, job)
    if context["problem"]:
        return answer(person, "order", context["problem"], False, **context)
    return answer(person, "order", _("Work order %(number)s: choose a job.", number=found.number), True,
                  **context)
