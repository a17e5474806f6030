"""A node made before a migration step upgrades in place and keeps its rows."""
from __future__ import annotations

import sqlite3

from peewee import SqliteDatabase

from kiosk.db import database
from kiosk.migrations import MIGRATIONS, migrate
from kiosk.schema import PARTS_MODELS, WORKSHOP_MODELS

NEW_JOB_COLUMNS = ("authorization", "proposed_by_id", "bay", "team")
NEW_PART_COLUMNS = ("manufacturer_no", "supplier_no", "unit", "cost", "reorder_point", "superseded_by")


def _remove_workshop_and_parts(raw, path: str) -> None:
    """Undo m0005 and m0006 on an open sqlite3 connection (columns, tables, their records)."""
    for model in WORKSHOP_MODELS[::-1] + PARTS_MODELS[::-1]:
        raw.execute(f'DROP TABLE IF EXISTS "{model._meta.table_name}"')
    # A foreign-key column cannot be dropped: rebuild job_line with the old columns.
    old = ", ".join(c for c in _columns(path, "job_line") if c not in NEW_JOB_COLUMNS)
    raw.execute(f"CREATE TABLE job_line_old AS SELECT {old} FROM job_line")
    raw.execute("DROP TABLE job_line")
    raw.execute("ALTER TABLE job_line_old RENAME TO job_line")
    for column in NEW_PART_COLUMNS:
        raw.execute(f'ALTER TABLE part DROP COLUMN "{column}"')
    raw.execute("DELETE FROM migrations WHERE name IN ('m0005_workshop', 'm0006_parts_counter')")


def _downgrade_to_m0004(path: str) -> None:
    """Make the file look like one written by the foundation release (m0001-m0004)."""
    raw = sqlite3.connect(path)
    _remove_workshop_and_parts(raw, path)
    raw.execute("INSERT INTO job_line (id, hlc, deleted, work_order_id, position, operation, description,"
                " sold_hours, price, pay_type, status) VALUES ('j1', '', 0, 'w1', 1, '', 'old job', 1, 100,"
                " 'customer', 'open')")
    raw.commit()
    raw.close()


def _columns(path: str, table: str) -> set[str]:
    raw = sqlite3.connect(path)
    try:
        return {row[1] for row in raw.execute(f'PRAGMA table_info("{table}")')}
    finally:
        raw.close()


def test_foundation_database_upgrades_to_workshop_and_parts(tmp_path):
    path = str(tmp_path / "old.sqlite")
    database.initialize(SqliteDatabase(path, pragmas={"foreign_keys": 0}))
    migrate(database)
    database.close()
    _downgrade_to_m0004(path)
    assert not NEW_JOB_COLUMNS[0] in _columns(path, "job_line")

    database.initialize(SqliteDatabase(path, pragmas={"foreign_keys": 0}))
    applied = migrate(database)
    database.close()

    assert applied == ["m0005_workshop", "m0006_parts_counter"]
    assert set(NEW_JOB_COLUMNS) <= _columns(path, "job_line")
    assert set(NEW_PART_COLUMNS) <= _columns(path, "part")
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT description, authorization, team FROM job_line").fetchall() == [("old job", "", 0)]
    for model in WORKSHOP_MODELS + PARTS_MODELS:
        raw.execute(f'SELECT count(*) FROM "{model._meta.table_name}"')
    raw.close()


def test_every_step_is_listed_once():
    names = [step.__name__ for step in MIGRATIONS]
    assert len(names) == len(set(names)) and names == sorted(names)


def test_a_node_from_before_the_merge_engine_upgrades_with_todays_tables(tmp_path):
    """m0002 fills the field clocks by folding the log, which writes every column of
    today's tables: it must wait for the later steps (job_line's m0005 columns)."""
    from kiosk import db as kdb
    from kiosk.services import customers, workorders
    from sync import changelog, merge
    from sync.tables import FieldClock
    from sync.node import ensure_node

    path = str(tmp_path / "older.sqlite")
    kdb.bind(path)
    with kdb.connected():
        migrate(kdb.database)
        ensure_node()
        changelog.forget_clocks()
        customer = customers.create_customer("李雷", "13812345678")
        vehicle = customers.create_vehicle(customer, "京A12345")
        workorders.open_work_order(customer, vehicle, complaint="异响", jobs=[{"description": "更换机油"}])
        before = merge.database_state()
    kdb.database.close()
    raw = sqlite3.connect(path)
    _remove_workshop_and_parts(raw, path)
    for statement in ("DROP TABLE field_clock", "DROP TABLE pending_row", "DROP TABLE conflict",
                      "ALTER TABLE change_event DROP COLUMN flagged",
                      "ALTER TABLE change_event DROP COLUMN received_at",
                      "ALTER TABLE change_event DROP COLUMN merge_info",
                      "DELETE FROM migrations WHERE name = 'm0002_merge_tables'"):
        raw.execute(statement)
    raw.commit()
    raw.close()

    kdb.bind(path)
    with kdb.connected():
        migrate(kdb.database)
        assert merge.database_state() == before
        assert {"job_line", "work_order", "customer"} <= {c.entity for c in FieldClock.select()}
    changelog.forget_clocks()
