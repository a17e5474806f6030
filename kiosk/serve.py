"""``bayflow serve``: one node running, with everything a node does once besides
answering pages (its log file, several server processes, the mDNS advert of a
hub, the shift-end timer, a hub's nightly backup, the scanning cameras, the
API's audit rows)."""
from __future__ import annotations

import sys
import threading

from flask import Flask

from kiosk import cameras, logs
from kiosk.server import (DEFAULT_THREADS, make_server, serve_until_stopped, start_audit_flusher, url_of,
                          warm_templates)
from kiosk.services.backup_schedule import start_backup_timer
from kiosk.services.dispatch import start_shift_end_timer
from kiosk.services.loancar import start_loan_car_timer
from kiosk.workers import WorkerPool
from sync.discovery import advertise_node


def run(app: Flask, host: str = "127.0.0.1", port: int = 5000, threads: int = DEFAULT_THREADS,
        out=None, workers: int = 1, build: tuple[str | None, dict] | None = None) -> None:
    """Serve ``app`` until interrupted, after printing where it can be reached.

    ``workers`` > 1 starts that many processes in all on the one socket
    (kiosk.workers); each builds its app again from ``build`` (the database
    target and the settings ``app`` was made with).
    """
    logs.start(app)  # the node's rotating log file in its instance folder
    server = make_server(app, host, port, threads)
    pool = None
    if workers > 1:
        # The workers start now, side by side with this process's own warming up
        # (each one is a new Python with its imports and its app: most of a start).
        app.config["SERVER_PROCESS"] = 0
        pool = WorkerPool(workers, server, build, threads).start()
    warm_templates(app)  # compiled once into the instance folder's cache, loaded by the others
    out = out or sys.stdout
    role, station = app.config["ROLE"], app.config["STATION"]
    processes = f", {workers} processes" if workers > 1 else ""
    banner = f"bayflow {role} ({station}) serving on {url_of(host, server.effective_port)}{processes}"
    if pool is None:
        print(banner, file=out, flush=True)
    else:
        # This process answers from now on; the workers take their share of new
        # connections as each one comes up (kiosk.workers.Balancer). The banner,
        # which scripts and tests wait for, still means every process serves.
        def announce() -> None:
            pool.balancer.ready(workers, timeout=30)
            print(banner, file=out, flush=True)

        threading.Thread(target=announce, name="serve-banner", daemon=True).start()
    advert = advertise_node(app, host, server.effective_port)  # a hub announces itself on mDNS
    start_shift_end_timer(app)  # clocks left running are closed at shift end, never overnight
    if role == "hub" or station in ("all", "reception", "cashier"):
        start_loan_car_timer(app)  # a warranty car's 6th day in the shop is told to its advisor
    if role == "hub":
        start_backup_timer(app)  # the store's nightly backup, kept and pruned
    cameras.start(app.config)  # the station's scanning cameras (config CAMERAS, serve --camera)
    flusher = start_audit_flusher(app)
    try:
        # The workers are told first, so every process winds down at once.
        serve_until_stopped(server, before_close=lambda: (pool and pool.terminate(), cameras.stop()),
                            after_close=lambda: pool and pool.stop())
    finally:
        flusher.set()  # and the API audit rows still waiting are written
        flusher.thread.join(timeout=5)
        if advert is not None:
            advert.close()  # goodbye: kiosks drop this address at once
