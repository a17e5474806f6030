"""Backups that restore: a consistent copy of a node's database taken while it serves,
verified, with a manifest beside it; and putting one back.

SQLite: SQLite's online backup API copies the database in one step under a
read transaction, so the copy is one consistent moment while the node keeps
serving (WAL: writers are never blocked by it). The copy is made as
``FILE.part``, switched to a single-file journal, checked (``PRAGMA
integrity_check``) and only then renamed to ``FILE``; a backup killed half-way
leaves no file that looks whole. PostgreSQL: ``pg_dump --format=custom``,
checked by ``pg_restore --list``.

The manifest ``FILE.json`` records what the copy holds: the node, its role,
the change log's highest sequence and, per origin node, the last sequence
held (what a restored hub asks its kiosks to send again from), the SHA-256 of
the file, its size and bayflow's version. Photos and signatures (files named
by their hash) are copied beside it.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

from kiosk.core import times
from kiosk.db import bind, connected, database
from kiosk.migrations import migrate
from kiosk.services.backup_base import BackupError, sha256_of
from kiosk.services.backup_pg import dump, list_archive
from kiosk.services.backup_pg import restore as pg_restore
from kiosk.version import app_version
from sync import recovery
from sync.node import current_node


def is_postgresql_url(target: str) -> bool:
    return str(target).startswith(("postgres://", "postgresql://"))


def sqlite_path(target: str) -> Path:
    target = str(target)
    return Path(target[len("sqlite:///"):] if target.startswith("sqlite:///") else target)


def manifest_path(file: Path) -> Path:
    return Path(f"{file}.json")


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def describe_sqlite(path: Path) -> dict:
    """Check a SQLite file and say what it holds (raises ``BackupError`` when it is not sound)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened ({exc})")
    try:
        problems = [row[0] for row in con.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise BackupError(f"{path}: the integrity check failed: {'; '.join(problems[:3])}")
        node = con.execute("SELECT node_id, role, station, prefix, store_name FROM node_info LIMIT 1").fetchone()
        seq, events = con.execute('SELECT MAX("seq"), COUNT(*) FROM change_event').fetchone()
        origins = dict(con.execute('SELECT origin_node, MAX(origin_seq) FROM change_event '
                                   'GROUP BY origin_node').fetchall())
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a bayflow database or damaged ({exc})")
    finally:
        con.close()
    if node is None:
        raise BackupError(f"{path}: holds no node identity: not a bayflow database")
    keys = ("node_id", "role", "station", "prefix", "store_name")
    return {**dict(zip(keys, node)), "seq": seq or 0, "events": events, "origins": origins}


def _copy_blobs(source: Path | None, dest: Path | None) -> int:
    """Copy content-addressed files not yet in ``dest``; how many ``dest`` holds."""
    if source is None or dest is None or not Path(source).is_dir():
        return 0
    count = 0
    for path in Path(source).glob("??/*"):
        if path.suffix == ".tmp" or not path.is_file():
            continue
        target = Path(dest) / path.parent.name / path.name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target.with_suffix(".tmp"))
            os.replace(target.with_suffix(".tmp"), target)
        count += 1
    return count


def backup(target: str, out: Path, *, blob_folder: Path | None = None, blobs_to: Path | None = None) -> dict:
    """Back the node's database ``target`` up to ``out`` (and ``out``.json); return the manifest."""
    out = Path(out)
    if not out.parent.is_dir():
        raise BackupError(f"{out}: the folder {out.parent} does not exist")
    began = times.utcnow()
    if is_postgresql_url(target):
        manifest = dump(target, out)
    else:
        manifest = _backup_sqlite(sqlite_path(target), out)
    if blobs_to is not None and blob_folder is not None and Path(blob_folder).is_dir():
        manifest["blobs"] = _copy_blobs(blob_folder, blobs_to)
        manifest["blob_folder"] = os.path.relpath(blobs_to, out.parent)
    # For people reading the manifest: the store's wall time with its offset (kiosk.core.times).
    manifest.update(made_at=times.isoformat(began), version=app_version(),
                    seconds=round((times.utcnow() - began).total_seconds(), 2), file=out.name)
    tmp = Path(f"{manifest_path(out)}.part")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, manifest_path(out))
    return manifest


