"""Work in a test node's database from the test's own process (as the node's kiosk would)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from kiosk.core import config
from kiosk.db import bind, connected
from sync.changelog import forget_clocks


@contextmanager
def on(node):
    """Bind ``node``'s database and open a connection. Settling (through deliver_for_test) names
    the store in its e-health record and times read the store's zone: an app context with the
    default settings carries them, as the node's own app would."""
    app = Flask(__name__)
    app.config.update(config.defaults(Path(str(node.db)).parent), STORE_NAME="测试店")
    bind(node.db)
    forget_clocks()
    with app.app_context(), connected():
        yield
