"""Sync figures between real nodes on loopback (not a test: it prints numbers).

1. Events per second pushed from a kiosk to the hub and pulled by another kiosk.
2. A new kiosk's first sync from a hub holding a store-year (~30,000 work orders),
   and the same sync killed half-way and resumed.
3. Time from a change on one kiosk to its appearance on another, with the
   default background sync.

    python benchmarks/sync_bench.py [--events-orders 4000] [--year-orders 30000] [--changes 20]

The store-year is made by benchmarks/reception_load.py's filler and cached in
benchmarks/out/.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.reception_load import OUT, fill  # noqa: E402
from tests.support.nodes import BAYFLOW, Node, events_of, order_body  # noqa: E402


def count_events(db: str) -> int:
    return len(events_of(db))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_sync(node: Node, hub: Node | None = None) -> tuple[float, float, float]:
    """Wall seconds of ``bayflow sync --once``, and the CPU seconds it and the hub used.

    CPU seconds barely move when other work shares the machine; wall seconds do."""
    hub_before = cpu_seconds(hub.proc.pid) if hub else 0.0
    kiosk_before = children_cpu()
    began = time.perf_counter()
    node.sync()
    wall = time.perf_counter() - began
    return wall, children_cpu() - kiosk_before, (cpu_seconds(hub.proc.pid) - hub_before) if hub else 0.0


def filled_kiosk(folder: Path, orders: int) -> str:
    """A kiosk database with ``orders`` work orders, made once and cached in benchmarks/out/."""
    cached = OUT / f"kiosk-{orders}.sqlite"
    if not cached.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        fill(folder / "fill.sqlite", orders)
        shutil.copy(folder / "fill.sqlite", cached)
    kiosk_db = str(folder / "a.sqlite")
    shutil.copy(cached, kiosk_db)
    return kiosk_db


def events_per_second(folder: Path, orders: int) -> None:
    kiosk_db = filled_kiosk(folder, orders)
    events = count_events(kiosk_db)
    hub = Node(folder, "hub", role="hub", workers=None).start()
    a = Node(folder, "a", db=kiosk_db, prefix="A1", workers=None).start()
    b = Node(folder, "b", prefix="B1", workers=None).start()
    try:
        a.pair_with(hub)
        b.pair_with(hub)
        push = timed_sync(a, hub)
        pull = timed_sync(b, hub)
        idle = timed_sync(b, hub)  # the same command with nothing to move: start-up, discovery, hello
    finally:
        for node in (a, b, hub):
            node.stop()
    for name, (wall, kiosk_cpu, hub_cpu) in (("push, kiosk → hub", push), ("pull, hub → kiosk", pull)):
        moving = max(wall - idle[0], 1e-3)
        print(f"| {name} | {events:,} events | {wall:.1f} s (CPU: kiosk {kiosk_cpu:.1f} s, hub {hub_cpu:.1f} s)"
              f" | {events / wall:,.0f} events/s; {events / moving:,.0f} events/s without the fixed cost |")
    print(f"| `bayflow sync --once` with nothing to move | 0 events | {idle[0]:.1f} s (CPU: kiosk {idle[1]:.1f} s,"
          f" hub {idle[2]:.1f} s) | fixed cost of every command-line sync |")


def first_sync_of_a_year(folder: Path, orders: int) -> None:
    cached = OUT / f"store-{orders}.sqlite"
    if not cached.exists():
        print(f"  filling a store-year of {orders} work orders (cached for next time) …")
        fill(cached, orders)
    hub_db = str(folder / "year-hub.sqlite")
    shutil.copy(cached, hub_db)
    events = count_events(hub_db)
    hub = Node(folder, "year-hub", role="hub", db=hub_db, workers=None).start()
    fresh = Node(folder, "fresh", prefix="N1", workers=None)
    resumed = Node(folder, "resumed", prefix="N2", workers=None)
    try:
        fresh.pair_with(hub)
        whole, _, _ = timed_sync(fresh)
        resumed.pair_with(hub)
        began = time.perf_counter()
        with subprocess.Popen([BAYFLOW, "sync", "--db", resumed.db, "--once"]) as first_try:
            time.sleep(whole / 2)
            first_try.send_signal(signal.SIGKILL)
        resumed.sync()
        with_kill = time.perf_counter() - began
    finally:
        hub.stop()
    print(f"| first sync of a new kiosk | {events:,} events ({orders:,} work orders) | {whole:.1f} s | |")
    print(f"| the same, killed half-way and resumed | {events:,} events | {with_kill:.1f} s in all | |")


def change_to_appearance(folder: Path, changes: int) -> None:
    hub = Node(folder, "live-hub", role="hub", workers=None).start()
    a = Node(folder, "live-a", prefix="L1", sync_interval=None, workers=None).start()  # default background sync
    b = Node(folder, "live-b", prefix="L2", sync_interval=None, workers=None).start()
    delays = []
    try:
        a.pair_with(hub)
        b.pair_with(hub)
        time.sleep(3)  # let both workers make their first round
        for i in range(changes):
            number = a.api("POST", "/work-orders", order_body(10_000 + i), expect=201)["number"]
            began = time.perf_counter()
            while time.perf_counter() - began < 30:
                if isinstance(b.api("GET", f"/work-orders/{number}"), dict) and \
                        b.api("GET", f"/work-orders/{number}").get("number") == number:
                    break
                time.sleep(0.02)
            delays.append(time.perf_counter() - began)
    finally:
        for node in (a, b, hub):
            node.stop()
    p95 = statistics.quantiles(delays, n=20)[-1] if len(delays) > 1 else delays[0]
    print(f"| change on one kiosk → seen on another | {changes} changes | "
          f"p50 {statistics.median(delays):.2f} s, p95 {p95:.2f} s | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events-orders", type=int, default=4000)
    parser.add_argument("--year-orders", type=int, default=30000)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--parts", default="events,year,latency", help="which measures, comma-separated")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    print("| measure | size | time | rate |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "events" in parts:
            events_per_second(folder, args.events_orders)
        if "year" in parts:
            first_sync_of_a_year(folder, args.year_orders)
        if "latency" in parts:
            change_to_appearance(folder, args.changes)


if __name__ == "__main__":
    main()
