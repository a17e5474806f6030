"""Start-up of one node: identity, and demo data on the very first start."""
from __future__ import annotations

from flask import Flask

from kiosk.db import connected
from sync.changelog import forget_clocks
from sync.keys import ensure_key
from sync.node import ensure_node


def start_node(app: Flask) -> None:
    forget_clocks()
    with connected():
        node = ensure_node(role=app.config["ROLE"], station=app.config["STATION"],
                           prefix=app.config["NODE_PREFIX"], store_name=app.config["STORE_NAME"])
        app.config["NODE_ID"] = node.node_id
        ensure_key()  # the long-term key pair pairing pins, made on first start
        from kiosk.services.station_settings import load_into

        load_into(app)  # the idle time and cameras this station remembers
        if app.config["DEMO"]:
            from kiosk.demo import seed_if_empty

            with app.app_context():
                seed_if_empty()
