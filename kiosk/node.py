"""Start-up of one node: identity, and demo data on the very first start."""
from __future__ import annotations

from flask import Flask

from kiosk.db import connected
from kiosk.services import node_report, station_settings
from sync import client
from sync.changelog import forget_clocks
from sync.keys import ensure_key
from sync.node import ensure_node


def start_node(app: Flask) -> None:
    """This node's identity (made on the very first start), its key, the settings its station
    remembers, its report in every hello to the hub, and demo data on an empty store."""
    forget_clocks()
    client.report_with(node_report.report)
    with connected():
        node = ensure_node(role=app.config["ROLE"], station=app.config["STATION"],
                           prefix=app.config["NODE_PREFIX"], store_name=app.config["STORE_NAME"])
        app.config["NODE_ID"] = node.node_id
        ensure_key()  # the long-term key pair pairing pins, made on first start
        station_settings.load_into(app)  # the idle time and cameras this station remembers
        if app.config["DEMO"]:
            # Lazily, like the pages in kiosk.app: the demo store brings Pillow and most services,
            # a sixth of a second that a command-line sync (or any node without --demo) never needs.
            from kiosk.demo import seed_if_empty

            with app.app_context():
                seed_if_empty()
