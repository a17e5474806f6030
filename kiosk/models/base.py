"""Base classes that say how each table travels between nodes.

* ``Record``  — mutable (customer, vehicle, work-order header …). Merged field by
  field, last writer wins by hybrid logical clock. Never hard-deleted: ``deleted``
  is a tombstone merged like any other field.
* ``Fact``    — append-only (status changes, clock events, stock moves …).
  Never updated; a correction is a new fact. Merged by union.
* ``LocalModel`` — this node's own bookkeeping (counters, tokens, lockouts);
  never replicated.
"""
from __future__ import annotations

from peewee import SQL, BooleanField, CharField, Model, UUIDField
from uuid6 import uuid7

from kiosk.db import database

# A column's default in the table itself, not only in Python: for columns a migration adds,
# so that the previous release (which does not know them) can still insert rows.
DEFAULT_TEXT = SQL("DEFAULT ''")
DEFAULT_FALSE = SQL("DEFAULT FALSE")


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class LocalModel(BaseModel):
    """A table that stays on this node."""


class Replicated(BaseModel):
    # UUIDv7 keys sort by creation time and never collide between offline nodes.
    id = UUIDField(primary_key=True, default=uuid7)
    # HLC of the last change event that touched this row (for display and merge).
    hlc = CharField(default="", index=True)

    KIND: str = ""


class Record(Replicated):
    deleted = BooleanField(default=False)

    KIND = "record"


class Fact(Replicated):
    KIND = "fact"

