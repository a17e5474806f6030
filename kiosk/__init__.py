"""bayflow's kiosk app: ``create_app`` builds one node (kiosk or hub) with its stations."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

STATIONS = ("reception", "bay", "parts", "cashier", "care")


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
    app.config.from_mapping(
        DATABASE=str(instance / "bayflow.sqlite"),
        ROLE="kiosk",
        STATION="all",
        NODE_PREFIX=None,
        STORE_NAME="",
        DEMO=False,
        BLOB_FOLDER=str(instance / "blobs"),
        # Idle time before a session ends, per station (kiosk.access.idle_seconds): a bay
        # screen is shared by many hands; at reception or the cashier a customer is talking.
        IDLE_TIMEOUT_SECONDS=300,
        IDLE_SECONDS={"bay": 90, "workshop": 300, "parts": 300, "reception": 1200, "cashier": 1200,
                      "care": 900},
        BABEL_DEFAULT_LOCALE="zh_Hans_CN",
        # The store's zone: "today", shift ends, appointments and every time shown
        # (times are stored as UTC, see kiosk.times); Flask-Babel shows times in it.
        STORE_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_SAMESITE="Lax",
        SEND_FILE_MAX_AGE_DEFAULT=3600,
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    from kiosk import times

    times.configure(app.config["STORE_TIMEZONE"])  # before the migrations, which may convert times
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)

    from kiosk import db, web
    from kiosk.node import start_node

    db.init_app(app)
    start_node(app)
    web.init_app(app)
    return app
