"""Settings of this kiosk: which printer each station uses, and the print queue;
the staff's badges; this kiosk's idle time and cameras (``/settings/station``).

``/settings/printers`` lists, per station (and the node's default), the
printer for labels, for slips and for A4, each row its own form that htmx
saves in place; below, the recent print jobs with a Retry on the failed ones.
For the service manager and the administrator.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, requires
from kiosk.models.printing import PrinterSetting
from kiosk.roles import label as role_label
from kiosk.services import printer_settings as settings
from kiosk.services import pin_lock, printing, station_settings
from kiosk.services.staff import active_staff
from kiosk.core.errors import ServiceError
from kiosk.templating import render, trigger

bp = Blueprint("settings", __name__, url_prefix="/settings")

PAGE = "settings/printers.html"
ROW = "settings/_printer_row.html"


def _names() -> dict:
    """The translated names the page shows for stations, purposes, printer kinds and modes."""
    return {
        "stations": {"all": _("Every station (default)"), "reception": _("Reception"), "bay": _("Workshop bay"),
                     "parts": _("Parts counter"), "cashier": _("Cashier"), "care": _("Customer care")},
        "purposes": settings.PURPOSES, "kinds": settings.PRINTER_KINDS, "modes": settings.MODE_NAMES,
        "allowed": settings.ALLOWED, "mode_choices": settings.MODES,
    }


def _row(station: str, purpose: str, setting, **extra):
    return {"station": station, "purpose": purpose, "setting": setting, **extra}


def _rows(changed: dict | None = None) -> list[dict]:
    """Every (station, purpose) row; ``changed`` replaces its own row (just saved or refused)."""
    saved = settings.settings_table()
    rows = [_row(station, purpose, saved.get((station, purpose)))
            for station in settings.stations() for purpose in settings.PURPOSES]
    if changed:
        rows = [changed if (r["station"], r["purpose"]) == (changed["station"], changed["purpose"]) else r
                for r in rows]
    return rows


def _page(changed: dict | None = None):
    return render(PAGE, ROW, rows=_rows(changed), row=changed, jobs=printing.recent_jobs(), names=_names(),
                  error_message=printing.error_message, kind_names=printing.KIND_NAMES)


@bp.get("/printers")
@requires("reports")
def printers():
    """Every station's printers and the recent print jobs."""
    return render(PAGE, None, rows=_rows(), jobs=printing.recent_jobs(), names=_names(),
                  error_message=printing.error_message, kind_names=printing.KIND_NAMES)


@bp.post("/printers/<station>/<purpose>")
@requires("reports")
def save(station, purpose):
    """Save one row; answers with the row (saved, or the message at the field)."""
    if station not in settings.stations() or purpose not in settings.PURPOSES:
        abort(404)
    form = request.form
    try:
        setting = settings.save_printer(station, purpose, form.get("kind", ""), form.get("address", ""),
                                        form.get("queue", ""), form.get("mode", ""))
    except ServiceError as error:
        unsaved = PrinterSetting(station=station, purpose=purpose, kind=form.get("kind", "browser"),
                                 address=form.get("address", ""), queue=form.get("queue", ""),
                                 mode=form.get("mode", ""))
        response = _page(_row(station, purpose, unsaved, error=error.message, field=error.field))
        response.status_code = 422
        return trigger(response, feedback=False)
    return trigger(_page(_row(station, purpose, setting, saved=True)), feedback=True)


@bp.get("/staff")
@requires("reports")
def staff_badges():
    """The store's staff with their roles, each badge printable (a new or lost badge); a badge
    locked by wrong PINs shows until when, with the manager's Unlock."""
    return _staff_page()


def _staff_page(status: int = 200):
    response = render("settings/staff.html", None, people=active_staff(), role_label=role_label,
                      locked=pin_lock.locked_badges())
    response.status_code = status
    return response


@bp.post("/staff/<badge>/unlock")
@requires("reports")
def unlock_badge(badge):
    """A manager lets a colleague locked out by wrong PINs back in (their next wrong PIN locks again)."""
    try:
        pin_lock.unlock(badge, current_staff())
    except ServiceError as error:
        flash(str(error.message), "warning")
        return _staff_page(status=409)
    flash(_("Badge %(badge)s is unlocked. The next wrong PIN locks it again.", badge=badge), "success")
    return redirect(url_for("settings.staff_badges"))


# /settings/station: this kiosk's idle time per station and its scanning cameras, saved in the
# node's database (kiosk.services.station_settings, the one place that says how long a session
# lasts untouched); they go to the hub with the printers in each sync, so a PC that replaces this
# one gets them.
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


def _station_page(typed: dict | None = None, cameras: str | None = None, error=None, status: int = 200):
    if cameras is None:
        cameras = "\n".join(station_settings.cameras())
    return render_template("settings/station.html", rows=_idle_rows(typed), cameras=cameras, error=error), status


@bp.get("/station")
@requires("reports")
def station():
    """The idle time of each station on this kiosk and its cameras."""
    return _station_page()


@bp.post("/station")
@requires("reports")
def save_station():
    """Save the idle times (an empty field: the store's default) and the cameras."""
    typed = {area: request.form.get(f"idle-{area}", "") for area in station_settings.idle_areas()}
    try:
        station_settings.save(typed, request.form.get("cameras", ""))
    except ServiceError as error:
        return _station_page(typed, request.form.get("cameras", ""), error, 400)
    flash(_("Saved. Cameras change at the next start of bayflow on this PC."), "success")
    return redirect(url_for("settings.station"))
