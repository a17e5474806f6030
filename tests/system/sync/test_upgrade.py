"""Upgrades kiosk by kiosk: the previous release (git tag ``v0.1.0``) and this code side
by side on a store with data, real processes, in both orders — the hub first, or the
kiosks first — and a hub rolled back to the previous release on its upgraded database.

The previous release is taken from the repository with ``git archive`` into the
test's folder and run with this interpreter (its dependencies are this venv's): no
network, a few seconds. Its tag is read when the clone has it, else the release's
commit (a clone made without tags still has the history); a shallow clone that has
neither fails here with the reason, never skips.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from peewee import DateTimeField

from kiosk.db import bind, connected, database
from kiosk.migrations import migrate
from kiosk.models.ops import NodeReport
from kiosk.schema import replicated_models
from sync import merge
from sync.changelog import forget_clocks
from sync.tables import Peer
from tests.support import ROOT, processes
from tests.support.nodes import Node, events_of, order_body

PREVIOUS = "v0.1.0"
PREVIOUS_COMMIT = "607ec3b2a5187986bce1c6cc617de0812a080ff5"  # what the tag names
REPO = ROOT


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory) -> str:
    """A ``bayflow`` program that runs the previous release from its git tag."""
    def git(*args, **kwargs):
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, **kwargs)

    found = [ref for ref in (PREVIOUS, PREVIOUS_COMMIT)
             if git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0]
    if not found:
        pytest.fail(f"neither the git tag {PREVIOUS} nor its commit {PREVIOUS_COMMIT} (the previous release) "
                    f"is in {REPO}: the upgrade tests run it against this code. Clone with the history "
                    "(not --depth 1) or fetch the tags (git fetch --tags).")
    folder = tmp_path_factory.mktemp("previous")
    archive = git("archive", "--format=tar", found[0], "kiosk", "sync", "hardware", "static")
    assert archive.returncode == 0, archive.stderr.decode()
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    # Its own version for importlib.metadata (found before this checkout's on the path).
    dist = folder / f"bayflow-{PREVIOUS[1:]}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: bayflow\nVersion: {PREVIOUS[1:]}\n")
    program = folder / "bayflow"
    # -P: the current folder (maybe this checkout) is not put before the old tree on the path.
    program.write_text(f"#!/bin/sh\nPYTHONPATH={folder} exec {sys.executable} -P -c "
                       "'import sys; sys.argv[0] = \"bayflow\"; from kiosk.cli import main; sys.exit(main())' \"$@\"\n")
    program.chmod(0o755)
    version = subprocess.run([str(program), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"bayflow, version {PREVIOUS[1:]}", version.stderr
    return str(program)


CURRENT = str(Path(sys.executable).parent / "bayflow")


class VersionedNode(Node):
    """A node run by a given ``bayflow`` program, the previous release's or this one's."""

    def __init__(self, folder: Path, name: str, program: str, **options):
        super().__init__(folder, name, **options)
        self.program = program

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([self.program, *args], capture_output=True, text=True, timeout=120,
                              env={**os.environ, **self.env})
        if check and done.returncode != 0:
            raise AssertionError(f"{self.name}: bayflow {' '.join(args)} failed: {done.stderr.strip()}")
        return done

    def start(self, port: int | None = None, timeout: float = 30) -> "VersionedNode":
        args = [self.program, "serve", "--role", self.role, "--db", self.db, "--host", "127.0.0.1",
                "--port", str(port if port is not None else self.port), "--sync-interval", "0", "--workers", "1"]
        if self.role == "kiosk":
            args += ["--station", self.station]
        if self.prefix:
            args += ["--prefix", self.prefix]
        self.proc = processes.popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env}, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"{self.name} exited: {self.proc.wait()}")
            found = re.search(r"(http://127\.0\.0\.1:(\d+))", line)
            if found:
                self.url, self.port = found.group(1), int(found.group(2))
                return self
        raise AssertionError(f"{self.name} did not start")

    def run_as(self, program: str) -> None:
        """Stop, switch to ``program`` (an upgrade or a rollback), start again on the same database."""
        self.stop()
        self.program = program
        self.start(port=self.port)

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = self.cli("token", "--db", self.db).stdout.strip()
        return self._token

    def sync(self, check: bool = True) -> subprocess.CompletedProcess:
        return self.cli("sync", "--db", self.db, "--once", check=check)

    def pair_with(self, hub: "VersionedNode") -> None:
        code = hub.cli("pairing-code", "--db", hub.db).stdout.strip()
        self.cli("pair", "--db", self.db, "--hub", hub.url, "--code", code)


@pytest.fixture
def old_store(tmp_path, previous_release):
    """A hub and two kiosks on the previous release, with a store's worth of work on them."""
    made = [VersionedNode(tmp_path, "hub", previous_release, role="hub"),
            VersionedNode(tmp_path, "a", previous_release, prefix="A1"),
            VersionedNode(tmp_path, "b", previous_release, prefix="B1", station="bay")]
    hub, a, b = made
    try:
        for node in made:
            node.start()
        a.pair_with(hub)
        b.pair_with(hub)
        work(a, b, 0)
        yield hub, a, b
    finally:
        for node in made:
            node.stop()


