"""What the chrome of every page shows, worked out only when a page shows it: the sync
status bar and the station tabs. A live search or a work-order section (htmx fragments)
shows neither, and paid for both on every answer (#20)."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from kiosk.core import times
from kiosk.db import database
from sync.changelog import outbox_size
from sync.tables import SyncState

_STATUS_KEYS = ("online", "last_sync", "hub_url", "hub_public_key", "skew_ms", "state", "alert", "hub_newer",
                "hub_version", "refused_answer")
_status_sql: dict[type, tuple[str, list]] = {}


def sync_status() -> dict:
    """What the status bar on every page shows: online, last sync, outbox, and warnings.

    The sync state's keys come back in one query, its SQL built once per kind
    of database (building a query costs more than SQLite answering it).
    """
    db = database.obj
    sql = _status_sql.get(type(db))
    if sql is None:
        sql = _status_sql[type(db)] = (SyncState.select(SyncState.key, SyncState.value)
                                       .where(SyncState.key.in_(_STATUS_KEYS)).sql())
    kept = dict(db.execute_sql(*sql).fetchall())

    def get(key: str, default: str = "") -> str:
        return kept.get(key, default)

    return {"online": get("online") == "1", "last_sync": _stored_time(get("last_sync")), "outbox": outbox_size(),
            "paired": bool(get("hub_url") or get("hub_public_key")),
            "skew_minutes": abs(int(get("skew_ms", "0") or 0)) // 60000,
            "state": get("state", "ok"), "alert": get("alert"),
            "hub_newer": get("hub_newer") == "1", "hub_version": get("hub_version"),
            "refused": _refused(get("refused_answer"))}


def _refused(raw: str) -> dict | None:
    """Why the last answer at the hub's address was refused unread (sync.wire), or None."""
    try:
        found = json.loads(raw) if raw else None
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _stored_time(text: str):
    """A time kept as ISO text in the sync state (UTC), as a datetime; None when empty or unreadable."""
    return times.from_text(text)


class WhenAsked(Mapping):
    """A mapping filled by ``load`` on first use: fragments that never show the
    status bar (live search, a work-order section) do not pay for its queries."""

    def __init__(self, load):
        self._load, self._values = load, None

    def _get(self) -> dict:
        if self._values is None:
            self._values = self._load()
        return self._values

    def __getitem__(self, key):
        return self._get()[key]

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class WhenListed(Sequence):
    """A list made by ``load`` on first use (the station tabs: each station's roles checked)."""

    def __init__(self, load):
        self._load, self._values = load, None

    def _get(self) -> list:
        if self._values is None:
            self._values = list(self._load())
        return self._values

    def __getitem__(self, index):
        return self._get()[index]

    def __len__(self) -> int:
        return len(self._get())

    def __bool__(self) -> bool:
        return bool(self._get())
