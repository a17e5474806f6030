"""Shared fixtures: a fresh node per test, copied from a database migrated once
per session; a client, a CLI runner, and small helpers that act like the people
at the kiosk. Helpers other tests share are in ``tests.support``.

Zeroconf is off in every test (and every process a test starts) but the
discovery tests, which turn it on: another run's hub advertising on the same
machine must not answer here. Every thread a test starts must have ended when
it is over, so nothing of one test runs into the next.
"""
from __future__ import annotations

import os
import shutil
import threading
import time

os.environ["BAYFLOW_DISCOVERY"] = "off"  # before kiosk reads it; subprocesses inherit it
# The demo store's past year (the manager's figures) takes a while to write: tests seed four weeks.
os.environ.setdefault("BAYFLOW_DEMO_HISTORY_DAYS", "28")

from tests.support import speed  # noqa: E402

speed.temporary_files_in_memory()  # before pytest makes its tmp folders; processes tests start inherit it

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from kiosk.app import create_app  # noqa: E402
from kiosk.demo import seed_if_empty  # noqa: E402
from kiosk.db import bind, connected, database  # noqa: E402
from kiosk.migrations import migrate  # noqa: E402
from kiosk.node import start_node  # noqa: E402
from kiosk.services import staff as staff_service  # noqa: E402
from tests.support.pg import pg_database, pg_server, pg_url  # noqa: E402,F401  (a real PostgreSQL for hub tests)
from tests.support import PIN  # noqa: E402

# Random tests try 30 examples by default (`make test`, what CI runs); `make test-fast`
# passes --hypothesis-profile=fast for a quicker look between two commits.
hypothesis_settings.register_profile("thorough", max_examples=30)
hypothesis_settings.register_profile("fast", max_examples=8)
hypothesis_settings.load_profile("thorough")

SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test",
    "NODE_PREFIX": "R1",
    "WTF_CSRF_ENABLED": False,
    # Assertions read the English texts; tests of the Chinese default set it back.
    "BABEL_DEFAULT_LOCALE": "en",
}


def pytest_generate_tests(metafunc):
    """A test marked ``postgres`` runs twice: on a kiosk's SQLite and on a hub's PostgreSQL."""
    if "database_kind" in metafunc.fixturenames and metafunc.definition.get_closest_marker("postgres"):
        metafunc.parametrize("database_kind", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(autouse=True, scope="session")
def _cheap_pin_hashes():
    """The tests' people get the lowest-cost argon2 hashes (tests/support/speed.py says why)."""
    patch = pytest.MonkeyPatch()
    patch.setattr(staff_service, "_hasher", speed.CHEAP_PIN_HASHER)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A node's SQLite file migrated once per session, with its identity: tests get a copy."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "node.sqlite"
    create_app({**SETTINGS, "DATABASE": str(path), "BLOB_FOLDER": str(folder / "blobs"), "WEB_PAGES": False})
    with connected():
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file we copy
    database.close()
    return path


@pytest.fixture(scope="session")
def demo_template(sqlite_template, tmp_path_factory):
    """The demo store seeded once per session on a copy of the template (seeding takes seconds):
    tests marked ``demo_store`` start from a copy of it."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "node.sqlite"
    shutil.copyfile(sqlite_template, path)
    app = create_app({**SETTINGS, "DATABASE": str(path), "BLOB_FOLDER": str(folder / "blobs"), "WEB_PAGES": False})
    with app.app_context(), connected():
        assert seed_if_empty() is True  # an empty store is seeded (the demo adds no blobs)
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return path


@pytest.fixture(scope="module")
def demo_store_app(tmp_path_factory, demo_template):
    """A kiosk with pages on a copy of the seeded demo store, in Chinese, shared by one test
    module's tests (they read it; a module that writes keeps to what its tests agree on)."""
    folder = tmp_path_factory.mktemp("store")
    shutil.copyfile(demo_template, folder / "node.sqlite")
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": str(folder / "node.sqlite"),
                      "BLOB_FOLDER": str(folder / "blobs"), "WTF_CSRF_ENABLED": False, "DEMO": True})
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """A hub's PostgreSQL database migrated once per session: tests get a copy (CREATE DATABASE … TEMPLATE)."""
    name = f"bayflow_template_{os.getpid()}"
    url = pg_server.create_database(name)
    create_app({**SETTINGS, "DATABASE": url, "ROLE": "hub", "WEB_PAGES": False})
    database.close()
    return name


