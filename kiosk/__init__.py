"""bayflow's kiosk app: ``create_app`` builds one node (kiosk or hub) with its stations."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from flask import Flask

STATIONS = ("reception", "bay", "parts", "cashier", "care")


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
    instance_secret = None if app.config.get("SECRET_KEY") else _instance_secret(instance)

    from kiosk import db, web
    from kiosk.node import start_node

    db.init_app(app)
    start_node(app)
    if instance_secret is not None:
        app.config["SECRET_KEY"] = _node_secret_key(instance_secret, app.config["NODE_ID"])
    # One cookie per node: two nodes on one PC (different ports, one host) keep their own sessions.
    if app.config["SESSION_COOKIE_NAME"] == "session":  # Flask's default: not set by the store
        node_tag = hashlib.sha256(app.config["NODE_ID"].encode()).hexdigest()[:12]
        app.config["SESSION_COOKIE_NAME"] = f"bayflow-{node_tag}"
    web.init_app(app)
    return app
