"""Who is at the kiosk: badge-and-PIN sessions, idle logout, and role checks."""
from __future__ import annotations

import functools
import time

from flask import Flask, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from kiosk.models import Staff
from kiosk.roles import allowed
from kiosk.services.prepared import Prepared


# Every page and form asks who is logged in: the query's SQL is built once.
_ACTIVE_STAFF = Prepared(lambda slot: Staff.select().where(
    (Staff.id == slot(Staff.id)) & (Staff.active == True)))  # noqa: E712


def current_staff() -> Staff | None:
    if "staff" not in g:
        staff_id = session.get("staff_id")
        g.staff = _staff_by_id(staff_id) if staff_id else None
    return g.staff


def _staff_by_id(staff_id: str) -> Staff | None:
    try:
        return _ACTIVE_STAFF.first(staff_id)
    except ValueError:  # not a staff id at all (a cookie from another program)
        return None


def log_in(staff: Staff) -> None:
    lang = session.get("lang")
    session.clear()  # a fresh session per login: nothing of the last person carries over
    if lang:
        session["lang"] = lang
    session["staff_id"] = staff.id.hex
    session["seen"] = time.time()
    g.staff = staff


def log_out() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.staff = None


def may(permission: str) -> bool:
    staff = current_staff()
    return staff is not None and allowed(staff.role_list, permission)


def go_to(url: str):
    """A redirect that also works when htmx made the request."""
    if request.headers.get("HX-Request") == "true":
        response = current_app.make_response("")
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def requires(permission: str):
    """Only staff whose role grants ``permission`` may use the view."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                return go_to(url_for("auth.login", next=request.full_path))
            if not allowed(staff.role_list, permission):
                return render_template("forbidden.html", permission=permission), 403
            return view(*args, **kwargs)

        return wrapped

    return decorator


# The pages of each station, by blueprint: the workshop's pages (dispatch, QC, the
# board) stand beside the bay; everything else (home, settings …) is "other".
_STATION_OF_BLUEPRINT = {"reception": "reception", "bay": "bay", "workshop": "workshop", "parts": "parts",
                         "cashier": "cashier", "care": "care", "hub": "hub"}


def idle_seconds(station: str | None = None) -> int:
    """How long a session lasts untouched at ``station`` (the page's own, by default).

    ``IDLE_SECONDS`` maps stations to seconds (a bay short, reception and the
    cashier long: a customer conversation must not end in a logout); a station
    not in it takes ``IDLE_TIMEOUT_SECONDS``. ``BAY_IDLE_SECONDS``, the older
    setting, still sets the bay's.
    """
    config = current_app.config
    if station is None:
        station = _STATION_OF_BLUEPRINT.get(request.blueprint or "", "other") if request else "other"
    if station == "bay" and config.get("BAY_IDLE_SECONDS"):
        return int(config["BAY_IDLE_SECONDS"])
    return int((config.get("IDLE_SECONDS") or {}).get(station) or config["IDLE_TIMEOUT_SECONDS"])


def init_app(app: Flask) -> None:
    @app.before_request
    def _idle_logout():
        if "staff_id" not in session or request.endpoint in (None, "static") or request.path.startswith("/api/"):
            return None
        now = time.time()
        if request.endpoint == "stream.events":
            return None  # the live stream is not a person touching the screen
        if now - session.get("seen", 0) > idle_seconds():
            log_out()
            flash(_("You were logged out after a while without use."), "info")
            return go_to(url_for("home.index"))
        if now - session.get("seen", 0) > 5:
            session["seen"] = now  # not on every request: each change re-signs the session cookie
        return None
