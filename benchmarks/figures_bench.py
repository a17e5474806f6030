"""The manager's figures on a dealer group's hub (not a test: it prints numbers).

Fills a group hub with ``--stores`` stores × ``--days`` days of delivered work each
(kiosk.demo.figures_year: orders, jobs, clocks, attendance, QC, deliveries, parts
requests and issues; ~30,000 orders a store-year at the default ``--per-day 96``),
bulk-loaded (benchmarks/figures_fill.py: COPY into PostgreSQL, one transaction into SQLite;
no change log: it measures the figures' queries, not sync), the same rows into PostgreSQL
and into SQLite, kept in ``--cache`` for the next run of the same size. Then times, on each:

* the dashboard (every figure of last month with its 12-month trend, the whole hub; and
  one store's dashboard),
* one store's figures for one month (within its number prefixes),
* the group page: every store's month side by side with the group's totals.

    python benchmarks/figures_bench.py [--stores 10] [--days 364] [--per-day 96] [--rounds 3] [--cache DIR]

It starts its own PostgreSQL server (Debian's package, tests/support/pg.py) on the cached cluster.
Goals (issue #15): the dashboard under 1 s and one store's month under 200 ms on PostgreSQL.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BAYFLOW_DISCOVERY", "off")

from benchmarks.figures_fill import filled_hub  # noqa: E402
from kiosk.core import times  # noqa: E402
from kiosk.db import bind, connected, database  # noqa: E402
from kiosk.services.figures import board, group, period  # noqa: E402
from kiosk.services.figures.base import store_scope  # noqa: E402


def timed(function, runs: int = 3) -> float:
    """The median wall time of ``runs`` calls after one warm-up call (ms); a call of more than
    5 s is timed once (its first call: a second would not change the picture)."""
    start = time.perf_counter()
    function()
    first = (time.perf_counter() - start) * 1000
    if first > 5000:
        return first
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


CALLS = {"dashboard": "dashboard (12 months)", "store_dashboard": "one store's dashboard",
         "store_month": "one store's month", "group_month": "group page (month)", "hub_month": "whole hub's month"}


def measure(target: str, stores: dict, rounds: int, only: list) -> dict:
    bind(target)
    with connected():
        if target.startswith("postgres"):
            database.execute_sql("ANALYZE")
        # The last whole month (this one may be a day old): what a manager reads at a month's end.
        month = period.month(times.today().replace(day=1) - dt.timedelta(days=1))
        one = next(iter(stores.values()))
        calls = {"dashboard": lambda: board.dashboard(month),
                 "store_dashboard": lambda: group_dashboard(month, one),
                 "store_month": lambda: group.store_figures(month, one),
                 "group_month": lambda: group.side_by_side(month, stores),
                 "hub_month": lambda: board.compute(month)}
        return {key: timed(calls[key], rounds) for key in only}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=10)
    parser.add_argument("--days", type=int, default=364)
    parser.add_argument("--per-day", type=float, default=96)
    parser.add_argument("--rounds", type=int, default=3, help="timed calls of each (the median is printed)")
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "bayflow-figures-bench"),
                        help="where the filled hub is kept between runs")
    parser.add_argument("--only", default=",".join(CALLS), help="the calls to time (comma-separated keys)")
    parser.add_argument("--fill-only", action="store_true", help="fill (or check) the kept hub and stop")
    args = parser.parse_args()
    only = [key for key in args.only.split(",") if key in CALLS]
    server, pg, sqlite, stores, kept = filled_hub(Path(args.cache), args.stores, args.days, args.per_day)
    try:
        if args.fill_only:
            return
        results = {name: measure(target, stores, args.rounds, only)
                   for name, target in (("PostgreSQL", pg), ("SQLite", sqlite))}
    finally:
        server.stop()
    print(f"\n{kept['stores'] and len(kept['stores'])} stores, filled {kept['day']} in {kept['fill_seconds']} s; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'':28}{'PostgreSQL':>12}{'SQLite':>12}{'PG/SQLite':>11}")
    for key in only:
        label = CALLS[key]
        pg_ms, lite_ms = results["PostgreSQL"][key], results["SQLite"][key]
        print(f"{label:28}{pg_ms:>10.0f}ms{lite_ms:>10.0f}ms{pg_ms / lite_ms:>10.2f}×")


if __name__ == "__main__":
    main()
