"""What this node knows about its sync with the hub (kept local, never replicated)."""
from __future__ import annotations

from kiosk.core.prepared import Prepared
from sync.tables import SyncState


_VALUE = Prepared(lambda slot: SyncState.select(SyncState.value).where(
    SyncState.key == slot(SyncState.key)).dicts())


def get(key: str, default: str = "") -> str:
    row = _VALUE.first(key)  # the SQL built once: pages and the health check ask often
    return row["value"] if row else default


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
