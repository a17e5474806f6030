"""A kiosk killed mid-write loses nothing it committed and keeps nothing half-made."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from kiosk.app import create_app
from kiosk.db import connected, database
from kiosk.migrations import AppliedMigration, MIGRATIONS, migrate
from kiosk.models import Customer, Vehicle
from tests.support.changes import assert_log_describes_db

WRITER = textwrap.dedent("""
    import sys
    from kiosk.app import create_app
    from kiosk.db import connected
    from kiosk.services import customers, workorders
    app = create_app({"DATABASE": sys.argv[1], "SECRET_KEY": "x", "NODE_PREFIX": "K1"})
    with app.app_context(), connected():
        for i in range(100000):
            c = customers.create_customer(f"客户{i}", f"138{i:08d}")
            v = customers.create_vehicle(c, f"京K{i:05d}")
            workorders.open_work_order(c, v, complaint="异响", jobs=[{"description": "检查"}])
            print(i, flush=True)
""")


def test_sigkill_during_writes_keeps_every_commit_whole(tmp_path):
    path = tmp_path / "killed.sqlite"
    done = -1
    with subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        deadline = time.monotonic() + 60
        while done < 30 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            done = int(line)
        os.kill(proc.pid, signal.SIGKILL)
        _, errors = proc.communicate(timeout=10)
    assert done >= 30, errors

    app = create_app({"DATABASE": str(path), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context(), connected():
        assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Every order reported done is there, and every row present has its event.
        assert Customer.select().count() >= done + 1
        assert Vehicle.select().count() >= Customer.select().count() - 1
        assert_log_describes_db()


def test_migrations_are_named_and_run_once(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "m.sqlite"), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context(), connected():
        names = [m.name for m in AppliedMigration.select().order_by(AppliedMigration.name)]
        assert names == [step.__name__ for step in MIGRATIONS]
        assert migrate(database) == []


def test_sqlite_is_set_up_for_power_loss(db):
    pragma = lambda name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") >= 5000
