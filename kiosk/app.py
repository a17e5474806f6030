"""The app factory: ``create_app`` builds one node (kiosk or hub) with its stations.

Like flaskr's ``create_app``: settings, the database (migrated to the current
schema), this node's identity, translations, then the pages (``kiosk.web``).
The top of the import graph with ``kiosk.web``, ``kiosk.cli`` and the servers.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from flask import Flask
from flask_babel import Babel

from kiosk import db, migrations
from kiosk.core import config, times
from kiosk.language import select_locale
from kiosk.node import start_node

babel = Babel()


def _instance_secret(instance: Path) -> str:
    """The random secret kept in the instance folder (so sessions survive restarts),
    readable by this user only: made with mode 0600, and narrowed to it if a copy was not."""
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path.read_text().strip()


def _node_secret_key(instance_secret: str, node_id: str) -> str:
    """The key that signs this node's cookies: the instance secret, bound to the node.

    Kiosks installed from one copied folder, or a hub and kiosks started from one
    instance folder on one PC (cookies go to every port of a host), each sign with
    a key of their own, so a session made on one node means nothing on another.
    """
    return hmac.new(instance_secret.encode(), f"bayflow-session:{node_id}".encode(), hashlib.sha256).hexdigest()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. ``test_config`` overrides settings (tests, the CLI's options)."""
    static = Path(__file__).resolve().parent.parent / "static"
    app = Flask(__name__, instance_path=os.environ.get("BAYFLOW_INSTANCE") or None,
                instance_relative_config=True, static_folder=str(static), static_url_path="/static")
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    # Every setting, read once here (kiosk.core.config says each one's default and type).
    app.config.from_mapping(config.defaults(instance))
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config.from_environment(instance))
    if test_config:
        app.config.update(test_config)
    instance_secret = None if app.config["SECRET_KEY"] else _instance_secret(instance)
    config.check(app.config, instance)
    times.configure(app.config["STORE_TIMEZONE"])  # before the migrations, which may convert times

    db.init_app(app)
    with db.connected():
        migrations.migrate(db.database)
    start_node(app)
    if instance_secret is not None:
        app.config["SECRET_KEY"] = _node_secret_key(instance_secret, app.config["NODE_ID"])
    # One cookie per node: two nodes on one PC (different ports, one host) keep their own sessions.
    if app.config["SESSION_COOKIE_NAME"] == "session":  # Flask's default: not set by the store
        node_tag = hashlib.sha256(app.config["NODE_ID"].encode()).hexdigest()[:12]
        app.config["SESSION_COOKIE_NAME"] = f"bayflow-{node_tag}"
    # Pages and prints show times in the store's zone (kiosk.core.times), one setting for both.
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: times.store_zone().key)
    if not app.config["WEB_PAGES"]:
        # A command-line job (sync, token, pairing): translations, no pages.
        app.config["ENABLED_STATIONS"] = []
        return app
    # Lazily: the stations bring OpenCV (the camera pages) and the label renderers
    # (reportlab, Pillow, python-barcode): half a second a command-line job never needs.
    from kiosk import web

    web.init_app(app)
    return app