def _backup_sqlite(path: Path, out: Path) -> dict:
    if not path.is_file():
        raise BackupError(f"--db {path}: no such database")
    part = Path(f"{out}.part")
    part.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(str(path), timeout=30)
        copy = sqlite3.connect(str(part))
        try:
            source.backup(copy)  # one step: one consistent moment, writers carry on (WAL)
            copy.execute("PRAGMA journal_mode=DELETE")  # the backup is one self-contained file
        finally:
            copy.close()
            source.close()
        description = describe_sqlite(part)
        _fsync(part)
        os.replace(part, out)
    except sqlite3.Error as exc:
        part.unlink(missing_ok=True)
        raise BackupError(f"cannot back up {path}: {exc}")
    except BackupError:
        part.unlink(missing_ok=True)
        raise
    return {"kind": "sqlite", "ok": True, "integrity": "ok", "bytes": out.stat().st_size,
            "sha256": sha256_of(out), **description}


def read_manifest(file: Path) -> dict:
    try:
        return json.loads(manifest_path(file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def verify(file: Path) -> dict:
    """Check a backup file against its manifest (when there is one); return what it holds."""
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"--from {file}: no such file")
    manifest = read_manifest(file)
    if manifest.get("sha256") and manifest["sha256"] != sha256_of(file):
        raise BackupError(f"{file}: its content differs from what its manifest recorded (damaged copy)")
    if manifest.get("kind") == "postgresql":
        list_archive(file)
        return manifest
    return {**manifest, **describe_sqlite(file)}


def in_use(path: Path) -> bool:
    """Whether another process has the SQLite file open (a running node)."""
    if not path.exists():
        return False
    try:
        con = sqlite3.connect(str(path), timeout=0.2)
    except sqlite3.Error:
        return False
    try:
        con.execute("PRAGMA locking_mode=EXCLUSIVE")
        con.execute("BEGIN EXCLUSIVE")
        con.rollback()
        return False
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc) or "busy" in str(exc)
    except sqlite3.DatabaseError:
        return False  # a damaged file: nothing can be using it usefully
    finally:
        con.close()


def put_back_sqlite(file: Path, path: Path) -> Path | None:
    """Replace the database at ``path`` by the backup ``file``; the old one is kept aside
    (returned) — never deleted."""
    if in_use(path):
        raise BackupError(f"--db {path}: the node is running: stop it first (systemctl stop …), then restore")
    aside = None
    if path.exists():
        stamp = times.file_stamp()
        aside = path.with_name(f"{path.name}.before-restore-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            old = Path(f"{path}{suffix}")
            if old.exists():
                os.replace(old, Path(f"{aside}{suffix}"))
    part = Path(f"{path}.restoring")
    shutil.copy2(file, part)
    _fsync(part)
    os.replace(part, path)
    return aside


def restore_blobs(file: Path, manifest: dict, blob_folder: Path | None) -> int:
    """Copy the backup's photos and signatures into the node's folder (a union: nothing removed)."""
    if not manifest.get("blob_folder") or blob_folder is None:
        return 0
    return _copy_blobs(Path(file).parent / manifest["blob_folder"], Path(blob_folder))


def restore(target: str, file: Path, *, blob_folder: Path | None = None) -> dict:
    """Put the backup ``file`` back as the node's database ``target``.

    The database is brought to this version's schema. A hub then starts a
    restore epoch (sync.recovery): its kiosks send again what it lost. A
    kiosk is left as the backup had it: if the hub holds more of its work
    than the backup does, the hub refuses it as a clone and it is paired
    again (a new identity; its unsent work goes up, nothing is lost).
    """
    file = Path(file)
    manifest = verify(file)
    if is_postgresql_url(target):
        if manifest.get("kind") != "postgresql":
            raise BackupError(f"{file}: a SQLite backup cannot be restored into PostgreSQL")
        pg_restore(file, target)
        aside = None
    else:
        if manifest.get("kind") == "postgresql":
            raise BackupError(f"{file}: a PostgreSQL dump: restore it with --db postgresql://…")
        aside = put_back_sqlite(file, sqlite_path(target))
    bind(target)
    try:
        with connected():
            migrate(database)  # a backup made by an older bayflow is brought up to date
            node = current_node()
            epoch = recovery.mark_restored() if node.role == "hub" else None
    finally:
        database.close()
    blobs = restore_blobs(file, manifest, blob_folder)
    return {"role": node.role, "node_id": node.node_id, "prefix": node.prefix, "seq": manifest.get("seq"),
            "made_at": manifest.get("made_at"), "aside": str(aside) if aside else None, "epoch": epoch,
            "blobs": blobs}
