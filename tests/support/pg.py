"""A real PostgreSQL server for the hub's tests, from Debian's ``postgresql`` package.

One server per test session (started on first use, stopped at the end), in a
temporary folder, listening on a free port of 127.0.0.1 only, with its unix
socket in that folder too. Every test that asks for ``pg_url`` gets a database
of its own, created empty and dropped afterwards, so hub processes started by
multi-node tests never see each other's rows.

Fixtures (imported into ``tests/conftest.py``):

* ``pg_server``   — the session's :class:`PostgresServer`.
* ``pg_database`` — a factory: ``pg_database()`` → a fresh ``postgresql://`` URL
  (call it again for a second hub); every database made is dropped after the test.
* ``pg_url``      — one fresh database URL, for the common case.

PostgreSQL refuses to run as root, so under root the server runs as the
``postgres`` user (``runuser``). Set ``BAYFLOW_TEST_POSTGRES`` to a superuser
URL (``postgresql://postgres@127.0.0.1:5432/postgres``) to use a server that is
already running instead. A machine without the package fails these tests with
a message saying what to install: CI installs it, so a silent skip would hide
a hub that no longer works on PostgreSQL.
"""
from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from tests.support import processes

ENV_URL = "BAYFLOW_TEST_POSTGRES"
ENV_BINDIR = "BAYFLOW_PG_BINDIR"
SERVER_USER = "postgres"
MISSING = ("PostgreSQL server not found ({where}). The hub's tests need a real server: "
           "install Debian's package (sudo apt-get install postgresql; .ci/run and `make test` do), "
           "or point {env} at a running server's superuser URL.")


