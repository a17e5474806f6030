"""The reminder list as a work list: call, book in one step, dismiss, send a text."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, requires
from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import appointments, customers, followups, messages, reminder_work, reminders
from kiosk.stations.care import bp

WINDOWS = (7, 14, 30, 60)


@bp.get("/reminders", endpoint="reminders")
@requires("care")
def reminders_page():
    """Open reminders due within ``?within=`` days (7), overdue ones first."""
    raw = request.args.get("within", "7")
    within = int(raw) if raw.isdigit() and int(raw) <= 3650 else 7
    today = times.today()
    return render_template("care/reminders.html", rows=reminders.due(today, within), within=within, windows=WINDOWS,
                           today=today, kinds=reminder_work.KIND_LABELS, outcomes=followups.OUTCOMES,
                           channels=messages.CHANNELS, active="reminders")


def _reminder():
    vehicle = customers.get_vehicle(request.values.get("vehicle"))
    return reminder_work.open_reminder(vehicle, request.values.get("key", ""))


def _back():
    return redirect(url_for("care.reminders", within=request.values.get("within", "7")))


@bp.post("/reminders/act")
@requires("care")
def reminder_act():
    """A call's outcome, a dismissal (with its reason) or a text, for the reminder named in the form."""
    form = request.values  # the text buttons name their channel in the address
    try:
        reminder = _reminder()
        what = form.get("do", "")
        if what == "dismiss":
            reminder_work.dismiss(reminder, current_staff(), form.get("reason", ""))
            flash(_("Reminder dismissed: %(plate)s.", plate=reminder["vehicle"].plate), "success")
        elif what == "text":
            reminder_work.text(reminder, current_staff(), form.get("channel", "sms"))
            flash(_("Message queued in the outbox: %(plate)s.", plate=reminder["vehicle"].plate), "success")
        else:
            reminder_work.call(reminder, current_staff(), form.get("outcome", ""))
            flash(_("Call recorded: %(plate)s.", plate=reminder["vehicle"].plate), "success")
    except ServiceError as exc:
        flash(str(exc.message), "error")
    return _back()


@bp.route("/book", methods=["GET", "POST"])
@requires("care")
def book():
    """Book the car in one step: day, time, what for, advisor (from a reminder, or a repeat fault)."""
    values = request.values
    error, status = None, 200
    try:
        vehicle = customers.get_vehicle(values.get("vehicle"))
        reminder = reminder_work.open_reminder(vehicle, values["key"]) if values.get("key") else None
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return _back()
    advisors = {a.id.hex: a for a in appointments.advisors()}
    if request.method == "POST":
        try:
            when = _when(values.get("day", ""), values.get("time", ""))
            appointment = reminder_work.book(vehicle, current_staff(), when, values.get("service", ""),
                                             advisors.get(values.get("advisor", "")), reminder=reminder)
        except ServiceError as exc:
            error, status = exc, 400
        else:
            flash(_("Appointment booked: %(plate)s on %(when)s.", plate=vehicle.plate,
                    when=times.to_local(appointment.scheduled_at).strftime("%Y-%m-%d %H:%M")), "success")
            return redirect(url_for("care.complaint", number=values["complaint"]) if values.get("complaint")
                            else url_for("care.reminders"))
    tomorrow = times.today() + dt.timedelta(days=1)
    return render_template("care/book.html", vehicle=vehicle, reminder=reminder, advisors=advisors.values(),
                           kinds=reminder_work.KIND_LABELS, error=error, values=values, tomorrow=tomorrow,
                           service=values.get("service") or reminder_work.service_for(reminder),
                           active="reminders"), status


def _when(day: str, time: str) -> dt.datetime:
    try:
        return times.at_local(dt.date.fromisoformat(day.strip()), dt.time.fromisoformat(time.strip()))
    except ValueError:
        raise ServiceError(_("Choose the date and time of the appointment."), field="day")
