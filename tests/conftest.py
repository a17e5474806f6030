"""Shared fixtures: a fresh node on a real SQLite file per test, a client, a CLI
runner, and small helpers that act like the people at the kiosk."""
from __future__ import annotations

import pytest

from kiosk.app import create_app
from kiosk.db import connected, database
from kiosk.services import staff as staff_service
from tests.pg import pg_database, pg_server, pg_url  # noqa: F401  (a real PostgreSQL for hub tests)

PIN = "2468"


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE": str(tmp_path / "node.sqlite"),
        "BLOB_FOLDER": str(tmp_path / "blobs"),
        "NODE_PREFIX": "R1",
        "WTF_CSRF_ENABLED": False,
        # Assertions read the English texts; tests of the Chinese default set it back.
        "BABEL_DEFAULT_LOCALE": "en",
    })
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
    from kiosk.db import connected
    from kiosk.services import staff as staff_service

    with app.app_context(), connected():
        return staff_service.issue_token("test")


@pytest.fixture
def api(client, token):
    """Call the API as an integration would: ``api("post", "/work-orders", json=...)``."""

    def call(method, path, **kwargs):
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return getattr(client, method)(f"/api/v1{path}", headers=headers, **kwargs)

    return call
