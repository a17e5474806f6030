"""What a kiosk tells its hub about itself in each hello (kiosk.services.store_health keeps it).

Version, free disk and database size, its last error, and the station's
settings (printers, cameras, idle time) so that a PC replacing it can take
them over. Cheap: a stat of two files, a look at the disk, one small query.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from kiosk.db import database, is_postgresql
from kiosk.version import app_version


def database_file() -> Path | None:
    """The bound SQLite file (None on PostgreSQL or in memory)."""
    if is_postgresql():
        return None
    name = getattr(database.obj, "database", "") or ""
    return Path(name) if name and name != ":memory:" else None


def database_bytes(path: Path | None = None) -> int | None:
    """The database file and its write-ahead log, in bytes."""
    path = path or database_file()
    if path is None:
        return None
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += os.stat(f"{path}{suffix}").st_size
        except OSError:
            pass
    return total


def disk_free(path: Path | None = None) -> int | None:
    """Bytes free on the disk that holds the database."""
    path = path or database_file()
    if path is None:
        return None
    try:
        return shutil.disk_usage(path.parent).free
    except OSError:
        return None


def report() -> dict:
    """The hello's report (every key optional for the hub)."""
    from kiosk import logs
    from kiosk.services import station_settings
    from sync import state

    path = database_file()
    last = logs.last_error()
    out = {"version": app_version(), "disk_free": disk_free(path), "db_bytes": database_bytes(path),
           "last_error": last.get("message", ""), "last_error_at": last.get("at", ""),
           "restore_epoch": state.get("hub_epoch")}
    try:
        out["settings"] = station_settings.profile()
    except RuntimeError:  # no app context (a bare script): the settings are left out
        pass
    return out
