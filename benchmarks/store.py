"""The store-year every benchmark shares, cached in benchmarks/out/ and made safely.

One benchmark fills it, any other reads it: the file appears under its final name
only once it is whole (filled under a temporary name, migrated, then renamed), a
lock keeps two benchmarks started together from filling it twice, and the
work-order numbers are read from the store itself (an older run wrote a store
without its ``.numbers`` file, and the reception benchmark then failed).
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
BAYFLOW = str(Path(sys.executable).parent / "bayflow")  # the installed console script


@contextmanager
def _locked(name: str):
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second benchmark waits for the first one's fill
        yield


def store_year(orders: int, fill, name: str = "store") -> Path:
    """The cached store of ``orders`` work orders, made with ``fill(path, orders)`` if missing."""
    cached = OUT / f"{name}-{orders}.sqlite"
    with _locked(cached.name):
        if not cached.exists():
            print(f"filling a store with {orders} work orders (cached in {OUT}) …", flush=True)
            tmp = cached.with_suffix(".filling")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{tmp}{suffix}").unlink(missing_ok=True)
            fill(tmp, orders)
            _checkpoint(tmp)
            os.replace(tmp, cached)  # whole or not there at all
        # A store cached by an older checkout is brought to this schema once, here, so no
        # measured start pays for the upgrade (any command opening the node migrates it).
        subprocess.run([BAYFLOW, "token", "--list", "--db", str(cached)], check=True, capture_output=True)
        _checkpoint(cached)
    return cached


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so one file is the whole store."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def numbers_of(store: Path) -> list[str]:
    """The work-order numbers in ``store``, read from it (never from a side file)."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        return [row[0] for row in db.execute("SELECT number FROM work_order ORDER BY number")]
    finally:
        db.close()


def as_installed() -> None:
    """Run bayflow as an installed kiosk runs it: with its bytecode compiled.

    pip compiles a wheel's modules when it installs them; a development checkout
    (``pip install -e``) under ``PYTHONDONTWRITEBYTECODE=1`` (set on this machine)
    compiles every module again at every start of every process, half a second
    that no kiosk pays. The variable is dropped for the processes the benchmark
    starts, and the package's bytecode is compiled once, as pip would.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    found = subprocess.run([sys.executable, "-c", "import kiosk, os; print(os.path.dirname(os.path.dirname(kiosk.__file__)))"],
                           check=True, capture_output=True, text=True).stdout.strip()
    for package in ("kiosk", "sync", "hardware"):
        subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.join(found, package)], check=True)


def copy_of(store: Path, to: Path) -> Path:
    """A private copy of the cached store for one run (runs write to their copy, never the cache)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{to}{suffix}").unlink(missing_ok=True)
    shutil.copy(store, to)
    return to
