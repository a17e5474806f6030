"""Schema migrations: named steps, applied once each, recorded in a table.

Additive only (new tables, new nullable or defaulted columns): a node still on
the previous schema must keep syncing. Never edit a step that has shipped;
append a new one.
"""
from __future__ import annotations

import datetime as dt

from peewee import CharField, DateTimeField

from kiosk.models.base import LocalModel


class AppliedMigration(LocalModel):
    name = CharField(primary_key=True)
    applied_at = DateTimeField()

    class Meta:
        table_name = "migrations"


def m0001_initial(db):
    """The foundation's tables."""
    from kiosk.schema import ALL_MODELS

    db.create_tables(ALL_MODELS, safe=True)


MIGRATIONS = [m0001_initial]


def migrate(db) -> list[str]:
    """Apply the steps this database has not seen yet; return their names."""
    db.create_tables([AppliedMigration], safe=True)
    done = {row.name for row in AppliedMigration.select()}
    applied = []
    for step in MIGRATIONS:
        if step.__name__ in done:
            continue
        with db.atomic():
            step(db)
            AppliedMigration.create(name=step.__name__, applied_at=dt.datetime.now())
        applied.append(step.__name__)
    return applied
