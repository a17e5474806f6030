"""A snapshot as one SQLite file: made by a SQLite hub, loaded by the kiosk with SQL.

The hub copies, in one read transaction (so the rows are exactly those of the
events up to the mark), its change log without the asking kiosk's own events,
its replicated tables and the merge's own state into a new SQLite file with
``CREATE TABLE … AS SELECT`` (no indexes, no per-row Python), and serves it in
byte ranges. The kiosk appends each range to a file beside its database and
keeps the offset in its sync state, so a sync killed half-way goes on from the
last range it wrote (each range travels deflated: ``chunk``). With the whole file, it attaches it and copies every table
with ``INSERT … SELECT`` in one transaction: SQLite's own loop, no JSON, no
Python object per row. (A PostgreSQL hub sends JSON pages instead: ``sync.snapshot``.)
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
import zlib
from pathlib import Path

from kiosk.core import times
from kiosk.db import database
from sync import snapshot
from sync.protocol import WIRE_COLUMNS

CHUNK = 8 * 1024 * 1024  # bytes per range: a few megabytes sealed, one round trip each
KEEP_SECONDS = 24 * 3600  # a hub's snapshot file left by a kiosk that never came back goes after a day


def _q(names) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _folder() -> Path:
    return Path(database.obj.database).resolve().parent


_NAME = re.compile(r"^[0-9]{1,18}-[0-9a-f]{16}$")  # mark-token: a file made again is never taken for the old one


def _kiosk(peer_node: str) -> str:
    """The kiosk's part of a file name: a digest of its node id, never the id itself (a
    paired node chose its id; on Windows a path is normalised as text, so ``..`` in it
    would reach outside the instance folder)."""
    return hashlib.sha256(str(peer_node).encode("utf-8")).hexdigest()[:32]


def _path(peer_node: str, name: str) -> Path:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError("not a snapshot file's name")
    return _folder() / f"{Path(database.obj.database).stem}.snapshot-{_kiosk(peer_node)}-{name}.sqlite"


def _tidy(peer_node: str) -> None:
    """This kiosk's older snapshot files, and any left for more than a day."""
    stem = Path(database.obj.database).stem
    for old in _folder().glob(f"{stem}.snapshot-*"):
        try:
            if (old.suffix == ".sqlite" and old.name.startswith(f"{stem}.snapshot-{_kiosk(peer_node)}-")) or \
                    time.time() - old.stat().st_mtime > KEEP_SECONDS:
                old.unlink()
        except OSError:
            pass


def made(peer_node: str, name: str | None = None) -> tuple[int, str, int]:
    """(mark, name, size) of the snapshot file for ``peer_node``: the one named ``name``
    when it is still here (a resumed sync), else a new one made now."""
    if name is not None and _path(peer_node, name).exists():
        return int(name.split("-")[0]), name, _path(peer_node, name).stat().st_size
    _tidy(peer_node)
    # Its own name: a second request for the same kiosk while this one is made (a retry
    # after a timeout) makes a file of its own instead of removing this one's.
    part = _folder() / f"{Path(database.obj.database).stem}.snapshot-{_kiosk(peer_node)}-{secrets.token_hex(8)}.part"
    database.execute_sql("ATTACH DATABASE ? AS snap", (str(part),))
    try:
        database.execute_sql("PRAGMA snap.journal_mode = OFF")  # a file half made is thrown away
        database.execute_sql("PRAGMA snap.synchronous = OFF")
        database.execute_sql("BEGIN")  # one read: the mark and every table agree
        try:
            top = database.execute_sql('SELECT MAX("seq") FROM main."change_event"').fetchone()[0] or 0
            database.execute_sql(f'CREATE TABLE snap."change_event" AS SELECT {_q(WIRE_COLUMNS)} FROM main."change_event"'
                                 ' WHERE "seq" <= ? AND "origin_node" <> ? ORDER BY "seq"', (top, peer_node))
            for name, columns in snapshot.local_tables().items():
                database.execute_sql(f'CREATE TABLE snap."{name}" AS SELECT {_q(columns)} FROM main."{name}"')
        finally:
            database.execute_sql("COMMIT")
    finally:
        database.execute_sql("DETACH DATABASE snap")
    name = f"{top}-{secrets.token_hex(8)}"
    final = _path(peer_node, name)
    os.replace(part, final)
    return top, name, final.stat().st_size


