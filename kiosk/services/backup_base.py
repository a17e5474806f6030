"""What the SQLite and PostgreSQL backups share (kiosk.services.backup, backup_pg):
the error they say no with, and the checksum their manifests record."""
from __future__ import annotations

import hashlib
from pathlib import Path


class BackupError(Exception):
    """A backup or restore that cannot be done; ``str()`` is one line saying why."""


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
