"""The 三包 watch on the claims desk: the cars within validity that are close to a limit,
and one car's counters, windows and visits (by plate, VIN or work order)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.core.errors import ServiceError
from kiosk.services import sanbao as service
from kiosk.services import customers, workorders
from kiosk.stations.claims import bp, refused


@bp.get("/sanbao")
@requires("claims")
def sanbao():
    """The cars the watch warns about, or the car looked up."""
    query = request.args.get("q", "").strip()
    vehicle = None
    if query:
        try:
            vehicle = workorders.get_by_number(query).vehicle
        except ServiceError:
            found = customers.find_vehicles(query, limit=1)
            if not found:
                return refused(ServiceError(_("No car with this plate, VIN or work order.")), "claims.sanbao")
            vehicle = found[0]
    return render_template("claims/sanbao.html", query=query, vehicle=vehicle,
                           watch=service.watch(vehicle) if vehicle else None,
                           watched=[] if vehicle else service.watched(), active="sanbao")
