"""The hub's scheduled backups: nightly by default, verified, the last N kept.

Runs in the hub's main server process (``start_backup_timer``). A backup is
due once the store's backup time (a store setting, default 02:30) has passed
and none succeeded since; a hub that was off at that time backs up when it
starts. A failed backup is tried again an hour later and shows on the
manager's page until one succeeds.

The folder (``backup_folder``): ``BACKUP_FOLDER`` in the config
(``bayflow serve --backup-dir``), else ``<database folder>/<database
name>-backups/`` beside a SQLite hub (``/var/lib/bayflow/hub-backups/``), or
``<instance>/backups/`` for a hub on PostgreSQL. Each backup is
``<name>-YYYYMMDD-HHMMSS+0800.sqlite`` (``.dump`` on PostgreSQL: the store's wall
time with its offset, ``kiosk.core.times.file_stamp``; names without the offset, made
before the time rule, are read as the store's wall time) with its manifest
``….json``; photos and signatures go to ``blobs/`` in the folder (shared:
files named by their hash are never copied twice).

Retention (``prune``): the newest backup of each of the last 14 days that
have one, and the newest of each of the last 12 months (store settings), the
store's days and months. Times in the ``last_backup`` record are stored times
(naive UTC, kiosk.core.times); the backup time of day is the store's wall time.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from pathlib import Path

from kiosk.core import times
from kiosk.db import connected
from kiosk.services import backup as backups
from kiosk.services import station_settings, store_settings
from sync.node import current_node

log = logging.getLogger(__name__)

LAST_KEY = "last_backup"
RETRY_AFTER = dt.timedelta(hours=1)
HEALTHY_WITHIN = dt.timedelta(hours=26)
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6}(?:[+-]\d{4})?)\.(sqlite|dump)$")
_running = threading.Lock()


def backup_folder(config, instance: str | Path) -> Path:
    """Where the hub's backups go: ``BACKUP_FOLDER``, else beside a SQLite database, else
    ``backups`` in the ``instance`` folder (a hub on PostgreSQL)."""
    if config["BACKUP_FOLDER"]:
        return Path(config["BACKUP_FOLDER"])
    target = str(config["DATABASE"])
    if backups.is_postgresql_url(target):
        return Path(instance) / "backups"
    path = backups.sqlite_path(target)
    return path.with_name(f"{path.stem}-backups")


def _stem(config) -> str:
    target = str(config["DATABASE"])
    return "hub" if backups.is_postgresql_url(target) else backups.sqlite_path(target).stem


def last_backup() -> dict:
    """{"at", "ok", "file", "bytes", "error", "attempt_at"} of the last backup ({} before the first)."""
    return station_settings.get(LAST_KEY, {}) or {}


def scheduled_at(now: dt.datetime) -> dt.datetime:
    """The backup time (the store's wall time) that has passed most recently before ``now``
    (UTC), as a stored (UTC) time."""
    hour, minute = store_settings.backup_time()
    local = times.to_local(now)
    today = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return times.to_utc(today if today <= local else today - dt.timedelta(days=1))


def next_at(now: dt.datetime) -> dt.datetime:
    """The next scheduled backup time after ``now``."""
    return scheduled_at(now) + dt.timedelta(days=1)


def due(now: dt.datetime) -> bool:
    """Whether a backup is due at ``now`` (UTC): none succeeded since the last backup time,
    and no failed one in the last hour."""
    last = last_backup()
    mark = scheduled_at(now)
    done = times.from_text(last.get("at")) if last.get("ok") else None
    if done is not None and done >= mark:
        return False
    attempt = times.from_text(last.get("attempt_at"))
    return attempt is None or attempt <= now - RETRY_AFTER or attempt < mark


def run_backup(config, instance: str | Path, now: dt.datetime | None = None) -> dict:
    """One backup into the folder (``backup_folder``) now, then the old ones pruned; its record
    (also kept as ``last_backup``)."""
    now = (now or times.utcnow()).replace(microsecond=0)
    folder = backup_folder(config, instance)
    suffix = "dump" if backups.is_postgresql_url(str(config["DATABASE"])) else "sqlite"
    out = folder / f"{_stem(config)}-{times.file_stamp(now)}.{suffix}"
    record = {"attempt_at": now.isoformat(timespec="seconds"), "file": str(out)}
    with _running:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            manifest = backups.backup(str(config["DATABASE"]), out, blob_folder=config["BLOB_FOLDER"],
                                      blobs_to=folder / "blobs")
            record.update(ok=True, at=record["attempt_at"], bytes=manifest.get("bytes"), seq=manifest.get("seq"),
                          error="")
            removed = prune(folder, store_settings.number(store_settings.KEEP_DAILY),
                            store_settings.number(store_settings.KEEP_MONTHLY))
            record["removed"] = len(removed)
            log.info("backup: %s (%s bytes, change log up to %s), %s old backups removed", out,
                     manifest.get("bytes"), manifest.get("seq"), len(removed))
        except (backups.BackupError, OSError) as exc:
            previous = last_backup()
            record.update(ok=False, error=" ".join(str(exc).split())[:300],
                          at=previous.get("at", "") if previous.get("ok") else "")
            log.error("backup failed: %s", record["error"])
    station_settings.put(LAST_KEY, record)
    return record


def listed(folder: Path) -> list[tuple[dt.datetime, Path]]:
    """The backups in ``folder`` with when each was made (stored time, UTC), newest first."""
    found = []
    for path in Path(folder).glob("*-*-*.*"):
        match = _NAME.match(path.name)
        when = times.parse_file_stamp(match["stamp"]) if match else None
        if when is not None:
            found.append((when, path))
    return sorted(found, reverse=True)


def prune(folder: Path, keep_daily: int, keep_monthly: int) -> list[Path]:
    """Delete the backups not kept (newest per day for ``keep_daily`` days, newest per month for
    ``keep_monthly`` months, the store's); return those deleted."""
    days, months, keep = [], [], set()
    for when, path in listed(folder):
        day = times.local_date(when)
        month = (day.year, day.month)
        if day not in days:
            days.append(day)
            if len(days) <= keep_daily:
                keep.add(path)
        if month not in months:
            months.append(month)
            if len(months) <= keep_monthly:
                keep.add(path)
    removed = []
    for _, path in listed(folder):
        if path not in keep:
            path.unlink(missing_ok=True)
            backups.manifest_path(path).unlink(missing_ok=True)
            removed.append(path)
    return removed


def healthy(now: dt.datetime) -> bool:
    """The last backup succeeded within 26 hours of ``now`` (UTC), or the hub is younger than that."""
    last = last_backup()
    if last.get("ok") is False:
        return False
    done = times.from_text(last.get("at"))
    if done is not None:
        return done >= now - HEALTHY_WITHIN
    return current_node().created_at >= now - HEALTHY_WITHIN


def start_backup_timer(app) -> threading.Thread:
    """Check every minute (``BACKUP_CHECK_SECONDS``) whether a backup is due, and make it."""
    stop = threading.Event()
    period = float(app.config["BACKUP_CHECK_SECONDS"])

    def loop():
        while not stop.is_set():
            try:
                with app.app_context(), connected():
                    if due(times.utcnow()):
                        run_backup(app.config, app.instance_path)
            except Exception:  # the timer must outlive a bad night
                log.exception("backup timer")
            stop.wait(period)

    thread = threading.Thread(target=loop, name="backup-timer", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
