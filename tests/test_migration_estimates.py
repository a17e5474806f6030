"""m0009a_estimates: a node made before the estimate's tables and columns upgrades in place
and keeps its rows."""
from __future__ import annotations

import sqlite3

from peewee import SqliteDatabase

from kiosk.db import database
from kiosk.migrations import migrate
from kiosk.schema import ESTIMATE_MODELS

NEW_COLUMNS = {"work_order": ["battery_percent"], "job_line": ["package"],
               "part_line": ["non_catalogue", "to_order", "package"], "parts_request": ["part_line"],
               "vehicle": ["powertrain"]}


def _columns(raw, table: str) -> set[str]:
    return {row[1] for row in raw.execute(f'PRAGMA table_info("{table}")')}


def test_a_node_from_before_the_estimate_upgrades(tmp_path):
    path = str(tmp_path / "old.sqlite")
    database.initialize(SqliteDatabase(path, pragmas={"foreign_keys": 0}))
    migrate(database)
    database.close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA legacy_alter_table = ON")  # the search triggers of m0004 name these tables
    for model in ESTIMATE_MODELS[::-1]:
        raw.execute(f'DROP TABLE "{model._meta.table_name}"')
    for table, columns in NEW_COLUMNS.items():
        for column in columns:
            raw.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    raw.execute("DELETE FROM migrations WHERE name = 'm0009a_estimates'")
    raw.execute("INSERT INTO job_line (id, hlc, deleted, work_order_id, position, operation, description,"
                " sold_hours, price, pay_type, status, authorization, bay, team) VALUES ('j1', '', 0, 'w1', 1, '',"
                " 'old job', 1, 100, 'customer', 'open', '', '', 0)")
    raw.commit()
    raw.close()

    database.initialize(SqliteDatabase(path, pragmas={"foreign_keys": 0}))
    assert migrate(database) == ["m0009a_estimates"]
    database.close()
    raw = sqlite3.connect(path)
    for table, columns in NEW_COLUMNS.items():
        assert set(columns) <= _columns(raw, table), table
    assert raw.execute("SELECT description, package FROM job_line").fetchall() == [("old job", "")]
    for model in ESTIMATE_MODELS:
        assert raw.execute(f'SELECT count(*) FROM "{model._meta.table_name}"').fetchone() == (0,)
    raw.close()
