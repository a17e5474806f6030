"""A kiosk's first sync by snapshot: the hub's merged rows loaded as they are.

What and why: ``sync.snapshot`` (the hub's side). Here: whether to take one, and
taking it — from a SQLite hub as one file fetched in ranges and copied with SQL
(``sync.snapshotfile``), from a PostgreSQL hub as JSON pages (``sync.snapshotload``),
each page in one transaction. The progress is saved as it goes, so a sync killed
half-way goes on where it stopped. At the end (``snapshotload.finish``) the kiosk's
own events are merged again into the rows they touch (work done offline before
the first sync, or while the snapshot loaded, is never lost), and the pull goes
on after the snapshot's mark.
"""
from __future__ import annotations

import base64
import gc
import json
import os
import zlib
from contextlib import contextmanager
from pathlib import Path

from peewee import IntegrityError

from kiosk.core import config
from kiosk.db import SQLITE_PRAGMAS, SYNC_CACHE_KIB, database, is_postgresql, transaction
from kiosk.version import app_version
from sync import merge, snapshot, snapshotfile, state, transport
from sync.node import current_node
from sync.prefetch import Prefetch
from sync.snapshotload import PROGRESS, finish, load_page

FAILED = "snapshot_failed"  # SyncState key: a snapshot that could not be loaded; events are pulled instead
RETRIED = "snapshot_retried"  # SyncState key: a load failed once for another reason and was started again

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
    if int(state.get("hub_cursor", "0")) != 0 or state.get(FAILED):
        return False
    return _one_row('SELECT 1 FROM "change_event" WHERE "origin_node" <> ? LIMIT 1') is None


def _one_row(sql: str):
    return database.execute_sql(sql, (current_node().node_id,)).fetchone()


def _fits(manifest: dict) -> bool:
    mine = {name: set(columns) for name, columns in snapshot.local_tables().items()}
    theirs = {str(name): set(columns) for name, columns in manifest.get("tables") or []}
    return manifest.get("version") == app_version() and mine == theirs


def take() -> int | None:
    """Load the hub's snapshot (or the rest of it) and return how many events it held;
    None when the hub's build differs from ours (the caller pulls events instead)."""
    progress = json.loads(state.get(PROGRESS) or "null")
    ask: dict = {"part": "manifest", "version": app_version()}
    if progress is not None:  # go on with the same file, or with pages
        ask.update({"name": progress.get("name")} if progress.get("file") else {"pages": True})
    manifest = transport.call("snapshot", ask, timeout=600)  # a store-year's file takes seconds to make
    if not _fits(manifest):
        if progress is not None:  # the hub was upgraded half-way: merge what came, pull the rest
            _abandon(progress)
        return None
    with _bulk_writes():
        if "file" in manifest:
            return _take_file(manifest, progress)
        return _take_pages(manifest, progress)


@contextmanager
def _bulk_writes():
    database.execute_sql(f"PRAGMA cache_size = -{SYNC_CACHE_KIB}")  # the indexes being written stay in memory
    # A page lost to a power cut is simply asked for again (its progress is in its
    # transaction): no waiting for the disk at every commit meanwhile.
    database.execute_sql("PRAGMA synchronous = NORMAL")
    collecting = gc.isenabled()
    gc.disable()  # the pages' many small lists are freed by reference counting (see sync.merge)
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA synchronous = {SQLITE_PRAGMAS['synchronous']}")
        if collecting:
            gc.enable()


def _save(progress: dict) -> None:
    with transaction():
        state.put(PROGRESS, json.dumps(progress))


def _take_file(manifest: dict, progress: dict | None) -> int | None:
    mark, name, size = int(manifest["mark"]), str(manifest["file"]["name"]), int(manifest["file"]["size"])
    path = Path(f"{database.obj.database}.snapshot")
    if progress is None or not progress.get("file") or progress.get("name") != name:
        progress = {"file": True, "name": name, "mark": mark, "size": size, "offset": 0}  # a new file: from its start
        _save(progress)
    path.touch()
    # After a power cut the saved offset may run past what reached the disk: fetch that again.
    progress["offset"] = min(progress["offset"], path.stat().st_size)
    with open(path, "r+b") as out:
        out.truncate(progress["offset"])  # what was written after the last saved offset is fetched again
        out.seek(progress["offset"])
        limit = config.snapshot_chunk_kib() * 1024

        def fetch(offset: int) -> dict:
            answer = transport.call("snapshot", {"part": "file", "name": name, "offset": offset, "limit": limit},
                                    timeout=120)
            return {"offset": offset, "data": zlib.decompress(base64.b64decode(answer["data"]))}

        def follow(answer: dict):
            end = answer["offset"] + len(answer["data"])
            return end if answer["data"] and end < size else None

        if progress["offset"] < size:
            ahead = Prefetch(progress["offset"], fetch, follow)
            try:
                while progress["offset"] < size:
                    answer = ahead.next()
                    if not answer["data"]:
                        raise transport.SyncError("the hub's snapshot file ended early")
                    out.write(answer["data"])
                    out.flush()
                    os.fsync(out.fileno())  # on the disk before the offset says so
                    progress["offset"] += len(answer["data"])
                    _save(progress)
            finally:
                ahead.stop()
    own = _one_row('SELECT 1 FROM "change_event" WHERE "origin_node" = ? LIMIT 1') is not None
    try:
        snapshotfile.attach(path)
        with transaction():
            events = snapshotfile.load(own_rows=own)
            finish(mark)
    except (ValueError, IntegrityError):
        # Not this build's tables after all, or rows that do not fit: pull the events instead.
        with transaction():
            state.put(PROGRESS, "")
            state.put(FAILED, "1")
        events = None
    except Exception:
        # Anything else (a full disk, a locked database, a file spoilt on the disk): the
        # next round fetches a new file from its start; a second such failure gives the
        # snapshot up and pulls the events, so a kiosk never stays stuck on it.
        with transaction():
            state.put(PROGRESS, "")
            if state.get(RETRIED):
                state.put(FAILED, "1")
            state.put(RETRIED, "1")
        raise
    finally:
        snapshotfile.detach()
        path.unlink(missing_ok=True)
    try:
        transport.call("snapshot", {"part": "done", "name": name})  # the hub may drop its copy now
    except transport.SyncError:
        pass  # it goes after a day anyway
    return events


def _take_pages(manifest: dict, progress: dict | None) -> int:
    if progress is None:
        progress = {"mark": int(manifest["mark"]), "parts": ["log", *[n for n, _ in manifest["tables"]]],
                    "at": 0, "after": None, "events": 0}
        _save(progress)
    own = _one_row('SELECT 1 FROM "change_event" WHERE "origin_node" = ? LIMIT 1') is not None
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
    with transaction():
        finish(progress["mark"])
    return progress["events"]


def _abandon(progress: dict) -> None:
    """A snapshot that cannot go on: every row merged again from the events that came,
    and the pull continues after the last of them."""
    with transaction():
        if progress.get("file"):  # nothing of a file is loaded before all of it is here
            Path(f"{database.obj.database}.snapshot").unlink(missing_ok=True)
            cursor = 0
        else:
            merge.refold_all()
            cursor = progress["mark"] if progress["at"] > 0 else int(progress["after"] or 0)
        state.put("hub_cursor", str(cursor))
        state.put(PROGRESS, "")
