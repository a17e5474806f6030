"""The app factory: ``create_app`` builds one node (kiosk or hub) with its stations.

Like flaskr's ``create_app``: settings, the database (migrated to the current
schema), this node's identity, translations, then the pages (``kiosk.web``).
The top of the import graph with ``kiosk.web``, ``kiosk.cli`` and the servers.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_babel import Babel

from kiosk import db, migrations
from kiosk.core import config
from kiosk.language import select_locale
from kiosk.node import start_node

babel = Babel()


def _secret_key(instance: Path) -> str:
    """A per-node key kept in the instance folder, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


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
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance)
    config.check(app.config, instance)

    db.init_app(app)
    with db.connected():
        migrations.migrate(db.database)
    start_node(app)
    babel.init_app(app, locale_selector=select_locale)
    if not app.config["WEB_PAGES"]:
        # A command-line job (sync, token, pairing): translations, no pages.
        app.config["ENABLED_STATIONS"] = []
        return app
    # Lazily: the stations bring OpenCV (the camera pages) and the label renderers
    # (reportlab, Pillow, python-barcode): half a second a command-line job never needs.
    from kiosk import web

    web.init_app(app)
    return app
