"""The reception desk's front page."""
from __future__ import annotations

from flask import render_template

from kiosk.access import requires
from kiosk.stations.reception import bp


@bp.get("/")
@requires("reception")
def index():
    return render_template("reception/index.html")
