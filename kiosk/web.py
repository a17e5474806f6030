"""The web pages of a node: CSRF, htmx, every station's blueprint, the error pages.

The top of the import graph: it imports every station; nothing imports it but
the app factory (``kiosk.app``), and only for a node that serves pages.
"""
from __future__ import annotations

from flask import Flask, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from htmx_flask import Htmx

from kiosk import STATIONS, access, logs, templating
from kiosk.core.errors import ServiceError
from kiosk.services.files import DiskFull, is_disk_full
from kiosk.stations import (api, auth, camera as camera_page, home, hub, phones, print_api, reception, scanning,
                            settings as settings_pages, stream, sync_api)
from kiosk.stations import delivery as delivery_pages
from kiosk.stations.bay import bp as bay_bp
from kiosk.stations.care import bp as care_bp
from kiosk.stations.care import intake as complaint_intake
from kiosk.stations.claims import bp as claims_bp
from kiosk.stations.figures import bp as figures_bp
from kiosk.stations.cashier import bp as cashier_bp
from kiosk.stations.parts import bp as parts_bp
from kiosk.stations.workshop import bp as workshop_bp
from kiosk.templating import error_page, security_headers, trigger, wants_fragment

csrf = CSRFProtect()


def enabled_stations(app: Flask) -> list[str]:
    station = app.config["STATION"]
    return list(STATIONS) if station == "all" else [station]


def init_app(app: Flask) -> None:
    """Register the pages of every station this node runs."""
    csrf.init_app(app)
    Htmx(app)
    logs.init_app(app)  # a request id on every request and log line
    access.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(stream.bp)
    app.register_blueprint(print_api.bp)  # print buttons
    app.register_blueprint(settings_pages.bp)  # printer settings, staff badges
    app.register_blueprint(scanning.bp)
    app.register_blueprint(camera_page.bp)  # the installers' camera page
    app.register_blueprint(complaint_intake.bp)  # whoever hears a complaint registers it, at any station
    app.register_blueprint(figures_bp)  # the manager's figures: every node, from its own data, and the hub
    app.register_blueprint(phones.bp)  # the audited unmask of a masked phone, from any station's page
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # token-authenticated, no cookies
    app.register_blueprint(sync_api.bp)
    csrf.exempt(sync_api.bp)  # sealed envelopes between paired nodes, no cookies

    if app.config["ROLE"] == "hub":
        app.register_blueprint(hub.bp)

    available = {"reception": reception.bp, "parts": parts_bp, "bay": bay_bp, "cashier": cashier_bp, "care": care_bp}
    for name in enabled_stations(app):
        if name in available:
            app.register_blueprint(available[name])
    app.config["ENABLED_STATIONS"] = [s for s in enabled_stations(app) if s in available]
    if "bay" in enabled_stations(app):  # the foreman's dispatch, QC and wall board go with the bay station
        app.register_blueprint(workshop_bp)
    if "care" in enabled_stations(app):  # the claims desk (the claims role) is part of the care station
        app.register_blueprint(claims_bp)
    if {"reception", "cashier"} & set(enabled_stations(app)):  # the car is handed back at either
        app.register_blueprint(delivery_pages.bp)

    templating.init_app(app)

    @app.after_request
    def _security_headers(response):
        return security_headers(response)

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

    @app.errorhandler(ServiceError)
    def refused(error):
        # A rule said no where the view did not expect it (say, a text too long for
        # its field): the person reads why, nothing was written. The API has its own.
        return _failure(error.status, "refused", str(error.message))

    @app.errorhandler(500)
    def internal_error(error):
        # An exception no view expected. A full disk is the one a kiosk meets in the
        # field (SQLite's "database or disk is full", ENOSPC writing a file): say so,
        # in the person's language; the transaction was rolled back, nothing half-saved.
        cause = getattr(error, "original_exception", None) or error
        app.logger.error("%s %s failed: %r", request.method, request.path, cause)
        if is_disk_full(cause):
            return _failure(507, "disk_full", str(DiskFull().message))
        return _failure(500, "internal", _("Something went wrong on this kiosk. Nothing was saved; try again, "
                                           "and tell IT if it happens again."))


def _failure(status: int, kind: str, message: str):
    """An unexpected failure as the caller reads it: JSON for the API, the message in the
    scan bar for an htmx swap (static/kiosk.js lets it swap), a page otherwise."""
    if request.path.startswith("/api/"):
        return {"error": kind, "detail": {"message": message}}, status
    if wants_fragment():
        bar = render_template("_scan_bar.html", scan_message=message, scan_ok=False, oob=True)
        response = trigger(make_response(bar, status), feedback=False)
        response.headers.update({"HX-Reswap": "none", "X-Bayflow-Failure": kind})
        return response
    return render_template("error.html", status=status, kind=kind, message=message), status

