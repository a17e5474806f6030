"""A new kiosk's first sync by snapshot (sync.snapshot, sync.firstsync) against a real hub:
the same tables as merging every event, resumable, and a kiosk's own offline work kept."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from benchmarks.reception_load import fill
from sync import merge
from tests.support.nodes import BAYFLOW, events_of, order_body, state_of

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


def _history(nodes, tmp_path, hub_db: str | None = None):
    """A hub holding forty orders from one kiosk and concurrent edits from two: field clocks and conflicts."""
    source = tmp_path / "source.sqlite"
    fill(source, 40)  # forty work orders with customers, vehicles, lines, payments
    hub = nodes("hub", role="hub", discovery=False, **({"db": hub_db} if hub_db else {})).start()
    a = nodes("a", db=str(source), discovery=False).start()
    b = nodes("b", prefix="B2", discovery=False).start()
    a.pair_with(hub)
    b.pair_with(hub)
    numbers = [a.api("POST", "/work-orders", order_body(i), expect=201)["number"] for i in range(3)]
    a.sync()
    b.sync()
    for n in numbers:  # the same field edited on two kiosks before either syncs
        a.api("PATCH", f"/work-orders/{n}", {"notes": "A：客户要求先报价"}, expect=200)
        b.api("PATCH", f"/work-orders/{n}", {"notes": "B：客户同意维修"}, expect=200)
    b.api("POST", f"/work-orders/{numbers[0]}/status", {"status": "diagnosis"}, expect=200)
    b.api("POST", "/work-orders", order_body(900), expect=201)
    for node in (a, b, a):
        node.sync()
    return hub, a, b


def _merged_twin(nodes, hub):
    """A new kiosk that pulls and merges every event (the snapshot turned off)."""
    merged = nodes("merged", prefix="M1", discovery=False)
    merged.env["BAYFLOW_SYNC_SNAPSHOT"] = "off"
    merged.pair_with(hub)
    merged.sync()
    assert not _snapshot_taken(merged.db)
    return _tables(merged.db)


def _assert_same(got: dict, want: dict) -> None:
    assert got["work_order"] and got["field_clock"] and got["conflict"]
    for name in want:
        assert got[name] == want[name], name


def test_a_snapshot_gives_the_same_tables_as_merging_every_event(nodes, tmp_path):
    hub, _, _ = _history(nodes, tmp_path)
    snap = nodes("snap", prefix="S1", discovery=False)
    snap.pair_with(hub)
    snap.sync()
    assert _snapshot_taken(snap.db)
    _assert_same(_tables(snap.db), _merged_twin(nodes, hub))


def test_a_snapshot_from_a_postgresql_hub_gives_the_same_tables(nodes, tmp_path, pg_url):
    hub, _, _ = _history(nodes, tmp_path, hub_db=pg_url)
    snap = nodes("snap", prefix="S1", discovery=False)
    snap.pair_with(hub)
    snap.sync()
    assert _snapshot_taken(snap.db)
    _assert_same(_tables(snap.db), _merged_twin(nodes, hub))


def _progress(db: str) -> str:
    with sqlite3.connect(db, timeout=30) as con:
        found = con.execute("SELECT value FROM sync_state WHERE key = 'snapshot'").fetchone()
    return found[0] if found else ""


def _killed_half_way(nodes, tmp_path):
    """A hub with history and a new kiosk whose first sync was killed half-way through the file."""
    hub, _, _ = _history(nodes, tmp_path)
    snap = nodes("snap", prefix="S1", discovery=False)
    snap.pair_with(hub)
    snap.env["BAYFLOW_SYNC_SNAPSHOT_CHUNK_KIB"] = "16"  # the hub's file in many small ranges
    env = {**os.environ, **snap.env}
    with subprocess.Popen([BAYFLOW, "sync", "--db", snap.db, "--once"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as first_try:
        # Killed once some of the file has come, each range's offset committed as it was written.
        while first_try.poll() is None and json.loads(_progress(snap.db) or '{"offset": 0}')["offset"] == 0:
            time.sleep(0.005)
        first_try.send_signal(signal.SIGKILL)
    return hub, snap


@pytest.mark.parametrize("hub_kept_it", [True, False])
def test_a_snapshot_killed_half_way_resumes_to_the_same_tables(nodes, tmp_path, hub_kept_it):
    hub, snap = _killed_half_way(nodes, tmp_path)
    half = json.loads(_progress(snap.db))
    assert 0 < half["offset"] < half["size"]  # stopped half-way
    assert not _snapshot_taken(snap.db)
    made = list(Path(hub.db).parent.glob("*.snapshot-*.sqlite"))
    assert len(made) == 1
    if not hub_kept_it:  # the hub's file is gone (a day passed, a disk tidied): a new one from its start
        made[0].unlink()
    snap.sync()
    assert not list(Path(hub.db).parent.glob("*.snapshot-*"))  # the kiosk said it was done: the hub's copy goes
    assert _progress(snap.db) == "" and _snapshot_taken(snap.db)
    _assert_same(_tables(snap.db), _merged_twin(nodes, hub))


def test_a_kiosk_that_worked_offline_keeps_its_work_through_its_first_sync(nodes, tmp_path):
    from kiosk.cli import build_app, opened
    from sync import client, transport

    hub, _, b = _history(nodes, tmp_path)
    late = nodes("late", prefix="L1", discovery=False).start()
    late.pair_with(hub)
    # Orders taken before the kiosk ever synced, one of them moved on.
    mine = [late.api("POST", "/work-orders", order_body(700 + i), expect=201)["number"] for i in range(3)]
    late.api("POST", f"/work-orders/{mine[0]}/status", {"status": "diagnosis"}, expect=200)
    try:
        with opened(build_app(late.db, must_exist=True)):
            client.hello()
            client.push()  # sent, not pulled yet
    finally:
        transport.forget_session()
    b.sync()  # another kiosk edits one of them meanwhile: that row has events of both
    b.api("PATCH", f"/work-orders/{mine[1]}", {"notes": "B：客户同意维修"}, expect=200)
    b.sync()
    late.api("PATCH", f"/work-orders/{mine[2]}", {"belongings": "后备箱有雨伞"}, expect=200)  # not sent yet
    late.sync()
    assert _snapshot_taken(late.db)
    for number in mine:
        assert late.api("GET", f"/work-orders/{number}")["number"] == number
        assert hub.api("GET", f"/work-orders/{number}")["number"] == number
    assert late.api("GET", f"/work-orders/{mine[0]}")["status"] == "diagnosis"
    assert late.api("GET", f"/work-orders/{mine[1]}")["notes"] == "B：客户同意维修"
    assert late.api("GET", f"/work-orders/{mine[2]}")["belongings"] == "后备箱有雨伞"
    assert state_of(late.db) == state_of(hub.db)
    assert state_of(late.db) == merge.reference_state(events_of(late.db))



def _say_progress(db: str, progress: dict) -> None:
    with sqlite3.connect(db, timeout=30) as con:
        con.execute("UPDATE sync_state SET value = ? WHERE key = 'snapshot'", (json.dumps(progress),))


def test_a_saved_offset_past_what_reached_the_disk_is_fetched_again(nodes, tmp_path):
    # A power cut after the offset was saved but before the bytes were on the disk.
    hub, snap = _killed_half_way(nodes, tmp_path)
    progress = json.loads(_progress(snap.db))
    _say_progress(snap.db, {**progress, "offset": progress["size"]})
    snap.sync()
    assert _progress(snap.db) == "" and _snapshot_taken(snap.db)
    _assert_same(_tables(snap.db), _merged_twin(nodes, hub))


def test_a_snapshot_spoilt_on_the_disk_is_fetched_anew_and_the_kiosk_never_stays_stuck(nodes, tmp_path):
    hub, snap = _killed_half_way(nodes, tmp_path)
    progress = json.loads(_progress(snap.db))
    Path(snap.db + ".snapshot").write_bytes(b"\0" * progress["size"])  # every byte "came", none is right
    _say_progress(snap.db, {**progress, "offset": progress["size"]})
    failed = snap.sync(check=False)
    assert failed.returncode != 0 and _progress(snap.db) == "" and not _snapshot_taken(snap.db)
    snap.sync()  # a new file from its start
    assert _snapshot_taken(snap.db)
    _assert_same(_tables(snap.db), _merged_twin(nodes, hub))