@pytest.fixture
def database_kind(request):
    """``sqlite`` (a kiosk), or ``postgresql`` (a hub) for tests marked ``postgres``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def web_pages():
    """Whether ``app`` serves the stations' pages; tests/services turns them off."""
    return True


@pytest.fixture(scope="session")
def _kiosk_with_pages(sqlite_template, tmp_path_factory):
    """One kiosk app with every station's pages for the session, and its settings as made.

    Building the pages (a hundred URL rules compiled, the extensions) costs more
    than most tests; a test gets this app on a fresh database instead, with its
    settings and extensions as they were made (``app`` below).
    """
    folder = tmp_path_factory.mktemp("pages")
    path = folder / "node.sqlite"
    shutil.copyfile(sqlite_template, path)
    app = create_app({**SETTINGS, "DATABASE": str(path), "BLOB_FOLDER": str(folder / "blobs")})
    database.close()
    return app, dict(app.config), dict(app.extensions)


@pytest.fixture
def app(request, tmp_path, database_kind, web_pages):
    """A fresh node: a copy of the session's migrated database (of its demo store for a test
    marked ``demo_store``), its own blob folder.

    A kiosk with pages is the session's one app, its settings and extensions put
    back as they were made, bound to this test's database (what ``create_app``
    does for a node's database: bind, migrate, start the node). A hub on
    PostgreSQL, or a node without pages, is made anew.
    """
    settings = {**SETTINGS, "BLOB_FOLDER": str(tmp_path / "blobs"), "WEB_PAGES": web_pages}
    if database_kind == "postgresql":
        template = request.getfixturevalue("pg_template")
        settings.update(DATABASE=request.getfixturevalue("pg_database")(template=template), ROLE="hub")
        app = create_app(settings)
    else:
        path = tmp_path / "node.sqlite"
        demo = request.node.get_closest_marker("demo_store") is not None
        shutil.copyfile(request.getfixturevalue("demo_template" if demo else "sqlite_template"), path)
        settings["DATABASE"] = str(path)
        if web_pages:
            app, made, extensions = request.getfixturevalue("_kiosk_with_pages")
            app.config.clear()
            app.config.update({**made, **settings})
            app.extensions.clear()
            app.extensions.update(extensions)
            bind(settings["DATABASE"])
            with connected():
                migrate(database)
            start_node(app)
        else:
            app = create_app(settings)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def db(app):
    """An open connection for calling services directly, inside an app context."""
    with app.app_context(), connected():
        yield database


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_staff(app):
    """Create a staff member: ``make_staff("advisor")`` → Staff with badge and PIN ``PIN``."""
    counter = iter(range(1, 1000))

    def make(*roles, name=None, badge=None, pin=PIN):
        n = next(counter)
        with app.app_context(), connected():
            return staff_service.create_staff(name or f"Staff {n}", badge or f"B-{roles[0].upper()}-{n}",
                                              list(roles), pin)

    return make


@pytest.fixture
def login(client):
    """Log the test client in as ``person`` the way a person does: badge, then PIN."""

    def do(person, pin=PIN):
        response = client.post("/login", data={"badge": person.badge, "pin": pin, "next": "/"})
        assert response.status_code == 302, response.data.decode()
        return person

    return do


@pytest.fixture
def advisor(make_staff, login):
    return login(make_staff("advisor", name="王顾问"))


@pytest.fixture
def token(app):
    """An API token of this node (what `bayflow token` prints)."""
    with app.app_context(), connected():
        return staff_service.issue_token("test")


@pytest.fixture
def api(client, token):
    """Call the API as an integration would: ``api("post", "/work-orders", json=...)``."""

    def call(method, path, **kwargs):
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)

    return call


THREAD_GRACE_SECONDS = 10  # a stopping thread gets this long to end before the test fails


@pytest.fixture(autouse=True)
def _threads_end_with_the_test():
    """Fail a test that leaves a thread running (a server, a camera, a watcher): it
    would run on into the next test. Threads of session fixtures started before."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + THREAD_GRACE_SECONDS
    left = []
    while time.monotonic() < deadline:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()
                and not t.name.startswith(_IGNORED)]
        if not left:
            return
        left[0].join(0.05)
    pytest.fail(f"threads still running after the test: {', '.join(t.name for t in left)}", pytrace=False)


# Threads owned by a library for the whole session, not by a test.
_IGNORED = ("asyncio_", "Playwright", "ThreadPoolExecutor")
