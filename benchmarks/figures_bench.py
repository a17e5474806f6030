"""The manager's figures on a dealer group's hub (not a test: it prints numbers).

Fills a group hub with ``--stores`` stores × ``--days`` days of delivered work each
(kiosk.demo.figures_year: orders, jobs, clocks, attendance, QC, deliveries, parts
requests and issues; ~30,000 orders a store-year at the default ``--per-day 96``),
bulk-loaded (no change log: it measures the figures' queries, not sync), the same rows
into PostgreSQL and into SQLite. Then times, on each:

* the dashboard (every figure of last month with its 12-month trend, the whole hub; and
  one store's dashboard),
* one store's figures for one month (within its number prefixes),
* the group page: every store's month side by side with the group's totals.

    python benchmarks/figures_bench.py [--stores 10] [--days 364] [--per-day 96] [--pg URL]

Without ``--pg`` it starts its own PostgreSQL server (Debian's package, tests/support/pg.py).
Goals (issue #15): the dashboard under 1 s and one store's month under 200 ms on PostgreSQL.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BAYFLOW_DISCOVERY", "off")

from kiosk.app import create_app  # noqa: E402
from kiosk.core import times  # noqa: E402
from kiosk.db import bind, connected, database  # noqa: E402
from kiosk.demo import make_vin  # noqa: E402
from kiosk.demo.figures_year import MODELS_IN_ORDER, year  # noqa: E402
from kiosk.models import Part, Staff  # noqa: E402
from kiosk.services.figures import board, group, period  # noqa: E402
from kiosk.services.figures.base import store_scope  # noqa: E402

CHUNK = 1000  # rows a statement


def _staff(store: int, technicians: int) -> dict:
    """A store's people (bulk: no change log)."""
    made = {"advisors": [], "technicians": []}
    rows = []
    for kind, count in (("advisors", 4), ("technicians", technicians)):
        for n in range(count):
            person = Staff(name=f"{kind[:3]}{store}-{n}", badge=f"S{store:02d}-{kind[:3].upper()}-{n}",
                           roles="advisor" if kind == "advisors" else "technician")
            made[kind].append(person)
            rows.append(person)
    made["clerk"] = Staff(name=f"clerk{store}", badge=f"S{store:02d}-PRT", roles="parts_clerk")
    made["qc"] = Staff(name=f"qc{store}", badge=f"S{store:02d}-QC", roles="qc")
    rows += [made["clerk"], made["qc"]]
    return made, rows


def _insert(rows_by_model: dict) -> int:
    """Insert every row, parents first, in chunks, in one transaction."""
    total = 0
    with database.atomic():
        for model in (Staff, Part, *MODELS_IN_ORDER):
            rows = rows_by_model.get(model, [])
            if not rows:
                continue
            names = [f.name for f in model._meta.sorted_fields]
            data = [{n: row.__data__.get(n) for n in names} for row in rows]
            for start in range(0, len(data), CHUNK):
                model.insert_many(data[start:start + CHUNK]).execute()
            total += len(rows)
    return total


def fill(targets: list[str], stores: int, days: int, per_day: float) -> dict:
    """The same rows into every database in ``targets``; answers the stores' prefixes."""
    prefixes = {}
    last = times.today() - dt.timedelta(days=1)
    counted = 0
    for store in range(stores):
        prefix = f"S{store:02d}"
        prefixes[f"门店{store + 1:02d}"] = (prefix,)
        people, staff_rows = _staff(store, max(3, round(per_day / 5)))
        part = Part(part_no=f"P{store:02d}-0001", name="机油滤清器", cost=30, price=68, bin="A-01")
        rows = year(random.Random(store), last=last, days=days, per_day=per_day, prefix=prefix,
                    advisors=people["advisors"], technicians=people["technicians"], clerk=people["clerk"],
                    qc=people["qc"], part=part, plate=lambda r, p=prefix: f"沪{p[1:]}{r.randint(0, 10**6):06d}",
                    vin=lambda r, wmi: make_vin(r, wmi, "N"))
        rows[Staff], rows[Part] = staff_rows, [part]
        for target in targets:
            bind(target)
            with connected():
                counted = _insert(rows)
        orders = len(rows[next(m for m in MODELS_IN_ORDER if m.__name__ == "WorkOrder")])
        print(f"  store {prefix}: {orders} orders, {counted} rows", flush=True)
    return prefixes


def timed(function, runs: int = 3) -> float:
    """The median wall time of ``runs`` calls after one warm-up call (ms)."""
    function()
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        found.append((time.perf_counter() - start) * 1000)
    return statistics.median(found)


def group_dashboard(month, prefixes):
    """One store's dashboard (its figures and trends) on the group's hub."""
    with store_scope(prefixes):
        return board.dashboard(month)


def measure(target: str, stores: dict) -> dict:
    bind(target)
    with connected():
        if target.startswith("postgres"):
            database.execute_sql("ANALYZE")
        # The last whole month (this one may be a day old): what a manager reads at a month's end.
        month = period.month(times.today().replace(day=1) - dt.timedelta(days=1))
        one = next(iter(stores.values()))
        return {"dashboard": timed(lambda: board.dashboard(month), runs=1),
                "store_dashboard": timed(lambda: group_dashboard(month, one), runs=1),
                "store_month": timed(lambda: group.store_figures(month, one)),
                "group_month": timed(lambda: group.side_by_side(month, stores), runs=1),
                "hub_month": timed(lambda: board.compute(month))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=10)
    parser.add_argument("--days", type=int, default=364)
    parser.add_argument("--per-day", type=float, default=96)
    parser.add_argument("--pg", help="a PostgreSQL URL for the group hub (default: start a server)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="figures-bench-"))
    server = None
    if args.pg:
        pg = args.pg
    else:
        from tests.support.pg import start_server  # a benchmark's own server, as the tests start one

        server = start_server()
        pg = server.create_database("figures_bench")
    sqlite = str(folder / "hub.sqlite")
    for target in (pg, sqlite):  # migrated as a hub
        create_app({"DATABASE": target, "ROLE": "hub", "SECRET_KEY": "bench", "WEB_PAGES": False,
                    "BLOB_FOLDER": str(folder / "blobs")})
        database.close()
    print(f"filling {args.stores} stores × {args.days} days, ~{args.per_day} orders a day, into PostgreSQL and SQLite")
    start = time.perf_counter()
    stores = fill([pg, sqlite], args.stores, args.days, args.per_day)
    print(f"filled in {time.perf_counter() - start:.0f} s; SQLite file {sqlite}")
    results = {name: measure(target, stores) for name, target in (("PostgreSQL", pg), ("SQLite", sqlite))}
    print(f"\n{'':28}{'PostgreSQL':>12}{'SQLite':>12}")
    for key, label in (("dashboard", "dashboard (12 months)"), ("store_dashboard", "one store's dashboard"),
                       ("store_month", "one store's month"),
                       ("group_month", "group page (month)"), ("hub_month", "whole hub's month")):
        print(f"{label:28}{results['PostgreSQL'][key]:>10.0f}ms{results['SQLite'][key]:>10.0f}ms")
    if server is not None:
        server.stop()


if __name__ == "__main__":
    main()
