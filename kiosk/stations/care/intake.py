"""Registering a complaint from any station: whoever hears it writes it down (its own
blueprint, on every node that serves pages; the care desk follows it up)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, may, requires
from kiosk.core.errors import ServiceError
from kiosk.services import complaints, workorders

bp = Blueprint("complaint_intake", __name__, url_prefix="/complaints")


@bp.route("/new", methods=["GET", "POST"])
@requires("complaint_intake")
def new():
    """The complaint form (``?work_order=`` prefills the order); saved, it goes to the care desk."""
    form = request.form if request.method == "POST" else request.args
    error, status = None, 200
    if request.method == "POST":
        try:
            number = form.get("work_order", "").strip()
            plate = form.get("plate", "").strip()
            order = workorders.get_by_number(number) if number else None
            vehicle = complaints.vehicle_for_plate(plate) if order is None and plate else None
            row = complaints.open_complaint(current_staff(), channel=form.get("channel", ""),
                                            category=form.get("category", ""), text=form.get("text", ""),
                                            work_order=order, vehicle=vehicle)
        except ServiceError as exc:
            error, status = exc, exc.status if exc.status in (404, 409) else 400
        else:
            flash(_("Complaint %(number)s registered; the care desk follows it up.", number=row.number), "success")
            if may("care"):
                return redirect(url_for("care.complaint", number=row.number))
            return redirect(url_for("home.index"))
    return render_template("care/complaint_new.html", form=form, error=error, channels=complaints.CHANNELS,
                           categories=complaints.CATEGORIES, active="complaints"), status
