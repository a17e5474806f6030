"""Loading one snapshot page into this node's tables (``sync.firstsync`` drives it).

Set-based: one prepared INSERT per page run by ``executemany`` over the rows as
they came (the hub sends what SQLite stores), no model object or merge per row.
A row this node holds already (its own, made offline) is left to the merge at
the end; a row whose parent has not arrived (the hub wrote both after the
snapshot's mark) waits in PendingRow like any row a merge cannot write yet.
"""
from __future__ import annotations

import sqlite3

from kiosk.core import events as page_events
from kiosk.core import times
from kiosk.db import database
from sync import changelog, merge, snapshot, state
from sync.mergewrite import chunks
from sync.node import current_node
from sync.protocol import WIRE_COLUMNS

PROGRESS = "snapshot"  # SyncState key: how far a snapshot has come while it loads

_LOG_COLUMNS = WIRE_COLUMNS[1:] + ("created_at", "received_at")  # the hub's seq is not ours


def _insert(table: str, columns, tail: str = "") -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))}){tail}'


def load_page(part: str, columns: list[str], rows: list[list], *, check_existing: bool = False) -> int:
    """Write one page of ``part`` (inside a transaction); return how many rows it held."""
    if not rows:
        return 0
    cursor = database.cursor()
    if part == "log":
        if list(columns) != list(WIRE_COLUMNS):
            raise ValueError("a snapshot's log page has other columns than this build's")
        # The rows go to executemany as they came: the hub's seq (?1) is left unbound
        # and the time it arrived is one literal (a datetime's text, nothing a sender chose).
        now = str(times.utcnow())
        names = ", ".join(f'"{c}"' for c in _LOG_COLUMNS)
        marks = ", ".join(f"?{i}" for i in range(2, len(WIRE_COLUMNS) + 1))
        cursor.executemany(f'INSERT INTO "change_event" ({names}) VALUES ({marks}, \'{now}\', \'{now}\')', rows)
    elif part == snapshot.FIELD_CLOCK:
        cursor.executemany(_insert(part, columns, ' ON CONFLICT ("entity", "row_id", "field")'
                                   ' DO UPDATE SET "hlc" = excluded."hlc", "origin" = excluded."origin"'), rows)
    elif part == snapshot.PENDING:
        cursor.executemany(_insert(part, columns, ' ON CONFLICT ("entity", "row_id") DO NOTHING'), rows)
    elif part == snapshot.CONFLICT:
        at = columns.index("id")  # numbered here as this node lists them, and not reviewed here yet
        cursor.executemany(_insert(part, [c for c in columns if c != "id"] + ["resolved", "resolved_by", "resolution"],
                                   ' ON CONFLICT ("entity", "row_id", "field", "lost_hlc") DO NOTHING'),
                           [[*row[:at], *row[at + 1:], False, "", ""] for row in rows])
    else:
        _rows(part, columns, rows, check_existing)
    return len(rows)


def _rows(table: str, columns: list[str], rows: list[list], check_existing: bool) -> None:
    at = columns.index("id")
    if check_existing:  # rows this node made offline stay as they are until the merge at the end
        have = set()
        for part in chunks([row[at] for row in rows]):
            sql = f'SELECT "id" FROM "{table}" WHERE "id" IN ({", ".join("?" * len(part))})'
            have.update(i for (i,) in database.execute_sql(sql, part).fetchall())
        rows = [row for row in rows if row[at] not in have]
    # Plain INSERT, not an upsert: SQLite would apply a conflict clause to the
    # triggers that keep the search indexes (see sync.mergewrite).
    sql = _insert(table, columns)
    database.execute_sql("SAVEPOINT snapshot_page")
    try:
        database.cursor().executemany(sql, rows)
    except sqlite3.IntegrityError:
        # A row refers to one written after the mark (or later in this page): row by
        # row, parents first as far as they are here; the rest waits for its parent.
        database.execute_sql("ROLLBACK TO snapshot_page")
        _one_by_one(table, sql, rows, at)
    database.execute_sql("RELEASE snapshot_page")


def _one_by_one(table: str, sql: str, rows: list[list], at: int) -> None:
    todo, progress = list(rows), True
    while todo and progress:
        left = []
        for row in todo:
            database.execute_sql("SAVEPOINT snapshot_row")
            try:
                database.execute_sql(sql, row)
            except sqlite3.IntegrityError:
                database.execute_sql("ROLLBACK TO snapshot_row")
                left.append(row)
            database.execute_sql("RELEASE snapshot_row")
        progress, todo = len(left) < len(todo), left
    if todo:
        now = str(times.utcnow())
        database.cursor().executemany(
            'INSERT INTO "pending_row" ("entity", "row_id", "reason", "since") VALUES (?, ?, ?, ?)'
            ' ON CONFLICT ("entity", "row_id") DO UPDATE SET "reason" = excluded."reason"',
            [(table, row[at], "parent", now) for row in todo])


def finish(mark: int) -> None:
    """The end of a snapshot (inside the transaction that loaded its last part): our own
    events merged again, the clock moved past the hub's, the pull to go on after ``mark``."""
    me = current_node().node_id
    # Rows with events of ours (made before or during the snapshot) and of other nodes:
    # merged again from all of them (a row with ours only is ours as it stands); and
    # rows a page had to leave waiting.
    keys = set(database.execute_sql(
        'SELECT DISTINCT "entity", "row_id" FROM "change_event" AS mine WHERE "origin_node" = ? AND EXISTS'
        ' (SELECT 1 FROM "change_event" AS other WHERE other."row_id" = mine."row_id"'
        ' AND other."entity" = mine."entity" AND other."origin_node" <> ?)', (me, me)).fetchall())
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
