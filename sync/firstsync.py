"""A kiosk's first sync by snapshot: the hub's merged rows loaded as they are.

What and why: ``sync.snapshot`` (the hub's side). Here: whether to take one,
loading each page in one transaction with the progress saved in it (a sync
killed half-way resumes at the page it had not committed), and the end: the
kiosk's own events merged again into the rows they touch (work done offline
before the first sync, or while the snapshot loaded, is never lost), the
clock moved past the hub's events, and the pull cursor set to the mark.
"""
from __future__ import annotations

import gc
import json

from kiosk.core import events as page_events
from kiosk.core import config, times
from kiosk.db import SQLITE_PRAGMAS, SYNC_CACHE_KIB, database, is_postgresql, transaction
from kiosk.version import app_version
from sync import changelog, merge, snapshot, state, transport
from sync.node import current_node
from sync.prefetch import Prefetch
from sync.snapshotload import load_page

PROGRESS = "snapshot"  # SyncState key: {"mark", "parts", "at", "after"} while a snapshot loads

_offered: dict[str, bool] = {}  # per node id: whether the hub's last hello offered a snapshot


def note_hello(answer: dict) -> None:
    """Remember whether the hub offers snapshots (a hub of an older release does not say so)."""
    _offered[current_node().node_id] = bool(answer.get("snapshot"))


def wanted() -> bool:
    """A snapshot is taken by a SQLite node that never pulled and holds no other node's events
    (or that is half-way through one), from a hub that offers it."""
    if not _offered.get(current_node().node_id) or is_postgresql() or not config.snapshot_on():
        return False
    if state.get(PROGRESS):
        return True
    if int(state.get("hub_cursor", "0")) != 0:
        return False
    foreign = database.execute_sql('SELECT 1 FROM "change_event" WHERE "origin_node" <> ? LIMIT 1',
                                   (current_node().node_id,)).fetchone()
    return foreign is None


def _fits(manifest: dict) -> bool:
    mine = {name: set(columns) for name, columns in snapshot.local_tables().items()}
    theirs = {str(name): set(columns) for name, columns in manifest.get("tables") or []}
    return manifest.get("version") == app_version() and mine == theirs


def take() -> int | None:
    """Load the hub's snapshot (or the rest of it) and return how many events it held;
    None when the hub's build differs from ours (the caller pulls events instead)."""
    manifest = transport.call("snapshot", {"part": "manifest"}, timeout=60)
    progress = json.loads(state.get(PROGRESS) or "null")
    if not _fits(manifest):
        if progress is not None:  # the hub was upgraded half-way: merge what came, pull the rest
            _abandon(progress)
        return None
    if progress is None:
        progress = {"mark": int(manifest["mark"]), "parts": ["log", *[n for n, _ in manifest["tables"]]],
                    "at": 0, "after": None, "events": 0}
        with transaction():
            state.put(PROGRESS, json.dumps(progress))
    database.execute_sql(f"PRAGMA cache_size = -{SYNC_CACHE_KIB}")  # the indexes being written stay in memory
    # A page lost to a power cut is simply asked for again (its progress is in its
    # transaction): no waiting for the disk at every page's commit meanwhile.
    database.execute_sql("PRAGMA synchronous = NORMAL")
    collecting = gc.isenabled()
    gc.disable()  # the pages' many small lists are freed by reference counting (see sync.merge)
    try:
        return _load(progress)
    finally:
        database.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
        if collecting:
            gc.enable()


def _load(progress: dict) -> int:
    own = database.execute_sql('SELECT 1 FROM "change_event" WHERE "origin_node" = ? LIMIT 1',
                               (current_node().node_id,)).fetchone() is not None
    parts, page_size = progress["parts"], config.snapshot_page()

    def fetch(request):
        at, after = request
        answer = transport.call("snapshot", {"part": parts[at], "after": after, "mark": progress["mark"],
                                             "limit": page_size}, timeout=120)
        answer["at"] = at
        return answer

    def follow(answer):
        if answer.get("more"):
            return answer["at"], answer["after"]
        return (answer["at"] + 1, None) if answer["at"] + 1 < len(parts) else None

    if progress["at"] < len(parts):
        ahead = Prefetch((progress["at"], progress["after"]), fetch, follow)
        try:
            while True:
                answer = ahead.next()
                nxt = follow(answer)
                with transaction():
                    loaded = load_page(parts[answer["at"]], answer["columns"], answer["rows"], check_existing=own)
                    if parts[answer["at"]] == "log":
                        progress["events"] += loaded
                    progress["at"], progress["after"] = nxt if nxt is not None else (len(parts), None)
                    state.put(PROGRESS, json.dumps(progress))
                if nxt is None:
                    break
        finally:
            ahead.stop()
    _finish(progress["mark"])
    return progress["events"]


def _finish(mark: int) -> None:
    me = current_node().node_id
    with transaction():
        # Our own events (made before or during the snapshot): merged again with the
        # hub's into the rows they touch; and rows a page had to leave waiting.
        keys = set(database.execute_sql('SELECT DISTINCT "entity", "row_id" FROM "change_event"'
                                        ' WHERE "origin_node" = ?', (me,)).fetchall())
        keys |= set(database.execute_sql('SELECT "entity", "row_id" FROM "pending_row"'
                                         ' WHERE "reason" = ?', ("parent",)).fetchall())
        if keys:
            merge.refold(keys)
        top = database.execute_sql('SELECT MAX("hlc") FROM "change_event" WHERE NOT "flagged"'
                                   ' AND "origin_node" <> ?', (me,)).fetchone()[0]
        if top:
            changelog.clock().observe(top)
        state.put("hub_cursor", str(mark))
        state.put(PROGRESS, "")
        state.put("snapshot_at", times.utcnow().isoformat(timespec="seconds"))
        for table in snapshot.local_tables():
            page_events.note(table)


def _abandon(progress: dict) -> None:
    """A snapshot that cannot go on: every row merged again from the events that came,
    and the pull continues after the last of them."""
    log_done = progress["at"] > 0
    with transaction():
        merge.refold_all()
        cursor = progress["mark"] if log_done else int(progress["after"] or 0)
        state.put("hub_cursor", str(cursor))
        state.put(PROGRESS, "")
