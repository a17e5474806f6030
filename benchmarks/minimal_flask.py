"""The anchor for the page benchmarks: the smallest Flask page, served exactly as
bayflow serves its pages (``kiosk.server.make_server``: waitress, the same threads
and connection caps), so a page's p95 can be read as a multiple of Flask's own cost.

    python benchmarks/minimal_flask.py PORT   (prints "serving on http://127.0.0.1:PORT")
"""
from __future__ import annotations

import sys

from flask import Flask


def create_app() -> Flask:
    """One page, a short HTML answer: what Flask and the server cost and nothing else."""
    app = Flask(__name__)
    # bayflow's defaults for the server's caps (kiosk.core.config)
    app.config.update(CONNECTION_LIMIT=1000, IDLE_CONNECTION_SECONDS=30, MAX_CONNECTIONS_PER_CLIENT=48)

    @app.get("/")
    def index():
        return "<!doctype html><title>anchor</title><p>hello</p>"

    return app


def main() -> None:
    from kiosk.server import make_server, serve_until_stopped  # the same server as bayflow's pages

    app = create_app()
    server = make_server(app, "127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(f"serving on http://127.0.0.1:{server.effective_port}", flush=True)
    serve_until_stopped(server)


if __name__ == "__main__":
    main()
