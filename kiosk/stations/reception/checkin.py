"""Vehicle check-in (接车): find the car (or create it on the spot), then the
walk-around record that opens its work order.

``/reception/check-in``                  find the vehicle (``?q=`` searches)
``/reception/check-in?vehicle=<id>``     walk-around for a vehicle on file
``/reception/check-in?appointment=<id>`` walk-around for a booked car, pre-filled
``/reception/check-in?new=1&plate=…``    walk-around with a new customer and vehicle
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from kiosk.access import current_staff, requires
from kiosk.forms.reception import POWERTRAIN_LABELS, CheckInForm
from kiosk.services import appointments as booking
from kiosk.services import campaigns, consent, customers, identifiers
from kiosk.core.errors import NotFound, ServiceError
from kiosk.services.workorders import DAMAGE_KINDS
from kiosk.stations.reception import bp
from kiosk.stations.reception.desk import search, work_order_url
from kiosk.templating import render


@lru_cache(maxsize=4)
def _outline(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def car_outline() -> Markup:
    """The car's top-view outline, inlined so the damage marks sit on it (static/car-outline.svg)."""
    return Markup(_outline(str(Path(current_app.static_folder) / "car-outline.svg")))


def _find_page(status: int = 200, error=None):
    return render("reception/checkin_find.html", "reception/_search_results.html", purpose="checkin",
                  error=error, **search(request.args.get("q", ""))), status


@bp.route("/check-in", methods=["GET", "POST"])
@requires("reception")
def check_in():
    """Find the vehicle, then record the walk-around and open the work order."""
    form = CheckInForm()
    posted = request.method == "POST"
    if posted:
        appointment_id, vehicle_id = form.appointment_id.data, form.vehicle_id.data
    else:
        appointment_id, vehicle_id = request.args.get("appointment"), request.args.get("vehicle")
    appointment = vehicle = None
    try:
        if appointment_id:
            appointment = booking.get(appointment_id)
            vehicle = appointment.vehicle
        elif vehicle_id:
            vehicle = customers.get_vehicle(vehicle_id)
    except NotFound as exc:
        return _find_page(404, exc.message)
    if appointment is not None and appointment.status != "booked":
        return render_template("reception/checkin_done.html", appointment=appointment), 409
    if vehicle is None and not posted and not request.args.get("new"):
        return _find_page()

    if vehicle is not None:
        form.vehicle_id.data = vehicle.id.hex
    if appointment is not None:
        form.appointment_id.data = appointment.id.hex
    if not posted:
        _prefill(form, vehicle, appointment)
        return _form_page(form, vehicle, appointment)

    status = 400
    if form.validate():
        me = current_staff()
        try:
            photos = {"photos": form.uploads(), "folder": current_app.config["BLOB_FOLDER"]}
            if appointment is not None:
                order = booking.check_in(appointment, form.complaint.data, walkaround=form.walkaround(), staff=me,
                                         consents=form.consent_answer(), **photos)
            else:
                order = booking.check_in_walk_in(vehicle=vehicle, new=form.new_vehicle(),
                                                 complaint=form.complaint.data, walkaround=form.walkaround(),
                                                 advisor=me, staff=me, consents=form.consent_answer(), **photos)
        except ServiceError as exc:
            form.add_service_error(exc)
            status = exc.status if exc.status in (404, 409) else 400
        else:
            flash(_("Checked in: work order %(number)s is open.", number=order.number), "success")
            return redirect(work_order_url(order.number))
    return _form_page(form, vehicle, appointment, status)


def _prefill(form: CheckInForm, vehicle, appointment) -> None:
    """What the desk already knows: the booked service as the complaint, the warranty, a new car's plate."""
    if appointment is not None:
        form.complaint.data = appointment.service
    form.under_warranty.data = customers.warranty_active(vehicle)
    form.consents.data = consent.asked_defaults(vehicle.customer if vehicle is not None else None)
    if vehicle is not None:  # a green plate is an electric or plug-in car until said otherwise
        form.powertrain.data = vehicle.powertrain or ("ev" if identifiers.is_new_energy_plate(vehicle.plate) else "")
    if vehicle is None:
        for key in ("plate", "vin", "phone", "name", "model"):
            if request.args.get(key):
                form[key].data = request.args[key]


def _form_page(form: CheckInForm, vehicle, appointment, status: int = 200):
    return render_template("reception/checkin.html", form=form, vehicle=vehicle, appointment=appointment,
                           consent_purposes=consent.PURPOSES,
                           car_outline=car_outline(), damage_kinds=DAMAGE_KINDS, powertrains=POWERTRAIN_LABELS,
                           history=campaigns.history(vehicle) if vehicle is not None else None), status
