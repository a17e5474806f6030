"""A new kiosk's first sync by snapshot (sync.snapshot, sync.firstsync) against a real hub:
the same tables as merging every event, resumable, and a kiosk's own offline work kept."""
from __future__ import annotations

import signal
import sqlite3
import subprocess
import time

from benchmarks.reception_load import fill
from tests.support.nodes import BAYFLOW, events_of, order_body

# Columns a node fills in for itself, not by merging: when it stored a row, and a
# person's review of a conflict on that node. Everything else must be the same.
_LOCAL = {"change_event": {"seq", "created_at", "received_at"}, "conflict": {"id", "created_at"}}


def _tables(db: str) -> dict:
    """Every replicated table, the change log, field clocks, waiting rows and conflicts, as sets of rows."""
    from kiosk.models.base import Replicated  # noqa: F401  (the models register themselves)
    from sync.mergeschema import registry

    names = [*registry(), "change_event", "field_clock", "pending_row", "conflict"]
    out = {}
    with sqlite3.connect(db) as con:
        present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for name in names:
            if name not in present:
                continue
            columns = [r[1] for r in con.execute(f'PRAGMA table_info("{name}")')
                       if r[1] not in _LOCAL.get(name, set())]
            select = ", ".join(f'"{c}"' for c in columns)
            out[name] = sorted(con.execute(f'SELECT {select} FROM "{name}"').fetchall(), key=repr)
    return out


def _snapshot_taken(db: str) -> bool:
    with sqlite3.connect(db) as con:
        found = con.execute("SELECT value FROM sync_state WHERE key = 'snapshot_at'").fetchone()
    return bool(found and found[0])


def test_a_snapshot_gives_the_same_tables_as_merging_every_event(nodes, tmp_path):
    source = tmp_path / "source.sqlite"
    fill(source, 40)  # forty work orders with customers, vehicles, lines, payments
    hub = nodes("hub", role="hub", discovery=False).start()
    a = nodes("a", db=str(source), discovery=False).start()
    b = nodes("b", prefix="B2", discovery=False).start()
    a.pair_with(hub)
    b.pair_with(hub)
    numbers = [a.api("POST", "/work-orders", order_body(i), expect=201)["number"] for i in range(3)]
    a.sync()
    b.sync()
    # The same orders edited on two kiosks before either syncs: field clocks and conflicts.
    for n in numbers:
        a.api("PATCH", f"/work-orders/{n}", {"notes": "A：客户要求先报价"}, expect=200)
        b.api("PATCH", f"/work-orders/{n}", {"notes": "B：客户同意维修"}, expect=200)
    b.api("POST", f"/work-orders/{numbers[0]}/status", {"status": "diagnosis"}, expect=200)
    b.api("POST", "/work-orders", order_body(900), expect=201)
    for node in (a, b, a):
        node.sync()
    snap = nodes("snap", prefix="S1", discovery=False)
    merged = nodes("merged", prefix="M1", discovery=False)
    merged.env["BAYFLOW_SYNC_SNAPSHOT"] = "off"  # this one pulls and merges every event
    snap.pair_with(hub)
    merged.pair_with(hub)
    snap.sync()
    merged.sync()
    assert _snapshot_taken(snap.db) and not _snapshot_taken(merged.db)
    got, want = _tables(snap.db), _tables(merged.db)
    assert got["work_order"] and got["field_clock"] and got["conflict"]
    for name in want:
        assert got[name] == want[name], name