def find_bindir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl``: $BAYFLOW_PG_BINDIR, the newest
    /usr/lib/postgresql/<version>/bin, or the PATH."""
    if os.environ.get(ENV_BINDIR):
        folder = Path(os.environ[ENV_BINDIR])
        return folder if (folder / "initdb").exists() else None
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throw-away cluster in ``root`` (or an existing server, given its ``admin_url``)."""

    def __init__(self, bindir: Path | None = None, root: Path | None = None, admin_url: str | None = None):
        self.bindir, self.root = bindir, root
        self.admin_url = admin_url
        self.port: int | None = urlparse(admin_url).port if admin_url else None
        self._names = (f"bayflow_t{os.getpid()}_{n}" for n in itertools.count(1))
        self._started = False

    # -- running the server -------------------------------------------------
    def _as_server_user(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # postgres will not run as root
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=60)

    def start(self) -> "PostgresServer":
        """initdb and start; the cluster sorts text bytewise (C collation), as
        HLC stamps and hex ids compare in Python."""
        if self.admin_url:
            return self
        if os.geteuid() == 0:
            owner = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        data = self.root / "data"
        if not (data / "PG_VERSION").exists():  # a kept cluster (a benchmark's cached fill) starts as it is
            self._as_server_user("initdb", "-D", str(data), "-U", "postgres", "--auth=trust",
                                 "--no-locale", "--encoding=UTF8", "--no-sync")
        for attempt in range(3):  # the free port can be taken between asking and binding
            self.port = free_port()
            # The server itself, not pg_ctl (which leaves it running on its own): a child of
            # this process that dies with it, even when pytest is killed (tests.support.processes).
            command = [str(self.bindir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.root),
                       "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
                       # A test cluster: nothing here must survive a power cut.
                       "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
            with open(self.root / "server.log", "ab") as log:
                self.process = processes.popen(command, stdout=log, stderr=subprocess.STDOUT,
                                               user=SERVER_USER if os.geteuid() == 0 else None,
                                               death_signal=signal.SIGQUIT)
            self._started = True
            self.admin_url = self.url("postgres")
            if self._wait_until_ready(30):
                return self
            self.stop()
        raise RuntimeError(f"PostgreSQL did not start:\n{self.log_tail()}")

    def _wait_until_ready(self, timeout: float) -> bool:
        """Whether the server accepts connections within ``timeout`` seconds (False: it ended)."""
        import psycopg2

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                psycopg2.connect(self.admin_url, connect_timeout=2).close()
                return True
            except psycopg2.OperationalError:
                time.sleep(0.05)  # a poll with a deadline: the server is still starting
        return False

    def stop(self) -> None:
        if self._started:
            processes.stop(self.process, signal.SIGINT, timeout=30)  # SIGINT: PostgreSQL's fast shutdown
            self._started = False

    def log_tail(self, lines: int = 30) -> str:
        log = self.root / "server.log" if self.root else None
        if not log or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    # -- databases -----------------------------------------------------------
    def url(self, name: str) -> str:
        """The URL of database ``name`` on this server, as ``bayflow --db`` takes it."""
        if self.admin_url and not self._started:  # an existing server: keep its user and host
            parts = urlparse(self.admin_url)
            return urlunparse(parts._replace(path=f"/{name}"))
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def _admin(self, sql: str) -> None:
        import psycopg2

        conn = psycopg2.connect(self.admin_url)
        try:
            conn.autocommit = True  # CREATE/DROP DATABASE refuse to run in a transaction
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """A new database (UTF-8, C collation), empty or a copy of ``template``; returns its URL."""
        name = name or next(self._names)
        if template:
            # FILE_COPY copies the few files of a small database at once; PostgreSQL 15's
            # default (WAL_LOG) writes them through the log page by page, several times slower.
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        else:
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                        f"LC_COLLATE 'C' LC_CTYPE 'C'")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, cutting off any node still connected to it."""
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server() -> PostgresServer:
    """The session's server, or ``pytest.fail`` saying what is missing."""
    if os.environ.get(ENV_URL):
        return PostgresServer(admin_url=os.environ[ENV_URL])
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.fail("psycopg2 is not installed: `pip install -e .` installs psycopg2-binary, "
                    "which the hub needs for PostgreSQL.", pytrace=False)
    bindir = find_bindir()
    if bindir is None or not (bindir / "pg_ctl").exists():
        pytest.fail(MISSING.format(where=os.environ.get(ENV_BINDIR) or "no /usr/lib/postgresql/*/bin/initdb",
                                   env=ENV_URL), pytrace=False)
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            pytest.fail(MISSING.format(where=f"no '{SERVER_USER}' user to run it as", env=ENV_URL),
                        pytrace=False)
    # Not under pytest's tmp folders: those are private to root, and the
    # server runs as another user.
    root = Path(tempfile.mkdtemp(prefix="bayflow-pg-"))
    server = PostgresServer(bindir, root)
    try:
        return server.start()
    except (subprocess.SubprocessError, RuntimeError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL could not be started from {bindir}: {exc}\n{detail}", pytrace=False)


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server for the whole session, stopped and removed at the end."""
    server = start_server()

    def clean_up():
        server.stop()
        if server.root:
            shutil.rmtree(server.root, ignore_errors=True)

    atexit.register(clean_up)  # also when the session ends without finalizers (an internal error)
    yield server
    clean_up()
    atexit.unregister(clean_up)


@pytest.fixture
def pg_database(pg_server):
    """``pg_database()`` → the URL of a new, empty database; all are dropped after the test."""
    made: list[str] = []

    def make(name: str | None = None, template: str | None = None) -> str:
        url = pg_server.create_database(name, template)
        made.append(urlparse(url).path.lstrip("/"))
        return url

    yield make
    for name in made:
        try:
            pg_server.drop_database(name)
        except Exception as exc:  # a leftover database dies with the server; say so, do not fail
            print(f"could not drop {name}: {exc}")


@pytest.fixture
def pg_url(pg_database):
    """The URL of a fresh, empty PostgreSQL database for this test (e.g. a hub's ``--db``)."""
    return pg_database()
