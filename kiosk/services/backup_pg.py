"""Backups of a hub that keeps the store on PostgreSQL: ``pg_dump`` and ``pg_restore``.

``pg_dump --format=custom`` takes one consistent snapshot while the hub
serves; ``pg_restore --list`` checks the archive can be read back. The
programs come with PostgreSQL's client package (Debian ``postgresql-client``);
their major version must be at least the server's.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from kiosk.services.backup import BackupError, _sha256


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install PostgreSQL's client programs (apt-get install "
                          "postgresql-client) to back up a hub on PostgreSQL")
    return found


def _run(args: list[str], what: str) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{what}: {exc}")
    if done.returncode != 0:
        raise BackupError(f"{what}: {' '.join(done.stderr.split())[:300]}")
    return done.stdout


def _marks(url: str) -> dict:
    """What the hub holds right before the dump (the dump holds at least this)."""
    from kiosk.db import open_database

    db = open_database(url)
    try:
        seq, events = db.execute_sql('SELECT MAX("seq"), COUNT(*) FROM "change_event"').fetchone()
        origins = dict(db.execute_sql('SELECT "origin_node", MAX("origin_seq") FROM "change_event" '
                                      'GROUP BY "origin_node"').fetchall())
        node = db.execute_sql("SELECT node_id, role, station, prefix, store_name FROM node_info LIMIT 1").fetchone()
    finally:
        db.close()
    keys = ("node_id", "role", "station", "prefix", "store_name")
    return {**dict(zip(keys, node or ("", "", "", "", ""))), "seq": seq or 0, "events": events,
            "origins": origins}


def dump(url: str, out: Path) -> dict:
    """``pg_dump`` the store to ``out`` (custom format), checked; the manifest's content."""
    marks = _marks(url)
    part = Path(f"{out}.part")
    part.unlink(missing_ok=True)
    try:
        _run([_program("pg_dump"), "--format=custom", "--no-owner", f"--file={part}", f"--dbname={url}"],
             "pg_dump failed")
        list_archive(part)
        os.replace(part, out)
    finally:
        part.unlink(missing_ok=True)
    return {"kind": "postgresql", "ok": True, "integrity": "ok", "bytes": out.stat().st_size,
            "sha256": _sha256(out), **marks}


def list_archive(file: Path) -> None:
    """Raise ``BackupError`` unless ``pg_restore`` reads the archive and it holds the change log."""
    listing = _run([_program("pg_restore"), "--list", str(file)], f"{file}: not a readable pg_dump archive")
    if "TABLE DATA" not in listing or "change_event" not in listing:
        raise BackupError(f"{file}: the archive holds no bayflow change log")


def restore(file: Path, url: str) -> None:
    """Replace the store in the database at ``url`` by the archive (one transaction)."""
    _run([_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={url}", str(file)], "pg_restore failed")

