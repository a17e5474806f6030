"""The database handle every model uses, and the settings a kiosk that loses power needs.

Like flaskr's ``db.py``: one proxy, bound by ``init_app`` to the file (or URL)
in the app's config; a connection opened per request and closed after it.
"""
from __future__ import annotations

from contextlib import contextmanager

from peewee import DatabaseProxy, SqliteDatabase

database = DatabaseProxy()

# WAL keeps readers going while a write commits; FULL sync means a committed
# transaction survives a power cut; IMMEDIATE takes the write lock at BEGIN so
# two writers queue on busy_timeout instead of failing half-way.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "cache_size": -32_000,
}


def open_database(target: str):
    """Open the database at ``target``: a SQLite path, ``sqlite:///path`` or ``postgresql://``."""
    if target.startswith("postgres"):
        from playhouse.db_url import connect

        return connect(target)
    if target.startswith("sqlite:///"):
        target = target[len("sqlite:///"):]
    return SqliteDatabase(
        target,
        pragmas=SQLITE_PRAGMAS,
        timeout=10,
        lock_type="IMMEDIATE",
        check_same_thread=False,
    )


def bind(target: str):
    """Point the shared proxy at ``target`` and make sure the schema is current."""
    from kiosk.migrations import migrate

    db = open_database(target)
    database.initialize(db)
    with connected():
        migrate(database)
    return db


@contextmanager
def transaction():
    """One write: a single IMMEDIATE transaction (nested calls join the outer one).

    When the outermost one commits, listening pages hear which tables changed.
    """
    from kiosk import events

    outermost = database.transaction_depth() == 0
    try:
        with database.atomic():
            yield
    except BaseException:
        if outermost:
            events.discard_pending()
        raise
    if outermost:
        events.flush_pending()


@contextmanager
def connected():
    """A connection for work outside a request (CLI, tests, background jobs).

    Reuses an open connection and only closes what it opened, so it nests.
    """
    opened = database.connect(reuse_if_open=True)
    try:
        yield database
    finally:
        if opened and not database.is_closed():
            database.close()


def init_app(app):
    """Bind the database from ``app.config['DATABASE']`` and open it around each request.

    A SQLite connection stays open for the life of its server thread: opening
    one costs more than most requests (the pragmas run again each time).
    Other databases (PostgreSQL on a hub) close after each request.
    """
    bind(app.config["DATABASE"])
    keep_open = isinstance(database.obj, SqliteDatabase)

    @app.before_request
    def _connect():
        database.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if database.is_closed():
            return
        if database.in_transaction():  # never carry an unfinished write into the next request
            database.rollback()
        if not keep_open:
            database.close()
