"""The old-parts store by scan: choose what the scan does (into a bin, into the open
return shipment, scrapped), scan the old-part tag; the parts in the store, the
shipment's packing list to print."""
from __future__ import annotations

from flask import render_template, request, session, url_for
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.core.errors import ServiceError
from kiosk.services import old_parts as service
from kiosk.stations.claims import bp, clerk, done, refused

SHIPMENT = "claims_shipment"  # the return shipment this kiosk is packing (its number)


@bp.get("/old-parts")
@requires("claims")
def old_parts():
    """The scan page: the action, the bin or shipment, the tag; the store's contents."""
    return render_template("claims/old_parts.html", parts=service.in_store(), places=service.PLACE_LABELS,
                           shipment=session.get(SHIPMENT, ""), action=request.args.get("action", "store"),
                           bin=request.args.get("bin", ""), overdue=service.overdue, claim_of=service.claim_of, active="old_parts")


@bp.post("/old-parts/scan")
@requires("claims")
def old_part_scan():
    """One scanned tag: stored in the bin, packed into the shipment, or scrapped."""
    form = request.form
    action, bin = form.get("action", "store"), form.get("bin", "")
    try:
        scan = service.scan(form.get("code", ""), action, bin=bin, shipment=session.get(SHIPMENT, ""),
                            staff=clerk(), terminal="claims")
    except ServiceError as error:
        return refused(error, "claims.old_parts", action=action, bin=bin)
    return done(_("Old part %(tag)s: %(place)s.", tag=scan.tag.number, place=service.PLACE_LABELS[action]),
                "claims.old_parts", action=action, bin=bin)


@bp.post("/old-parts/shipment")
@requires("claims")
def new_shipment():
    """Start a return shipment: the next scans with "ship" go into it."""
    session[SHIPMENT] = service.new_shipment()
    return done(_("Return shipment %(number)s started.", number=session[SHIPMENT]), "claims.old_parts",
                action="ship")


@bp.get("/old-parts/shipments/<number>")
@requires("claims")
def packing_list(number: str):
    """The shipment's packing list, for the print dialog."""
    return render_template("claims/packing_list.html", number=number, rows=service.packing_list(number),
                           back=url_for("claims.old_parts", action="ship"))
