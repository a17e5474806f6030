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
``<name>-YYYYMMDD-HHMMSS.sqlite`` (``.dump`` on PostgreSQL) with its manifest
``….json``; photos and signatures go to ``blobs/`` in the folder (shared:
files named by their hash are never copied twice).

Retention (``prune``): the newest backup of each of the last 14 days that
have one, and the newest of each of the last 12 months (store settings).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from pathlib import Path

from kiosk.services import backup as backups
from kiosk.services import station_settings, store_settings

log = logging.getLogger(__name__)

LAST_KEY = "last_backup"
CHECK_SECONDS = 60
RETRY_AFTER = dt.timedelta(hours=1)
HEALTHY_WITHIN = dt.timedelta(hours=26)
_NAME = re.compile(r"^(?P<stem>.+)-(?P<day>\d{8})-(?P<time>\d{6})\.(sqlite|dump)$")
_running = threading.Lock()


def backup_folder(config) -> Path:
    if config.get("BACKUP_FOLDER"):
        return Path(config["BACKUP_FOLDER"])
    target = str(config["DATABASE"])
    if backups.is_postgresql_url(target):
        return Path(config.get("INSTANCE_PATH") or "instance") / "backups"
    path = backups.sqlite_path(target)
    return path.with_name(f"{path.stem}-backups")


def _stem(config) -> str:
    target = str(config["DATABASE"])
    return "hub" if backups.is_postgresql_url(target) else backups.sqlite_path(target).stem


def last_backup() -> dict:
    """{"at", "ok", "file", "bytes", "error", "attempt_at"} of the last backup ({} before the first)."""
    return station_settings.get(LAST_KEY, {}) or {}


def scheduled_at(now: dt.datetime) -> dt.datetime:
    """The backup time that has passed most recently."""
    hour, minute = store_settings.backup_time()
    today = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return today if today <= now else today - dt.timedelta(days=1)


def due(now: dt.datetime) -> bool:
    last = last_backup()
    mark = scheduled_at(now)
    if last.get("ok") and last.get("at", "") >= mark.isoformat():
        return False
    attempt = last.get("attempt_at")
    return not attempt or dt.datetime.fromisoformat(attempt) <= now - RETRY_AFTER or attempt < mark.isoformat()


def run_backup(config, now: dt.datetime | None = None) -> dict:
    """One backup into the folder now, then the old ones pruned; its record (also kept as ``last_backup``)."""
    now = now or dt.datetime.now()
    folder = backup_folder(config)
    suffix = "dump" if backups.is_postgresql_url(str(config["DATABASE"])) else "sqlite"
    out = folder / f"{_stem(config)}-{now:%Y%m%d-%H%M%S}.{suffix}"
    record = {"attempt_at": now.isoformat(timespec="seconds"), "file": str(out)}
    with _running:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            manifest = backups.backup(str(config["DATABASE"]), out, blob_folder=config.get("BLOB_FOLDER"),
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
    """The backups in ``folder``, newest first."""
    found = []
    for path in Path(folder).glob("*-*-*.*"):
        match = _NAME.match(path.name)
        if match:
            found.append((dt.datetime.strptime(match["day"] + match["time"], "%Y%m%d%H%M%S"), path))
    return sorted(found, reverse=True)


def prune(folder: Path, keep_daily: int, keep_monthly: int) -> list[Path]:
    """Delete the backups not kept (newest per day for ``keep_daily`` days, newest per month for
    ``keep_monthly`` months); return those deleted."""
    days, months, keep = [], [], set()
    for when, path in listed(folder):
        day, month = when.date(), (when.year, when.month)
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
    """The last backup succeeded within 26 hours (or the hub is younger than that)."""
    last = last_backup()
    if last.get("ok") is False:
        return False
    if last.get("at"):
        return dt.datetime.fromisoformat(last["at"]) >= now - HEALTHY_WITHIN
    from sync.node import current_node

    return current_node().created_at >= now - HEALTHY_WITHIN


def start_backup_timer(app) -> threading.Thread:
    """Check every minute (``BACKUP_CHECK_SECONDS``) whether a backup is due, and make it."""
    from kiosk.db import connected

    stop = threading.Event()
    period = float(app.config.get("BACKUP_CHECK_SECONDS") or CHECK_SECONDS)
    app.config.setdefault("INSTANCE_PATH", app.instance_path)  # a PostgreSQL hub's backups go there

    def loop():
        while not stop.is_set():
            try:
                with app.app_context(), connected():
                    if due(dt.datetime.now()):
                        run_backup(app.config)
            except Exception:  # the timer must outlive a bad night
                log.exception("backup timer")
            stop.wait(period)

    thread = threading.Thread(target=loop, name="backup-timer", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
