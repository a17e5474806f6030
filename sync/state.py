"""What this node knows about its sync with the hub (kept local, never replicated)."""
from __future__ import annotations

from peewee import CharField, TextField

from kiosk.models.base import LocalModel


class SyncState(LocalModel):
    key = CharField(primary_key=True)
    value = TextField(default="")


def get(key: str, default: str = "") -> str:
    row = SyncState.get_or_none(SyncState.key == key)
    return row.value if row else default


def put(key: str, value: str) -> None:
    # An upsert both SQLite and PostgreSQL understand (no SQLite-only REPLACE).
    (SyncState.insert(key=key, value=value)
     .on_conflict(conflict_target=[SyncState.key], update={SyncState.value: value})
     .execute())


def acked_seq() -> int:
    """The highest origin_seq of ours the hub has acknowledged."""
    return int(get("acked_seq", "0"))


def last_sync() -> str | None:
    return get("last_sync") or None
