"""Opening a node's app from the command line or a server process: the database
target checked, an existing node's role kept, the app built (``create_app``).

``kiosk.cli`` and the worker processes of ``kiosk.workers`` share it.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

import click
import peewee

from kiosk.app import create_app
from kiosk.db import database, open_database
from sync.node import current_node


def one_line(reason) -> str:
    """Drivers explain over several lines; the contract promises one."""
    return " ".join(str(reason).split())


def _is_url(target: str) -> bool:
    return target.startswith(("sqlite:///", "postgres://", "postgresql://"))


def _sqlite_path(target: str) -> Path | None:
    if target.startswith(("postgres://", "postgresql://")):
        return None
    return Path(target[len("sqlite:///"):] if target.startswith("sqlite:///") else target).expanduser()


def _check_target(target: str, must_exist: bool) -> str:
    """Fail early, in one line, on a database path that cannot work."""
    path = _sqlite_path(target)
    if path is None:
        return target
    if path.is_dir():
        raise click.ClickException(f"--db {target}: is a folder, not a database file")
    if not path.parent.is_dir():
        raise click.ClickException(f"--db {target}: the folder {path.parent} does not exist")
    if must_exist and not path.exists():
        raise click.ClickException(f"--db {target}: no such database")
    return target if _is_url(target) else str(path.resolve())


def _existing_identity(target: str) -> dict:
    """The role and station an existing node was started with, so that a CLI
    command on a hub's database does not turn it into a kiosk."""
    path = _sqlite_path(target)
    if path is not None and not path.exists():
        return {}
    try:
        db = open_database(target)
        try:
            row = db.execute_sql("SELECT role, station FROM node_info LIMIT 1").fetchone()
        finally:
            db.close()
    except (peewee.PeeweeException, sqlite3.Error, ImportError):
        return {}  # a new or unreadable database: create_app reports the real problem
    return {"ROLE": row[0], "STATION": row[1]} if row else {}


def build_app(target: str | None, *, must_exist: bool = False, **config):
    """The app on ``target`` (a SQLite path or URL; None: the instance folder's database)."""
    settings = dict(config)
    if target:
        target = _check_target(target, must_exist)
        settings["DATABASE"] = target
        path = _sqlite_path(target)
        if path is not None:
            # Photos and signatures live beside the database they belong to.
            settings.setdefault("BLOB_FOLDER", str(path.with_name(path.stem + "-blobs")))
        for key, value in _existing_identity(target).items():
            settings.setdefault(key, value)
    try:
        app = create_app(settings)
    except (peewee.PeeweeException, sqlite3.Error) as exc:
        raise click.ClickException(f"cannot open the database {target or '(instance folder)'}: {one_line(exc)}")
    if not app.config["STORE_NAME"]:
        # The name given on the first start (or by the demo) is kept with the node.
        with database.connection_context():
            app.config["STORE_NAME"] = current_node().store_name
    return app


@contextmanager
def opened(app):
    """A request context (translations pick their locale from it) and an open connection."""
    with app.test_request_context(), database.connection_context():
        yield
