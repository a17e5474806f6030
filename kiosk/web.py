"""The web pages of a node: CSRF, htmx, every station's blueprint, the error pages.

The top of the import graph: it imports every station; nothing imports it but
the app factory (``kiosk.app``), and only for a node that serves pages.
"""
from __future__ import annotations

from flask import Flask, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from htmx_flask import Htmx

from kiosk import STATIONS, access, templating
from kiosk.stations import (api, auth, camera as camera_page, home, hub, print_api, reception, scanning,
                            settings as settings_pages, stream, sync_api)
from kiosk.stations.bay import bp as bay_bp
from kiosk.stations.parts import bp as parts_bp
from kiosk.stations.workshop import bp as workshop_bp
from kiosk.templating import error_page

csrf = CSRFProtect()


def enabled_stations(app: Flask) -> list[str]:
    station = app.config["STATION"]
    return list(STATIONS) if station == "all" else [station]


def init_app(app: Flask) -> None:
    """Register the pages of every station this node runs."""
    csrf.init_app(app)
    Htmx(app)
    access.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(stream.bp)
    app.register_blueprint(print_api.bp)  # print buttons
    app.register_blueprint(settings_pages.bp)  # printer settings, staff badges
    app.register_blueprint(scanning.bp)
    app.register_blueprint(camera_page.bp)  # the installers' camera page
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # token-authenticated, no cookies
    app.register_blueprint(sync_api.bp)
    csrf.exempt(sync_api.bp)  # sealed envelopes between paired nodes, no cookies

    if app.config["ROLE"] == "hub":
        app.register_blueprint(hub.bp)

    available = {"reception": reception.bp, "parts": parts_bp, "bay": bay_bp}
    for name in enabled_stations(app):
        if name in available:
            app.register_blueprint(available[name])
    app.config["ENABLED_STATIONS"] = [s for s in enabled_stations(app) if s in available]
    if "bay" in enabled_stations(app):  # the foreman's dispatch, QC and wall board go with the bay station
        app.register_blueprint(workshop_bp)

    templating.init_app(app)

    @app.after_request
    def _which_process(response):
        # With several server processes: which one answered (support, and the tests).
        process = app.config["SERVER_PROCESS"]
        if process is not None:
            response.headers["X-Bayflow-Process"] = str(process)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_page(400, "csrf"), 400

    @app.errorhandler(404)
    def not_found(error):
        if request.path.startswith("/api/"):
            return {"error": "not_found", "detail": None}, 404
        return error_page(404, "not_found"), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        if request.path.startswith("/api/"):
            return {"error": "method_not_allowed", "detail": None}, 405
        return error_page(405, "not_found"), 405

