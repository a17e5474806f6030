"""What keeps the in-process tests cheap without changing what they prove.

* Temporary files in memory. A node's SQLite syncs every commit to disk
  (``synchronous=full``, for power cuts): on this machine's virtual disk that is
  about 3 ms a commit, against microseconds on tmpfs, and a test commits dozens of
  times. A killed server process loses nothing more on tmpfs than on a disk, so the
  power-cut tests still prove what they say. Used only where ``/dev/shm`` has room
  (a container's default 64 MB would fill up); pytest keeps only failed tests'
  folders (``tmp_path_retention_policy``), so a session holds a few MB there.
* PINs hashed with argon2 at its lowest cost. A kiosk hashes with
  ``time_cost=2, memory_cost=19456`` (tens of ms, twice per person a test logs in);
  the tests' people get real argon2id hashes of the lowest cost, which the same
  ``verify`` checks. ``tests/services/test_pin_hash_cost.py`` checks the kiosk's cost.
"""
from __future__ import annotations

import os
import tempfile

from argon2 import PasswordHasher

from kiosk.services import staff as staff_service

MEMORY_FOLDER = "/dev/shm"
MEMORY_NEEDED = 2 * 1024**3  # a whole run's servers, PostgreSQL clusters and browsers with room to spare

CHEAP_PIN_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
KIOSK_PIN_HASHER = staff_service._hasher  # read at import, before the session's fixture replaces it


def temporary_files_in_memory() -> str:
    """Point ``tempfile`` (and the processes tests start, by TMPDIR) at tmpfs when there is room.

    Returns the folder temporary files now go to. BAYFLOW_TEST_TMPDIR (or TMPDIR)
    set by the caller wins.
    """
    chosen = os.environ.get("BAYFLOW_TEST_TMPDIR") or os.environ.get("TMPDIR")
    if not chosen and _has_room(MEMORY_FOLDER):
        chosen = MEMORY_FOLDER
    if chosen:
        os.environ["TMPDIR"] = chosen
        tempfile.tempdir = None  # forget a folder chosen before; gettempdir() reads TMPDIR again
    return tempfile.gettempdir()


def _has_room(folder: str) -> bool:
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return os.access(folder, os.W_OK) and stats.f_bavail * stats.f_frsize >= MEMORY_NEEDED


def kiosk_pin_hasher() -> PasswordHasher:
    """The hasher a kiosk uses (the tests' session replaces it with ``CHEAP_PIN_HASHER``)."""
    return KIOSK_PIN_HASHER
