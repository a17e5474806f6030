"""Faults between real processes: answers lost, requests duplicated, the hub
killed mid-batch, a kiosk cloned or restored from an old backup."""
from __future__ import annotations

import random
import shutil
import subprocess
import time
from pathlib import Path

from tests.multinode.faulty_link import FaultyLink
from tests.multinode.harness import BAYFLOW, events_of, order_body, run_cli, state_of


def own_seqs(hub_db: str, node_db: str) -> list[int]:
    node_events = events_of(node_db)
    origin = node_events[0]["origin_node"]
    return sorted(e["origin_seq"] for e in events_of(hub_db) if e["origin_node"] == origin)


def test_lost_answers_and_duplicated_requests_neither_lose_nor_double(nodes):
    hub = nodes("hub", role="hub").start()
    kiosk = nodes("k", prefix="K1", discovery=False).start()  # reach the hub only through the link
    link = FaultyLink(hub.url)
    try:
        code = run_cli("pairing-code", "--db", hub.db).stdout.strip()
        run_cli("pair", "--db", kiosk.db, "--hub", link.url, "--code", code)
        for i in range(5):
            kiosk.api("POST", "/work-orders", order_body(i), expect=201)
        # The push's acknowledgement is lost: the kiosk proves the hub again and re-sends.
        link.plan.extend(["ok", "lose-answer"])
        kiosk.sync()
        # Lost every time: the round fails clearly, the outbox stays, the next round delivers.
        kiosk.api("POST", "/work-orders", order_body(7), expect=201)
        link.plan.extend(["ok", "lose-answer"] * 3)
        failed = kiosk.sync(check=False)
        assert failed.returncode != 0 and "Traceback" not in failed.stderr, link.log
        link.plan.extend(["ok", "duplicate", "duplicate"])  # the re-sent batch arrives twice
        kiosk.sync()
        link.plan.extend(["ok", "lose-request"] * 3)
        kiosk.api("POST", "/work-orders", order_body(9), expect=201)
        assert kiosk.sync(check=False).returncode != 0
        kiosk.sync()
        mine = len(events_of(kiosk.db))
        assert own_seqs(hub.db, kiosk.db) == list(range(1, mine + 1))
        assert state_of(hub.db) == state_of(kiosk.db)
        assert ("/sync/v1/push", "lose-answer") in link.log
    finally:
        link.close()


def test_hub_killed_at_random_points_loses_nothing_acknowledged(nodes):
    hub = nodes("hub", role="hub").start()
    kiosk = nodes("k", prefix="K1").start()
    kiosk.pair_with(hub)
    for i in range(350):  # about 2,100 events: two push batches
        kiosk.api("POST", "/work-orders", order_body(i), expect=201)
    port, rng = hub.port, random.Random(20261127)
    for _ in range(6):
        with subprocess.Popen([BAYFLOW, "sync", "--db", kiosk.db, "--once"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) as syncing:
            time.sleep(rng.uniform(0.2, 2.0))
            hub.kill()
            syncing.communicate(timeout=60)
        hub.start(port=port)
    kiosk.sync()
    mine = len(events_of(kiosk.db))
    assert own_seqs(hub.db, kiosk.db) == list(range(1, mine + 1))  # each once, none missing
    assert state_of(hub.db) == state_of(kiosk.db)


def copy_db(src: str, dst: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            shutil.copy(src + suffix, dst + suffix)
        except FileNotFoundError:
            # A write-ahead log left at the destination would be replayed over the copy.
            Path(dst + suffix).unlink(missing_ok=True)


def test_a_cloned_kiosk_is_refused_and_keeps_its_work(nodes, tmp_path):
    hub = nodes("hub", role="hub").start()
    kiosk = nodes("k", prefix="K1").start()
    kiosk.pair_with(hub)
    kiosk.api("POST", "/work-orders", order_body(1), expect=201)
    kiosk.sync()
    kiosk.stop()
    clone = nodes("clone")
    copy_db(kiosk.db, clone.db)  # the same disk image on a second PC
    kiosk.start()
    clone.start()
    kiosk.api("POST", "/work-orders", order_body(2), expect=201)
    made = clone.api("POST", "/work-orders", order_body(3), expect=201)
    number = made["number"]
    kiosk.sync()
    refused = clone.sync(check=False)
    assert refused.returncode != 0 and "pair" in refused.stderr.lower()
    assert clone.api("GET", f"/work-orders/{number}")["number"] == number  # nothing lost locally
    on_hub = hub.api("GET", f"/work-orders/{number}")
    assert on_hub.get("id") != made["id"]  # the clone's order never reached the hub

    # Paired again, the clone becomes a node of its own and its work goes up.
    clone.pair_with(hub)
    clone.sync()
    kiosk.sync()
    assert state_of(hub.db) == state_of(clone.db) == state_of(kiosk.db)
    assert made["id"] in {key[1] for key in state_of(hub.db)}
    new_number = clone.api("POST", "/work-orders", order_body(4), expect=201)["number"]
    assert not new_number.startswith("K1-")  # a number prefix of its own from now on


def test_a_kiosk_restored_from_an_old_backup_is_refused(nodes, tmp_path):
    hub = nodes("hub", role="hub").start()
    kiosk = nodes("k", prefix="K1").start()
    kiosk.pair_with(hub)
    kiosk.stop()
    backup = str(tmp_path / "backup.sqlite")
    copy_db(kiosk.db, backup)
    kiosk.start()
    kiosk.api("POST", "/work-orders", order_body(1), expect=201)
    kiosk.sync()
    kiosk.stop()
    copy_db(backup, kiosk.db)
    kiosk.start()
    refused = kiosk.sync(check=False)
    assert refused.returncode != 0 and "pair" in refused.stderr.lower()
    kiosk.pair_with(hub)  # paired again: a new identity, and the store's data comes back down
    kiosk.sync()
    assert state_of(hub.db) == state_of(kiosk.db)
