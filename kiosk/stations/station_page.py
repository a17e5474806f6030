"""``/settings/station``: this kiosk's idle time and scanning cameras (manager, administrator).

Saved in the node's database (kiosk.services.station_settings): they go to the
hub with the printers in each sync, so a PC that replaces this one gets them.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.services import station_settings
from kiosk.services.errors import ServiceError
from kiosk.stations.settings import bp


@bp.get("/station")
@requires("reports")
def station():
    return render_template("settings/station.html", idle=station_settings.idle_seconds(),
                           cameras="\n".join(station_settings.cameras()), error=None)


@bp.post("/station")
@requires("reports")
def save_station():
    try:
        station_settings.save(request.form.get("idle", ""), request.form.get("cameras", ""))
    except ServiceError as error:
        return render_template("settings/station.html", idle=request.form.get("idle", ""),
                               cameras=request.form.get("cameras", ""), error=error), 400
    flash(_("Saved. Cameras change at the next start of bayflow on this PC."), "success")
    return redirect(url_for("settings.station"))