def work(a, b, base: int) -> list[str]:
    """Orders on a, edits and a status move on b (after a round of sync), then everyone syncs."""
    numbers = [a.api("POST", "/work-orders", order_body(base + i), expect=201)["number"] for i in range(3)]
    a.api("POST", f"/work-orders/{numbers[0]}/jobs", {"description": "四轮定位", "hours": 1, "price": 200},
          expect=201)
    a.sync()
    b.sync()
    b.api("PATCH", f"/work-orders/{numbers[1]}", {"notes": f"版本混用 {base}"}, expect=200)
    b.api("POST", f"/work-orders/{numbers[2]}/status", {"status": "diagnosis"}, expect=200)
    b.api("POST", "/work-orders", order_body(base + 50), expect=201)
    for node in (b, a, b):
        node.sync()
    return numbers


def _time_columns() -> dict[str, set[str]]:
    return {m._meta.table_name: {n for n, f in m._meta.fields.items() if isinstance(f, DateTimeField)}
            for m in replicated_models()}


def _without_times(state: dict) -> dict:
    times = _time_columns()
    return {key: {f: v for f, v in row.items() if f not in times.get(key[0], ())} for key, row in state.items()}


def states_of(node) -> tuple[dict, dict]:
    """(its rows, the state this code reads in its change log), from a snapshot of its database
    brought to this schema (the node keeps running on the original; binding does not migrate,
    ``create_app`` does: the snapshot is migrated here)."""
    copy = f"{node.db}.compared"
    for suffix in ("", "-wal", "-shm"):
        Path(copy + suffix).unlink(missing_ok=True)
    source, target = sqlite3.connect(node.db), sqlite3.connect(copy)
    source.backup(target)  # one consistent moment, whatever the node is writing
    source.close()
    target.close()
    bind(copy)
    forget_clocks()
    with connected():
        migrate(database)
        rows = merge.database_state()
    database.close()
    return rows, merge.reference_state(events_of(copy))


def same_everywhere(*nodes) -> None:
    """Every node's change log means the same state, by this code's reading; a node on this
    release holds exactly that. A node on the previous release holds it too apart from the times:
    it writes them as its PC's wall time and stores what newer nodes send (UTC) as it comes — the
    time rule of kiosk.core.times reaches its rows when it is upgraded (m0011 and its version-1 events)."""
    found = [(node, *states_of(node)) for node in nodes]
    reference = found[0][2]
    assert reference, "no data"
    for node, rows, folded in found:
        assert folded == reference, f"{node.name}'s log differs from {nodes[0].name}'s"
        if node.program == CURRENT:
            assert rows == folded, f"{node.name}'s rows are not what its log says"
        else:
            assert _without_times(rows) == _without_times(folded), f"{node.name}'s rows differ beyond times"


def versions(node) -> str:
    return node.api("GET", "/health")["version"]


def kiosk_versions(hub_db: str) -> dict[str, str]:
    bind(hub_db)
    with connected():
        reports = {r.node_id: r.version for r in NodeReport.select()}
        return {p.prefix: reports.get(p.node_id, "") for p in Peer.select()}


def test_hub_first_then_kiosks_then_a_rollback(old_store, previous_release):
    hub, a, b = old_store
    assert versions(hub) == "0.1.0"
    hub.run_as(CURRENT)  # the hub is upgraded first; both kiosks stay on the previous release
    assert versions(hub) == "0.2.0" and versions(a) == "0.1.0"
    work(a, b, 100)
    same_everywhere(hub, a, b)

    a.run_as(CURRENT)  # then one kiosk; the other still runs the previous release
    work(a, b, 200)
    same_everywhere(hub, a, b)
    assert kiosk_versions(hub.db) == {"A1": "0.2.0", "B1": ""}  # the old one does not tell its version

    hub.run_as(previous_release)  # rolled back, on the database the new version migrated
    assert versions(hub) == "0.1.0"
    work(a, b, 300)
    same_everywhere(hub, a, b)


def test_kiosks_first_then_the_hub(old_store):
    hub, a, b = old_store
    a.run_as(CURRENT)  # a kiosk on the new version with a hub on the previous one
    work(a, b, 100)
    same_everywhere(hub, a, b)
    b.run_as(CURRENT)
    work(b, a, 200)
    same_everywhere(hub, a, b)
    hub.run_as(CURRENT)
    work(a, b, 300)
    same_everywhere(hub, a, b)
    assert kiosk_versions(hub.db) == {"A1": "0.2.0", "B1": "0.2.0"}
