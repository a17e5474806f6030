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


def pinned_hub() -> dict | None:
    """The hub this kiosk pinned: {"node_id", "public_key", "url", "store_name"}; None before pairing."""
    node_id, public = get("hub_node_id"), get("hub_public_key")
    if not node_id or not public:
        return None
    return {"node_id": node_id, "public_key": public, "url": get("hub_url"), "store_name": get("hub_store")}
