"""The node's front page: the stations it runs, or the station itself when it runs one."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for

from kiosk.access import may
from kiosk.services import complaints

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    stations = current_app.config["ENABLED_STATIONS"]
    if current_app.config["STATION"] != "all" and len(stations) == 1:
        return redirect(url_for(f"{stations[0]}.index"))
    return render_template("home/index.html", **overdue_complaints())


def overdue_complaints() -> dict:
    """For the manager's pages: the overdue complaints (red), and which pages this node has."""
    if not may("reports"):
        return {"overdue_complaints": []}
    return {"overdue_complaints": complaints.listing("overdue"), "url_endpoints": current_app.view_functions}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page, whatever the page's <link rel=icon> says."""
    return current_app.send_static_file("favicon.ico")


@bp.get("/sync-status")
def sync_status():
    """The status bar alone, refreshed by htmx after each sync."""
    return render_template("_sync_status.html")
