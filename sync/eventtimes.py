"""Change events written under an older schema, read as today's.

Schema version 1 (bayflow before the time rule of ``kiosk.core.times``) wrote every
time as the PC's naive local wall time; version 2 writes naive UTC. A node
receiving, or folding again, a version-1 event converts its times to UTC as if
its PC ran in the store's zone (the kiosks of a store do). The event itself
stays in the log as it came: it is converted each time it is read, so every
node, old log or new, folds the same rows.
"""
from __future__ import annotations

import datetime as dt
from functools import cache

from peewee import DateTimeField

from kiosk.core import times
from sync import replicated

UTC_SINCE = 2  # the first schema version whose times are UTC


@cache
def _time_columns(entity: str) -> frozenset[str]:
    model = replicated.by_table().get(entity)
    if model is None:
        return frozenset()
    return frozenset(name for name, fld in model._meta.fields.items() if isinstance(fld, DateTimeField))


def upgrade_payload(entity: str, payload: dict, version: int) -> dict:
    """``payload`` of an event of ``version`` with its times as today's schema stores them."""
    if version >= UTC_SINCE or not isinstance(payload, dict):
        return payload
    columns = _time_columns(entity).intersection(payload)
    if not columns:
        return payload
    upgraded = dict(payload)
    for name in columns:
        raw = payload[name]
        if isinstance(raw, str) and raw:
            try:
                local = dt.datetime.fromisoformat(raw)
            except ValueError:
                continue  # left as it came: the merge skips a value it cannot read
            if local.tzinfo is None:  # the store's wall time, as version-1 kiosks wrote it
                upgraded[name] = times.to_utc(local).isoformat()
    return upgraded


def data_of(event) -> dict:
    """A ``ChangeEvent``'s payload as today's schema reads it (its times converted when it
    was written under an older schema); ``event.data`` is the payload as it was written."""
    return upgrade_payload(event.entity, event.data, event.schema_version)
