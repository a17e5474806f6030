"""A customer's phone on a shared screen: masked everywhere, shown whole only by the audited
unmask (kiosk.services.consent.unmask). Its own blueprint, on every node that serves pages,
so any station's page (the reception desk's work order, the care desk) can offer the tap.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from kiosk.access import current_staff, may, requires
from kiosk.services import consent

bp = Blueprint("phones", __name__, url_prefix="/phones")


@bp.app_context_processor
def _phone_helpers() -> dict:
    # templates/_phone.html offers the tap only to those who may unmask.
    return {"may_unmask": lambda: may("unmask")}


@bp.post("/<customer_id>/unmask")
@requires("unmask")
def unmask(customer_id: str):
    """The full number in place of the masked one (recorded: who, when, which customer, which screen)."""
    return render_unmasked(customer_id)


def render_unmasked(customer_id: str):
    """The partial with the whole number, after recording who saw it (shared by the care desk's route)."""
    who = consent.get_customer(customer_id)
    phone = consent.unmask(current_staff(), who, request.form.get("screen", ""))
    return render_template("_phone.html", customer=who, full=phone)
