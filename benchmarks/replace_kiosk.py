"""How long a new PC takes to replace a dead kiosk of a store with a year of data
(not a test: it prints numbers).

A hub holding a store-year (benchmarks/reception_load.py's filler, cached in
benchmarks/out/), with a dead reception kiosk whose last report carried its
printers, cameras and idle time. Timed, as the installer does it: a
replacement code made on the hub, ``bayflow pair`` on the new PC (it takes
the station and the settings over), then ``bayflow sync --once`` until the new
PC holds the whole store.

    python benchmarks/replace_kiosk.py [--year-orders 30000]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.reception_load import OUT, fill  # noqa: E402
from tests.multinode.harness import Node, events_of, run_cli  # noqa: E402


def dead_kiosk(hub_db: str) -> str:
    """A reception kiosk the hub knew, with its settings, that will never call again."""
    from uuid6 import uuid7

    from kiosk.core import times
    from kiosk.db import bind, connected
    from kiosk.models.ops import NodeReport
    from sync.pairing import Peer

    bind(hub_db)
    node_id = str(uuid7())
    settings = {"printers": [{"station": "reception", "purpose": "labels", "kind": "zpl",
                              "address": "192.168.1.50:9100", "queue": "", "mode": "image"}],
                "cameras": ["0"], "idle_seconds": {"reception": 240}}
    with connected():
        Peer.create(node_id=node_id, public_key="A" * 43 + "=", station="reception", prefix="R9",
                    paired_at=times.utcnow())
        NodeReport.create(node_id=node_id, version="0.2.0", settings=json.dumps(settings))
    return node_id


def replacement_code(hub_db: str, node_id: str) -> str:
    from kiosk.db import bind, connected
    from sync.pairing import create_pairing_code

    bind(hub_db)
    with connected():
        return create_pairing_code(replaces=node_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--year-orders", type=int, default=30000)
    args = parser.parse_args()
    cached = OUT / f"store-{args.year_orders}.sqlite"
    if not cached.exists():
        print(f"  filling a store-year of {args.year_orders} work orders (cached for next time) …")
        OUT.mkdir(parents=True, exist_ok=True)
        fill(cached, args.year_orders)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        hub_db = str(folder / "hub.sqlite")
        shutil.copy(cached, hub_db)
        events = len(events_of(hub_db))
        old = dead_kiosk(hub_db)
        hub = Node(folder, "hub", role="hub", db=hub_db).start()
        new = Node(folder, "new")
        try:
            began = time.perf_counter()
            code = replacement_code(hub_db, old)
            paired = run_cli("pair", "--db", new.db, "--hub", hub.url, "--code", code)
            after_pair = time.perf_counter() - began
            while new.sync(check=False).returncode != 0:
                pass
            whole = time.perf_counter() - began
        finally:
            hub.stop()
    assert "replaces kiosk R9" in paired.stdout, paired.stdout
    print("| measure | size | time |\n|---|---|---|")
    print(f"| code on the hub, `bayflow pair` (station and settings taken over) | — | {after_pair:.1f} s |")
    print(f"| … and the new PC holds the whole store (`bayflow sync --once`) | {events:,} events "
          f"({args.year_orders:,} work orders) | {whole:.1f} s |")


if __name__ == "__main__":
    main()
