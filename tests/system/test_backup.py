"""Backups and restore on one node: the file, its manifest, its checks, retention,
the hub's scheduled backup, and PostgreSQL (pg_dump) — real files, real processes."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from kiosk.core import times
from kiosk.services import backup as backups
from kiosk.services import backup_schedule
from tests.support.nodes import Node, order_body, run_cli, state_of

BAYFLOW = str(Path(sys.executable).parent / "bayflow")


def test_backup_cli_writes_a_verified_copy_and_its_manifest(tmp_path):
    node = Node(tmp_path, "k", prefix="K1").start()
    try:
        for i in range(3):
            node.api("POST", "/work-orders", order_body(i), expect=201)
        out = tmp_path / "k-backup.sqlite"
        done = run_cli("backup", "--db", node.db, "--out", str(out))  # while the node serves
    finally:
        node.stop()
    assert "verified" in done.stdout
    manifest = json.loads((tmp_path / "k-backup.sqlite.json").read_text())
    assert manifest["ok"] and manifest["integrity"] == "ok" and manifest["role"] == "kiosk"
    assert manifest["prefix"] == "K1" and manifest["version"] == "0.2.0"
    origin, = manifest["origins"]
    assert manifest["origins"][origin] == manifest["seq"] > 0  # the change log's last sequence per node
    assert not Path(f"{out}.part").exists() and not Path(f"{out}-wal").exists()  # one self-contained file
    assert state_of(str(out)) == state_of(node.db)


def test_restore_puts_the_backup_back_and_keeps_the_old_file(tmp_path):
    node = Node(tmp_path, "k", prefix="K1").start()
    first = node.api("POST", "/work-orders", order_body(1), expect=201)["number"]
    run_cli("backup", "--db", node.db, "--out", str(tmp_path / "b.sqlite"))
    later = node.api("POST", "/work-orders", order_body(2), expect=201)["number"]
    refused = run_cli("restore", "--db", node.db, "--from", str(tmp_path / "b.sqlite"), check=False)
    assert refused.returncode == 1 and "stop it first" in refused.stderr  # never under a running node
    node.stop()
    done = run_cli("restore", "--db", node.db, "--from", str(tmp_path / "b.sqlite"))
    assert "before-restore" in done.stdout and "pair it again" in done.stdout
    node.start()
    try:
        assert node.api("GET", f"/work-orders/{first}")["number"] == first
        assert node.api("GET", f"/work-orders/{later}").get("error") == "not_found"
    finally:
        node.stop()
    assert list(tmp_path.glob("k.sqlite.before-restore-*"))  # what it replaced is kept


def test_a_damaged_backup_is_refused_with_one_line(tmp_path):
    node = Node(tmp_path, "k", prefix="K1")
    run_cli("token", "--db", node.db)
    backup = tmp_path / "b.sqlite"
    run_cli("backup", "--db", node.db, "--out", str(backup))
    data = bytearray(backup.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64
    backup.write_bytes(bytes(data))
    refused = run_cli("restore", "--db", node.db, "--from", str(backup), check=False)
    assert refused.returncode == 1 and "differs from what its manifest recorded" in refused.stderr
    assert "Traceback" not in refused.stderr
    missing = run_cli("backup", "--db", str(tmp_path / "none.sqlite"), "--out", str(tmp_path / "x"), check=False)
    assert missing.returncode == 1 and "no such database" in missing.stderr
    not_db = tmp_path / "junk.sqlite"
    not_db.write_bytes(b"not a database at all" * 100)
    refused = run_cli("restore", "--db", node.db, "--from", str(not_db), check=False)
    assert refused.returncode == 1 and "not a bayflow database" in refused.stderr


def test_retention_keeps_14_daily_and_12_monthly(tmp_path):
    start = dt.datetime(2026, 1, 1, 2, 30)  # the store's wall time: its days and months count
    for day in range(400):  # one backup a night, two on some nights
        when = times.to_utc(start + dt.timedelta(days=day))
        for extra in ((0, 3) if day % 50 == 0 else (0,)):
            stamp = times.file_stamp(when + dt.timedelta(hours=extra))
            # Names from before the time rule have no offset: the store's wall time too.
            if day < 30:
                stamp = stamp[:15]
            path = tmp_path / f"hub-{stamp}.sqlite"
            path.write_bytes(b"x")
            backups.manifest_path(path).write_text("{}")
    backup_schedule.prune(tmp_path, 14, 12)
    kept = [(times.to_local(when), path) for when, path in backup_schedule.listed(tmp_path)]
    days = {when.date() for when, _ in kept}
    newest = (start + dt.timedelta(days=399)).date()
    assert {newest - dt.timedelta(days=i) for i in range(14)} <= days
    months = {(when.year, when.month) for when, _ in kept}
    assert len(months) == 12 and min(months) == (2026, 3)
    # Each kept backup is the newest of its day; beyond the 14 days, only the newest of its month.
    for when, _ in kept:
        if when.date() < newest - dt.timedelta(days=13):
            assert when.date() == max(w.date() for w, _ in kept if (w.year, w.month) == (when.year, when.month))
    assert len(kept) == len(days) == 14 + 10  # January and February's newest are daily ones too
    assert all(backups.manifest_path(path).exists() for _, path in kept)
    assert len(list(tmp_path.glob("*.json"))) == len(kept)


def test_the_hub_backs_itself_up_on_schedule_while_it_serves(tmp_path):
    hub = Node(tmp_path, "hub", role="hub")
    run_cli("token", "--db", hub.db)
    hub.start()  # never backed up and the nightly time has passed: a backup is due at its first look
    try:
        folder = tmp_path / "hub-backups"
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while not list(folder.glob("hub-*.sqlite.json")) and dt.datetime.now() < deadline:
            hub.api("GET", "/health", expect=200)  # serving meanwhile
        made = list(folder.glob("hub-*.sqlite"))
        assert len(made) == 1, list(folder.iterdir()) if folder.exists() else "no folder"
        manifest = backups.read_manifest(made[0])
        assert manifest["ok"] and manifest["role"] == "hub"
        assert backups.verify(made[0])["integrity"] == "ok"
        hub.api("GET", "/health", expect=200)  # still serving
    finally:
        hub.stop()


def test_a_hub_on_postgresql_is_backed_up_by_pg_dump_and_restored(tmp_path, pg_database):
    url = pg_database()
    hub = Node(tmp_path, "pghub", role="hub", db=url).start()
    try:
        number = hub.api("POST", "/work-orders", order_body(1), expect=201)["number"]
        out = tmp_path / "hub.dump"
        done = run_cli("backup", "--db", url, "--out", str(out))
        assert "verified" in done.stdout
        assert backups.read_manifest(out)["kind"] == "postgresql"
        later = hub.api("POST", "/work-orders", order_body(2), expect=201)["number"]
    finally:
        hub.stop()
    restored = run_cli("restore", "--db", url, "--from", str(out))
    assert "restored hub" in restored.stdout
    hub.start()
    try:
        assert hub.api("GET", f"/work-orders/{number}")["number"] == number
        assert hub.api("GET", f"/work-orders/{later}").get("error") == "not_found"
    finally:
        hub.stop()


@pytest.mark.parametrize("kind", ["sqlite"])
def test_restoring_a_backup_of_the_wrong_kind_is_refused(tmp_path, kind, pg_database):
    node = Node(tmp_path, "k")
    run_cli("token", "--db", node.db)
    run_cli("backup", "--db", node.db, "--out", str(tmp_path / "b.sqlite"))
    refused = run_cli("restore", "--db", pg_database(), "--from", str(tmp_path / "b.sqlite"), check=False)
    assert refused.returncode == 1 and "cannot be restored into PostgreSQL" in refused.stderr


def test_a_backup_is_due_nightly_and_a_failure_is_tried_again_an_hour_later(db):
    from kiosk.services import station_settings

    day = dt.date(2026, 11, 27)
    at = lambda h, m: times.at_local(day, dt.time(h, m))  # noqa: E731  (the store's 02:30, stored as UTC)
    assert backup_schedule.due(at(10, 0))  # never backed up: at once
    station_settings.put(backup_schedule.LAST_KEY, {"ok": True, "at": at(2, 31).isoformat(),
                                                    "attempt_at": at(2, 31).isoformat()})
    assert not backup_schedule.due(at(10, 0))
    assert not backup_schedule.due(at(2, 29) + dt.timedelta(days=1))
    assert backup_schedule.due(at(2, 31) + dt.timedelta(days=1))
    failed_at = at(2, 31) + dt.timedelta(days=1)
    station_settings.put(backup_schedule.LAST_KEY, {"ok": False, "at": at(2, 31).isoformat(),
                                                    "attempt_at": failed_at.isoformat(), "error": "disk full"})
    assert not backup_schedule.due(failed_at + dt.timedelta(minutes=30))
    assert backup_schedule.due(failed_at + dt.timedelta(minutes=61))
    assert not backup_schedule.healthy(failed_at)
