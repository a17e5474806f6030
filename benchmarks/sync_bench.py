"""Sync figures between real nodes on loopback, each beside its anchor in the same run
(not a test: it prints numbers).

1. Events per second pushed from a kiosk to the hub and pulled by another kiosk (a new
   one: the hub's snapshot; and one merging every event, as a kiosk that synced before),
   beside PouchDB pulling as many docs (benchmarks/pouchdb_anchor.js, the shared
   anchor: express-pouchdb, in memory, over loopback HTTP), round after round.
2. `bayflow sync --once` with nothing to do, beside `python -c "import flask"`.
3. A new kiosk's first sync from a hub holding a store-year (~30,000 work orders,
   240,000 events), the same sync killed half-way and resumed, and PouchDB pulling
   as many docs.
4. Time from a change on one kiosk to its appearance on another, with the
   default background sync.

CPU seconds count every process: the `bayflow sync --once` command (waited for)
and the hub's processes (the server, its workers, and the children it reaped).

    python benchmarks/sync_bench.py [--events-orders 4000] [--year-orders 30000] [--changes 20]
        [--rounds 3] [--parts events,idle,year,latency] [--pouchdb DIR]

PouchDB: node and npm, then once: `mkdir -p benchmarks/out/pouchdb && cd benchmarks/out/pouchdb &&
npm init -y && npm install pouchdb-node pouchdb-adapter-memory express-pouchdb express@4`
(../shared/anchors/pouchdb/README). Without it the anchors are left out and said so.
The store-year is the one benchmarks/store.py caches for every benchmark.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.reception_load import fill  # noqa: E402
from benchmarks.store import OUT, as_installed, copy_of, store_year  # noqa: E402
from tests.support.nodes import BAYFLOW, Node, events_of, order_body  # noqa: E402

POUCHDB = OUT / "pouchdb"


def count_events(db: str) -> int:
    return len(events_of(db))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and every process below it, and of the children
    they already reaped (from /proc)."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        todo += [int(child) for child in children]
    return total / os.sysconf("SC_CLK_TCK")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_sync(node: Node, hub: Node | None = None) -> tuple[float, float, float]:
    """Wall seconds of ``bayflow sync --once``, and the CPU seconds it and the hub's processes used.

    CPU seconds barely move when other work shares the machine; wall seconds do."""
    hub_before = cpu_seconds(hub.proc.pid) if hub else 0.0
    kiosk_before = children_cpu()
    began = time.perf_counter()
    node.sync()
    wall = time.perf_counter() - began
    return wall, children_cpu() - kiosk_before, (cpu_seconds(hub.proc.pid) - hub_before) if hub else 0.0


def pouchdb_pull(docs: int) -> float | None:
    """Seconds PouchDB takes to pull ``docs`` docs from its server, or None without PouchDB."""
    if not (POUCHDB / "node_modules" / "pouchdb-node").exists():
        return None
    script = POUCHDB / "pouchdb_anchor.js"
    script.write_text((Path(__file__).parent / "pouchdb_anchor.js").read_text())
    done = subprocess.run(["node", str(script), str(docs), "pull"], cwd=POUCHDB, capture_output=True, text=True,
                          timeout=900)
    return json.loads(done.stdout.strip().splitlines()[-1])["pull_s"]


def python_import_flask() -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import flask"], check=True)
    return time.perf_counter() - began


def filled_kiosk(folder: Path, orders: int) -> str:
    """A kiosk database with ``orders`` work orders, made once and cached in benchmarks/out/."""
    return str(copy_of(store_year(orders, fill, name="kiosk"), folder / "a.sqlite"))


def events_per_second(folder: Path, orders: int, rounds: int) -> None:
    """Push and pull of one kiosk's events, round after round, each beside PouchDB's pull of as many docs."""
    figures = []
    for number in range(1, rounds + 1):
        round_folder = folder / f"events-{number}"
        round_folder.mkdir()
        kiosk_db = filled_kiosk(round_folder, orders)
        events = count_events(kiosk_db)
        hub = Node(round_folder, "hub", role="hub", workers=None).start()
        a = Node(round_folder, "a", db=kiosk_db, prefix="A1", workers=None).start()
        b = Node(round_folder, "b", prefix="B1", workers=None).start()
        c = Node(round_folder, "c", prefix="C1", workers=None)
        c.env["BAYFLOW_SYNC_SNAPSHOT"] = "off"  # every event pulled and merged, as a kiosk that synced before
        try:
            a.pair_with(hub)
            b.pair_with(hub)
            c.pair_with(hub)
            push = timed_sync(a, hub)
            pull = timed_sync(b, hub)  # a new kiosk: the hub's snapshot (sync.snapshot)
            idle = timed_sync(b, hub)  # the same command with nothing to move
            merged = timed_sync(c, hub)
        finally:
            for node in (a, b, hub):
                node.stop()
        anchor = pouchdb_pull(events)
        figures.append((push, pull, idle, anchor, merged))
        print(f"  round {number}: {events:,} events; push {push[0]:.2f} s (CPU kiosk {push[1]:.1f} s, hub {push[2]:.1f} s);"
              f" pull {pull[0]:.2f} s (CPU kiosk {pull[1]:.1f} s, hub {pull[2]:.1f} s);"
              f" pull merging every event {merged[0]:.2f} s (CPU kiosk {merged[1]:.1f} s, hub {merged[2]:.1f} s);"
              f" PouchDB pull {anchor if anchor is None else f'{anchor:.2f}'} s", flush=True)
    med = statistics.median
    push_s, pull_s = med(f[0][0] for f in figures), med(f[1][0] for f in figures)
    print(f"| push, kiosk → hub, a whole `bayflow sync --once` | {events:,} events | {push_s:.2f} s "
          f"(CPU: kiosk {med(f[0][1] for f in figures):.1f} s, hub {med(f[0][2] for f in figures):.1f} s) "
          f"| {events / push_s:,.0f} events/s |")
    line = (f"| pull, hub → kiosk, a whole `bayflow sync --once` | {events:,} events | {pull_s:.2f} s "
            f"(CPU: kiosk {med(f[1][1] for f in figures):.1f} s, hub {med(f[1][2] for f in figures):.1f} s) "
            f"| {events / pull_s:,.0f} events/s")
    if figures[0][3] is not None:
        anchor_s = med(f[3] for f in figures)
        ratio = med(f[3] / f[1][0] for f in figures)
        line += f"; PouchDB {events / anchor_s:,.0f} docs/s ({anchor_s:.2f} s): **{ratio:.1f}× PouchDB**"
    print(line + " |")
    merged_s = med(f[4][0] for f in figures)
    line = (f"| pull merging every event (`SYNC_SNAPSHOT=off`: a kiosk that synced before) | {events:,} events | "
            f"{merged_s:.2f} s (CPU: kiosk {med(f[4][1] for f in figures):.1f} s, hub {med(f[4][2] for f in figures):.1f} s)"
            f" | {events / merged_s:,.0f} events/s")
    if figures[0][3] is not None:
        line += f": **{med(f[3] / f[4][0] for f in figures):.1f}× PouchDB**"
    print(line + " |")


def idle_sync(folder: Path, rounds: int) -> None:
    """`bayflow sync --once` with nothing to do (the hub known), beside `python -c "import flask"`."""
    hub = Node(folder, "idle-hub", role="hub", workers=None).start()
    kiosk = Node(folder, "idle-kiosk", prefix="I1")
    figures = []
    try:
        kiosk.pair_with(hub)
        kiosk.sync()
        for _ in range(rounds * 2):
            figures.append((timed_sync(kiosk, hub), python_import_flask()))
    finally:
        hub.stop()
    wall = statistics.median(f[0][0] for f in figures)
    anchor = statistics.median(f[1] for f in figures)
    ratio = statistics.median(f[0][0] / f[1] for f in figures)
    print(f"| `bayflow sync --once`, nothing to do, the hub known | 0 events | {wall:.2f} s "
          f"(CPU: kiosk {statistics.median(f[0][1] for f in figures):.2f} s, hub "
          f"{statistics.median(f[0][2] for f in figures):.2f} s) | `python -c \"import flask\"` {anchor:.2f} s: "
          f"**{ratio:.1f}×** |")


def first_sync_of_a_year(folder: Path, orders: int) -> None:
    hub_db = str(copy_of(store_year(orders, fill), folder / "year-hub.sqlite"))
    events = count_events(hub_db)
    hub = Node(folder, "year-hub", role="hub", db=hub_db, workers=None).start()
    fresh = Node(folder, "fresh", prefix="N1", workers=None)
    resumed = Node(folder, "resumed", prefix="N2", workers=None)
    try:
        fresh.pair_with(hub)
        whole, kiosk_cpu, hub_cpu = timed_sync(fresh, hub)
        resumed.pair_with(hub)
        began = time.perf_counter()
        with subprocess.Popen([BAYFLOW, "sync", "--db", resumed.db, "--once"]) as first_try:
            time.sleep(whole / 2)
            first_try.send_signal(signal.SIGKILL)
        resumed.sync()
        with_kill = time.perf_counter() - began
    finally:
        hub.stop()
    anchor = pouchdb_pull(events)
    versus = "" if anchor is None else \
        f"PouchDB pull {anchor:.1f} s ({events / anchor:,.0f} docs/s): **{anchor / whole:.1f}× faster**"
    print(f"| first sync of a new kiosk | {events:,} events ({orders:,} work orders) | {whole:.1f} s "
          f"(CPU: kiosk {kiosk_cpu:.1f} s, hub {hub_cpu:.1f} s) | {versus} |")
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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parts", default="events,idle,year,latency", help="which measures, comma-separated")
    parser.add_argument("--pouchdb", type=Path, default=POUCHDB,
                        help="the folder where pouchdb-node, pouchdb-adapter-memory, express-pouchdb, express@4 "
                             "are installed with npm")
    args = parser.parse_args()
    globals()["POUCHDB"] = args.pouchdb
    parts = set(args.parts.split(","))
    as_installed()  # bytecode compiled, as pip installs it (benchmarks/store.py)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if not (args.pouchdb / "node_modules" / "pouchdb-node").exists():
        print(f"(no PouchDB in {args.pouchdb}: the anchors are left out; see this script's docstring)")
    print("| measure | size | time | rate, anchor in the same run |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "events" in parts:
            events_per_second(folder, args.events_orders, args.rounds)
        if "idle" in parts:
            idle_sync(folder, args.rounds)
        if "year" in parts:
            first_sync_of_a_year(folder, args.year_orders)
        if "latency" in parts:
            change_to_appearance(folder, args.changes)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
