"""Changing a work order over the API: its check-in fields, a new job line, its status.

Not in the original contract; added for integrations (and the sync tests,
which make random edits on several nodes through these calls).
"""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.services import workorders
from kiosk.stations.api import BadRequest, amount, bp, json_object, text, whole

EDITABLE_TEXT = ("complaint", "belongings", "notes")


@bp.patch("/work-orders/<number>")
def edit_work_order(number: str):
    """``{"complaint"?, "belongings"?, "notes"?, "mileage"?, "promised_at"? (ISO)}``"""
    body = json_object()
    order = workorders.get_by_number(number)
    changes = {key: text(body, key, key) for key in EDITABLE_TEXT if key in body}
    if "mileage" in body:
        changes["mileage"] = whole(body, "mileage", "mileage")
    if "promised_at" in body:
        raw = text(body, "promised_at", "promised_at", required=False)
        try:
            changes["promised_at"] = times.parse_local(raw) if raw else None  # no offset: the store's time
        except ValueError:
            raise BadRequest(_("Enter the date and time as YYYY-MM-DDTHH:MM."), field="promised_at")
    if not changes:
        raise BadRequest(_("Nothing to change."), field=None)
    workorders.update_walkaround(order, **changes)
    return jsonify({"number": order.number, "changed": sorted(changes)})


@bp.post("/work-orders/<number>/jobs")
def add_job_line(number: str):
    """``{"description", "hours", "price", "pay_type"?}`` → 201 ``{"id"}``; with ``"operation"`` (a
    labour catalogue code) the description, hours and price left out come from the catalogue."""
    body = json_object()
    order = workorders.get_by_number(number)
    operation = text(body, "operation", "operation", required=False)
    job = workorders.add_job(order, description=text(body, "description", "description", required=not operation),
                             sold_hours=amount(body, "hours", "hours") if "hours" in body or not operation else None,
                             price=amount(body, "price", "price") if "price" in body or not operation else None,
                             pay_type=text(body, "pay_type", "pay_type", required=False) or "customer",
                             operation=operation)
    return jsonify({"id": job.id.hex, "hours": float(job.sold_hours), "price": float(job.price)}), 201


@bp.post("/work-orders/<number>/status")
def move_work_order(number: str):
    """``{"status", "note"?}`` — only the moves a person at reception may make
    (``workorders.RECEPTION_MOVES``) and only as the state machine allows (409 otherwise); never
    to ``authorized``, which only the customer's signature gives (``/authorizations``)."""
    body = json_object()
    order = workorders.get_by_number(number)
    workorders.move_at_reception(order, text(body, "status", "status"),
                                 note=text(body, "note", "note", required=False))
    return jsonify({"number": order.number, "status": order.status})
