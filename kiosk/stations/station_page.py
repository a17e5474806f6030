"""``/settings/station``: this kiosk's idle time per station and its scanning cameras
(manager, administrator).

Saved in the node's database (kiosk.services.station_settings, the one place
that says how long a session lasts untouched): they go to the hub with the
printers in each sync, so a PC that replaces this one gets them.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.services import station_settings
from kiosk.services.errors import ServiceError
from kiosk.stations.settings import bp


def _area_names() -> dict:
    """What each row of the idle times is called on the page."""
    return {"reception": _("Reception"), "bay": _("Workshop bay (badge at the bay)"),
            "workshop": _("Dispatch, quality check and the wall board"), "parts": _("Parts counter"),
            "cashier": _("Cashier"), "care": _("Customer care"), "hub": _("Head office"),
            "other": _("Other pages (home, settings)")}


def _idle_rows(typed: dict | None = None) -> list[dict]:
    """One row per station this node runs: the idle time in force (or as typed) and the default."""
    names = _area_names()
    return [{"area": area, "label": names[area],
             "value": typed.get(area, "") if typed is not None else station_settings.idle_seconds(area),
             "default": station_settings.default_idle_seconds(area)}
            for area in station_settings.idle_areas()]


def _page(typed: dict | None = None, cameras: str | None = None, error=None, status: int = 200):
    if cameras is None:
        cameras = "\n".join(station_settings.cameras())
    return render_template("settings/station.html", rows=_idle_rows(typed), cameras=cameras, error=error), status


@bp.get("/station")
@requires("reports")
def station():
    """The idle time of each station on this kiosk and its cameras."""
    return _page()


@bp.post("/station")
@requires("reports")
def save_station():
    """Save the idle times (an empty field: the store's default) and the cameras."""
    typed = {area: request.form.get(f"idle-{area}", "") for area in station_settings.idle_areas()}
    try:
        station_settings.save(typed, request.form.get("cameras", ""))
    except ServiceError as error:
        return _page(typed, request.form.get("cameras", ""), error, 400)
    flash(_("Saved. Cameras change at the next start of bayflow on this PC."), "success")
    return redirect(url_for("settings.station"))