def chunk(peer_node: str, name: str, offset: int, limit: int = CHUNK) -> bytes:
    """``limit`` bytes of the snapshot file at ``offset``, deflated (zlib's fastest level:
    ids and JSON shrink to a third, and what travels is sealed, encoded and parsed again
    on a kiosk with less CPU to spare; each range on its own, so a range is fetched and
    opened again by its offset alone). ``FileNotFoundError`` when the file is gone."""
    with open(_path(peer_node, name), "rb") as found:
        found.seek(max(0, int(offset)))
        return zlib.compress(found.read(max(1, min(int(limit), CHUNK))), 1)


def drop(peer_node: str, name: str) -> None:
    """The snapshot file a kiosk has loaded (or left): gone."""
    _path(peer_node, name).unlink(missing_ok=True)


def load(*, own_rows: bool) -> int:
    """Copy the attached snapshot (``attach``) into this node's tables, inside the caller's
    transaction; return how many events it held."""
    now = str(times.utcnow())
    have = {name: {r[1] for r in database.execute_sql(f'PRAGMA snap.table_info("{name}")').fetchall()}
            for (name,) in database.execute_sql("SELECT name FROM snap.sqlite_master WHERE type = 'table'")}
    tables = snapshot.local_tables()
    if have.get("change_event") != set(WIRE_COLUMNS) or any(have.get(n) != set(c) for n, c in tables.items()):
        raise ValueError("the snapshot's tables are not this build's")
    database.execute_sql("PRAGMA defer_foreign_keys = ON")  # checked at the commit, whatever the order
    log = WIRE_COLUMNS[1:]
    database.execute_sql(f'INSERT INTO main."change_event" ({_q(log)}, "created_at", "received_at")'
                         f' SELECT {_q(log)}, ?, ? FROM snap."change_event" ORDER BY "rowid"', (now, now))  # made in seq order
    events = database.execute_sql('SELECT COUNT(*) FROM snap."change_event"').fetchone()[0]
    for name, columns in tables.items():
        cols = _q(columns)
        if name == snapshot.FIELD_CLOCK:
            tail = (' WHERE true ON CONFLICT ("entity", "row_id", "field")'
                    ' DO UPDATE SET "hlc" = excluded."hlc", "origin" = excluded."origin"')
        elif name == snapshot.PENDING:
            tail = ' WHERE true ON CONFLICT ("entity", "row_id") DO NOTHING'
        elif name == snapshot.CONFLICT:
            kept = [c for c in columns if c != "id"]  # numbered here, and not reviewed here yet
            database.execute_sql(f'INSERT INTO main."{name}" ({_q(kept)}, "resolved", "resolved_by", "resolution")'
                                 f' SELECT {_q(kept)}, 0, \'\', \'\' FROM snap."{name}" WHERE true'
                                 ' ON CONFLICT ("entity", "row_id", "field", "lost_hlc") DO NOTHING')
            continue
        else:
            # Rows this node made offline stay as they are until the merge at the end. Plain
            # INSERT otherwise: a conflict clause would reach the search triggers (sync.mergewrite).
            tail = f' WHERE "id" NOT IN (SELECT "id" FROM main."{name}")' if own_rows else ""
        database.execute_sql(f'INSERT INTO main."{name}" ({cols}) SELECT {cols} FROM snap."{name}"{tail}')
    return events


def attach(path: Path) -> None:
    """Open the downloaded snapshot ``path`` beside this node's database, as ``snap``
    (outside a transaction: SQLite attaches only there)."""
    database.execute_sql("ATTACH DATABASE ? AS snap", (str(path),))


def detach() -> None:
    """Close the snapshot ``attach`` opened (nothing when it did not open)."""
    if any(row[1] == "snap" for row in database.execute_sql("PRAGMA database_list")):
        database.execute_sql("DETACH DATABASE snap")
