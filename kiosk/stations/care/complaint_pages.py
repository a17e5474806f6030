"""Complaints at the care desk: the list (overdue in red), one complaint with its log and actions."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, requires
from kiosk.core.errors import ServiceError
from kiosk.models import Staff
from kiosk.services import complaints
from kiosk.stations.care import bp

FILTERS = ("open", "overdue", "closed", "all")


@bp.get("/complaints", endpoint="complaints")
@requires("care")
def complaints_list():
    """Complaints by ``?status=`` (open by default): overdue first, then by deadline."""
    status = request.args.get("status", "open")
    status = status if status in FILTERS else "open"
    return render_template("care/complaints.html", rows=complaints.listing(status), status=status, filters=FILTERS,
                           statuses=complaints.STATUSES, channels=complaints.CHANNELS,
                           categories=complaints.CATEGORIES, active="complaints")


@bp.get("/complaints/<number>")
@requires("care")
def complaint(number: str):
    """One complaint: what the customer said, its deadlines, the log, the next action."""
    return _page(complaints.get(number))


def _page(row, error=None, status=200):
    return render_template("care/complaint.html", complaint=row, state=complaints.state(row),
                           log=complaints.events(row), actions=complaints.ACTIONS, statuses=complaints.STATUSES,
                           channels=complaints.CHANNELS, categories=complaints.CATEGORIES,
                           staff=complaints.staff_choices(), error=error, form=request.form,
                           active="complaints"), status


@bp.post("/complaints/<number>/events")
@requires("care")
def complaint_event(number: str):
    """Record an action (the form's ``action``, ``text``, ``to``, ``amount``)."""
    row = complaints.get(number)
    form = request.form
    to = Staff.get_or_none(Staff.badge == form.get("to", "")) if form.get("to") else None
    try:
        amount = Decimal(form["amount"].strip()) if form.get("amount", "").strip() else None
    except InvalidOperation:
        return _page(row, ServiceError(_("Enter the amount as a number."), field="amount"), 400)
    try:
        complaints.act(row, current_staff(), form.get("action", ""), text=form.get("text", ""), to=to,
                       amount=amount)
    except ServiceError as exc:
        return _page(row, exc, exc.status if exc.status in (404, 409) else 400)
    flash(_("Saved: %(action)s.", action=complaints.ACTIONS[form["action"]]), "success")
    return redirect(url_for("care.complaint", number=row.number))
