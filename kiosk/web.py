"""Everything web-facing that is shared by all stations: extensions, blueprints,
the page-or-fragment rule, the status bar, error pages."""
from __future__ import annotations

import secrets

from flask import Flask, current_app, g, has_request_context, render_template, request, session
from flask_babel import Babel
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from htmx_flask import Htmx

from kiosk import STATIONS

LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

babel = Babel()
csrf = CSRFProtect()


def select_locale() -> str:
    """The person's choice for this session; simplified Chinese otherwise (and outside requests)."""
    chosen = session.get("lang") if has_request_context() else None
    return chosen if chosen in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]


def enabled_stations(app: Flask) -> list[str]:
    station = app.config["STATION"]
    return list(STATIONS) if station == "all" else [station]


def init_app(app: Flask) -> None:
    from kiosk import times

    # Pages and prints show times in the store's zone (kiosk.times), one setting for both.
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: times.store_zone().key)
    if not app.config.get("WEB_PAGES", True):
        # A command-line job (sync, token, pairing): translations, no pages. The
        # stations' imports are most of a command's start-up time.
        app.config["ENABLED_STATIONS"] = []
        return
    csrf.init_app(app)
    Htmx(app)
    from kiosk import logs

    logs.init_app(app)  # a request id on every request and log line

    from kiosk import access
    from kiosk.stations import api, auth, home, reception, scanning, stream, sync_api

    access.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(stream.bp)
    from kiosk.stations import print_api, settings as settings_pages  # print buttons, printer settings

    app.register_blueprint(print_api.bp)
    app.register_blueprint(settings_pages.bp)
    app.register_blueprint(scanning.bp)
    from kiosk.stations import camera as camera_page  # the installers' camera page

    app.register_blueprint(camera_page.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # token-authenticated, no cookies
    app.register_blueprint(sync_api.bp)
    csrf.exempt(sync_api.bp)  # sealed envelopes between paired nodes, no cookies

    if app.config["ROLE"] == "hub":
        from kiosk.stations import hub

        app.register_blueprint(hub.bp)

    available = {"reception": reception.bp}
    from kiosk.stations.parts import bp as parts_bp
    available["parts"] = parts_bp
    from kiosk.stations.bay import bp as bay_bp
    available["bay"] = bay_bp
    for name in enabled_stations(app):
        if name in available:
            app.register_blueprint(available[name])
    app.config["ENABLED_STATIONS"] = [s for s in enabled_stations(app) if s in available]
    if "bay" in enabled_stations(app):  # the foreman's dispatch, QC and wall board go with the bay station
        from kiosk.stations.workshop import bp as workshop_bp
        app.register_blueprint(workshop_bp)

    from kiosk import templating

    templating.init_app(app)

    @app.after_request
    def _security_headers(response):
        return security_headers(response)

    @app.after_request
    def _which_process(response):
        # With several server processes: which one answered (support, and the tests).
        process = app.config.get("SERVER_PROCESS")
        if process is not None:
            response.headers["X-Bayflow-Process"] = str(process)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _error_page(400, "csrf"), 400

    @app.errorhandler(404)
    def not_found(error):
        if request.path.startswith("/api/"):
            return {"error": "not_found", "detail": None}, 404
        return _error_page(404, "not_found"), 404

    @app.errorhandler(405)
    def method_not_allowed(error):
        if request.path.startswith("/api/"):
            return {"error": "method_not_allowed", "detail": None}, 405
        return _error_page(405, "not_found"), 405

    from kiosk.services.errors import ServiceError

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
        from kiosk.services.files import DiskFull, is_disk_full

        cause = getattr(error, "original_exception", None) or error
        app.logger.error("%s %s failed: %r", request.method, request.path, cause)
        if is_disk_full(cause):
            return _failure(507, "disk_full", str(DiskFull().message))
        return _failure(500, "internal", _("Something went wrong on this kiosk. Nothing was saved; try again, "
                                           "and tell IT if it happens again."))


def _failure(status: int, kind: str, message: str):
    """An unexpected failure as the caller reads it: JSON for the API, the message in the
    scan bar for an htmx request (static/kiosk.js lets it swap), a page otherwise."""
    if request.path.startswith("/api/"):
        return {"error": kind, "detail": {"message": message}}, status
    if request.headers.get("HX-Request") == "true":
        import json

        bar = render_template("_scan_bar.html", scan_message=message, scan_ok=False, oob=True)
        return bar, status, {"HX-Reswap": "none", "X-Bayflow-Failure": kind,
                             "HX-Trigger": json.dumps({"feedback": "bad"})}
    return render_template("error.html", status=status, kind=kind, message=message), status


def csp_nonce() -> str:
    """This response's nonce for the few ``<style>`` elements made per request (label sizes)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def security_headers(response):
    """What every answer tells the browser (issue #19, item 15).

    The pages load nothing from elsewhere and run no inline script, so the
    policy allows only this node's own files (and the nonce'd ``<style>`` of a
    label page), no eval, no plugins; no other site may frame a page
    (clickjacking a kiosk's buttons); content types are taken as sent.
    """
    headers = response.headers
    style = f"style-src 'self' 'nonce-{g.csp_nonce}'" if has_request_context() and "csp_nonce" in g \
        else "style-src 'self'"
    headers.setdefault("Content-Security-Policy", "; ".join((
        "default-src 'self'", "script-src 'self'", style, "img-src 'self' data: blob:", "connect-src 'self'",
        "font-src 'self'", "media-src 'self' blob:", "object-src 'none'", "base-uri 'none'",
        "form-action 'self'", "frame-ancestors 'none'")))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def send_stored_file(digest: str, mimetype: str):
    """A photo or signature kept by its content hash (kiosk.services.files), or a 404 page.

    Content-addressed: the bytes behind a name never change, so caches may keep them.
    Callers decide who may see it.
    """
    from flask import send_file

    from kiosk.services import files
    from kiosk.services.errors import ServiceError

    try:
        path = files.path_of(current_app.config["BLOB_FOLDER"], digest)
    except ServiceError:
        path = None
    if path is None or not path.exists():
        return _error_page(404, "not_found"), 404
    return send_file(path, mimetype=mimetype, max_age=365 * 24 * 3600)


def _error_page(status: int, kind: str):
    return render_template("error.html", status=status, kind=kind)
