"""The same tests as on a kiosk's SQLite, on a hub's PostgreSQL.

Every module in this folder re-runs a representative set of the SQLite tests
(imported from their modules, so there is one copy of each assertion) with
``app`` overridden here: a hub on a fresh PostgreSQL database per test. The
shared fixtures built on ``app`` (``db``, ``client``, ``make_staff``, ``login``,
``advisor``) follow it.
"""
from __future__ import annotations

import pytest

from kiosk.app import create_app
from kiosk.db import database, is_postgresql


@pytest.fixture
def app(tmp_path, pg_url):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE": pg_url,
        "ROLE": "hub",
        "BLOB_FOLDER": str(tmp_path / "blobs"),
        "NODE_PREFIX": "R1",
        "WTF_CSRF_ENABLED": False,
        "BABEL_DEFAULT_LOCALE": "en",
    })
    assert is_postgresql(), "tests/postgres must run on PostgreSQL"
    yield app
    if not database.is_closed():
        database.close()
