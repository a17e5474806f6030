"""Appointments at the desk: list a day, book (for a vehicle on file or a new
customer), cancel. Checking a booked car in is the check-in page's job."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.access import current_staff, requires
from kiosk.forms.reception import BookingForm
from kiosk.services import appointments as booking
from kiosk.services import customers, workorders
from kiosk.core.errors import NotFound, ServiceError
from kiosk.stations.reception import bp
from kiosk.stations.reception.desk import search, work_order_url
from kiosk.templating import render


def _day_from(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


@bp.get("/appointments")
@requires("reception")
def appointments():
    """One day's appointments (``?day=YYYY-MM-DD``, today by default), with tabs for today and tomorrow."""
    today = times.today()
    day = _day_from(request.args.get("day"))
    bad_day = day is None and bool(request.args.get("day"))
    day = day or today
    return render_template("reception/appointments.html", day=day, today=today,
                           tomorrow=today + dt.timedelta(days=1), bad_day=bad_day,
                           appointments=booking.for_day(day)), 400 if bad_day else 200


@bp.route("/appointments/new", methods=["GET", "POST"])
@requires("reception")
def book():
    """Book: find the vehicle (or type a new customer and vehicle), then date, time, service, advisor.

    ``?vehicle=<id>`` chooses a vehicle on file; ``?q=`` searches (a fragment
    for the live search); ``?plate=&vin=&phone=`` prefill a new customer.
    """
    form = BookingForm(advisors={person.id.hex: person for person in booking.advisors()})
    me = current_staff()
    if request.method == "GET":
        if request.args.get("q") is not None:
            return render("reception/book.html", "reception/_search_results.html", purpose="book",
                          form=_booking_defaults(form, me), vehicle=None, **search(request.args["q"]))
        _booking_defaults(form, me)
    vehicle_id = form.vehicle_id.data if request.method == "POST" else request.args.get("vehicle")
    vehicle, status = None, 200
    if vehicle_id:
        try:
            vehicle = customers.get_vehicle(vehicle_id)
            form.vehicle_id.data = vehicle.id.hex
        except NotFound as exc:
            form.vehicle_id.data = ""
            form.form_errors.append(exc.message)
            status = 404
    if request.method == "POST" and status == 200:
        status = 400
        if form.validate():
            try:
                appointment = booking.book_visit(
                    vehicle=vehicle, new=form.new_vehicle(), scheduled_at=form.scheduled_at,
                    service=form.service.data, advisor=form.advisors.get(form.advisor.data))
            except ServiceError as exc:
                form.add_service_error(exc)
                status = exc.status if exc.status in (404, 409) else 400
            else:
                flash(_("Appointment booked: %(plate)s on %(when)s.", plate=appointment.vehicle.plate,
                        when=format_datetime(appointment.scheduled_at, "yyyy-MM-dd HH:mm")), "success")
                return redirect(url_for("reception.appointments",
                                        day=times.local_date(appointment.scheduled_at).isoformat()))
    return render_template("reception/book.html", form=form, vehicle=vehicle, purpose="book",
                           **search("")), status


def _booking_defaults(form: BookingForm, me) -> BookingForm:
    """A fresh booking: tomorrow at nine with the advisor at the desk, new-customer fields from the search."""
    form.day.data = form.day.data or (times.today() + dt.timedelta(days=1)).isoformat()
    form.time.data = form.time.data or "09:00"
    if me is not None and me.has_role("advisor"):
        form.advisor.data = me.id.hex
    for key in ("plate", "vin", "phone", "name", "model"):
        if request.args.get(key):
            form[key].data = request.args[key]
    return form


@bp.post("/appointments/<appointment_id>/cancel")
@requires("reception")
def cancel_appointment(appointment_id: str):
    """Cancel a booked appointment and go back to its day."""
    try:
        appointment = booking.get(appointment_id)
        booking.cancel(appointment)
    except ServiceError as exc:
        flash(str(exc.message), "error")
        if isinstance(exc, NotFound):
            return redirect(url_for("reception.appointments"))
    else:
        flash(_("Appointment cancelled: %(plate)s at %(when)s.", plate=appointment.vehicle.plate,
                when=format_datetime(appointment.scheduled_at, "yyyy-MM-dd HH:mm")), "success")
    return redirect(url_for("reception.appointments", day=times.local_date(appointment.scheduled_at).isoformat()))


@bp.get("/appointments/<appointment_id>/work-order")
@requires("reception")
def appointment_order(appointment_id: str):
    """The work order a checked-in appointment opened."""
    try:
        order = workorders.get_by_id(customers.parse_id(booking.get(appointment_id).work_order_id))
    except NotFound:
        abort(404)
    return redirect(work_order_url(order.number))
