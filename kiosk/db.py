"""The database handle every model uses, and the settings a kiosk that loses power needs.

Like flaskr's ``db.py``: one proxy, bound by ``init_app`` to the file (or URL)
in the app's config; a connection opened per request and closed after it.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import g
from peewee import DatabaseProxy, ImproperlyConfigured, PostgresqlDatabase, SqliteDatabase

from kiosk.core import events

database = DatabaseProxy()

# WAL keeps readers going while a write commits; FULL sync means a committed
# transaction survives a power cut; IMMEDIATE takes the write lock at BEGIN so
# two writers queue on busy_timeout instead of failing half-way.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    # Each server thread keeps its own connection, and each connection its own page cache:
    # 32 threads of 32 MB each grew a kiosk's memory with every busy minute. 4 MB each is
    # what a page's indexed reads use; the rest is read from the OS's file cache, which the
    # connections and processes share. Applying a pull takes more (SYNC_CACHE_KIB).
    "cache_size": -4_000,
}
SYNC_CACHE_KIB = 32_000  # the page cache of the connection that applies pulled events (sync.client)


# PostgreSQL runs writers side by side where SQLite's IMMEDIATE queues them.
# Every write transaction on PostgreSQL takes this advisory lock first, so
# writes still commit one at a time, in the order their change events were
# numbered: a pull "after seq N" can then never miss an event that commits
# late with a smaller seq, and MAX()+1 counters cannot hand out a number twice.
PG_WRITE_LOCK = 0x62617966  # "bayf": any constant shared by every bayflow process


def is_postgresql(db=None) -> bool:
    """Whether ``db`` (default: the bound database) is PostgreSQL (a hub can be)."""
    target = db if db is not None else database.obj
    return isinstance(target, PostgresqlDatabase)


def open_database(target: str):
    """Open the database at ``target``: a SQLite path, ``sqlite:///path`` or ``postgresql://``."""
    if target.startswith("postgres"):
        # Lazily: the URL parser brings PostgreSQL's driver (40 ms); only a hub on PostgreSQL needs it.
        from playhouse.db_url import connect

        try:
            # Percent-escapes in the user or password (a '@' or ':') mean what they say.
            return connect(target, unquote_password=True, unquote_user=True)
        except (ValueError, RuntimeError) as exc:  # no database name, unknown scheme
            raise ImproperlyConfigured(str(exc)) from exc
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
    """Point the shared proxy at ``target`` (the schema is brought up to date by
    ``kiosk.migrations.migrate``, which the app factory calls)."""
    db = open_database(target)
    database.initialize(db)
    return db


@contextmanager
def transaction():
    """One write: a single IMMEDIATE transaction (nested calls join the outer one).

    When the outermost one commits, listening pages hear which tables changed.
    """
    outermost = database.transaction_depth() == 0
    try:
        with database.atomic():
            if is_postgresql():
                # Taken again by a nested call it just stacks until the commit;
                # that also covers an outer transaction not opened through here.
                database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (PG_WRITE_LOCK,))
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
        g._db_opened = database.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if database.is_closed():
            return
        if database.in_transaction():  # never carry an unfinished write into the next request
            database.rollback()
        # Close only what this request opened: an app context pushed inside
        # ``connected()`` (start-up, CLI, tests, sync jobs) must not take the
        # caller's connection away when it ends.
        if not keep_open and g.pop("_db_opened", False):
            database.close()
