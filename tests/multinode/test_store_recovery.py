"""A store recovers, with real processes: a hub restored from a backup while its kiosks
kept working, a hub backed up under load, a kiosk restored from a backup."""
from __future__ import annotations

import os
import threading
from collections import Counter

from tests.multinode.harness import events_of, order_body, run_cli, state_of


def numbers_on(node) -> set[str]:
    state = state_of(node.db)
    return {row["number"] for (table, _), row in state.items() if table == "work_order"}


def assert_whole(*nodes) -> None:
    """Every node holds the same rows and the same events, each event once."""
    states = [state_of(node.db) for node in nodes]
    for node, state in zip(nodes[1:], states[1:]):
        assert state == states[0], f"{node.name} differs from {nodes[0].name}"
    for node in nodes:
        ids = Counter(e["event_id"] for e in events_of(node.db))
        assert max(ids.values()) == 1, f"{node.name} holds an event twice"
        seqs = Counter((e["origin_node"], e["origin_seq"]) for e in events_of(node.db))
        assert max(seqs.values()) == 1
    assert len({frozenset(e["event_id"] for e in events_of(node.db)) for node in nodes}) == 1


def destroy(db: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)


def test_a_restored_hub_gets_back_what_the_kiosks_kept(store, tmp_path):
    hub, a, b = store
    before = [a.api("POST", "/work-orders", order_body(i), expect=201)["number"] for i in range(3)]
    a.sync()
    b.sync()
    backup = tmp_path / "hub-backup.sqlite"
    run_cli("backup", "--db", hub.db, "--out", str(backup))

    # After the backup the store keeps working: both kiosks, and the hub itself.
    after_a = [a.api("POST", "/work-orders", order_body(10 + i), expect=201)["number"] for i in range(3)]
    a.api("PATCH", f"/work-orders/{before[0]}", {"notes": "备份之后修改"}, expect=200)
    a.sync()
    on_hub = hub.api("POST", "/work-orders", order_body(20), expect=201)["number"]
    after_b = [b.api("POST", "/work-orders", order_body(30 + i), expect=201)["number"] for i in range(2)]
    b.sync()  # b now holds a's and the hub's later work as well
    a.sync()
    unsent = a.api("POST", "/work-orders", order_body(40), expect=201)["number"]  # never reached the old hub

    port = hub.port
    hub.kill()
    destroy(hub.db)  # the hub's disk is gone
    done = run_cli("restore", "--db", hub.db, "--from", str(backup))
    assert "restored hub" in done.stdout
    hub.start(port=port)
    hub._token = None  # its API token was made after the backup
    assert on_hub not in numbers_on(hub) and after_a[0] not in numbers_on(hub)

    b.sync()  # b sends again its own work and relays what a and the hub made after the backup
    a.sync()
    b.sync()
    expected = {*before, *after_a, on_hub, *after_b, unsent}
    for node in (hub, a, b):
        assert expected <= numbers_on(node), node.name
    assert hub.api("GET", f"/work-orders/{before[0]}")["notes"] == "备份之后修改"
    assert_whole(hub, a, b)

    # The restored hub's own new work never reuses a number the kiosks hold.
    again = hub.api("POST", "/work-orders", order_body(50), expect=201)["number"]
    a.sync()
    b.sync()
    assert again in numbers_on(a) and again in numbers_on(b)
    assert_whole(hub, a, b)


def test_after_a_restore_a_kiosk_pulls_again_from_the_restore_point(store, tmp_path):
    """The restored hub hands its sequence numbers out again: a kiosk whose cursor
    was further on must go back, or it would skip what arrives under the old numbers."""
    hub, a, b = store
    a.api("POST", "/work-orders", order_body(1), expect=201)
    a.sync()
    b.sync()
    run_cli("backup", "--db", hub.db, "--out", str(tmp_path / "hub-backup.sqlite"))
    for i in range(20):  # b moves the hub's sequence well past the backup
        b.api("POST", "/work-orders", order_body(100 + i), expect=201)
    b.sync()
    port = hub.port
    hub.kill()
    destroy(hub.db)
    run_cli("restore", "--db", hub.db, "--from", str(tmp_path / "hub-backup.sqlite"))
    hub.start(port=port)
    fresh = a.api("POST", "/work-orders", order_body(2), expect=201)["number"]
    a.sync()  # a's new order takes a number the hub had already handed out to one of b's events
    b.sync()
    assert fresh in numbers_on(b)
    a.sync()
    assert_whole(hub, a, b)


def test_a_hub_backed_up_under_load_gives_a_sound_consistent_copy(store, tmp_path):
    hub, a, b = store
    stop = threading.Event()
    made: list[str] = []
    failures: list[str] = []

    def work(kiosk, base):
        i = 0
        while not stop.is_set():
            try:
                made.append(kiosk.api("POST", "/work-orders", order_body(base + i), expect=201)["number"])
                if i % 5 == 4:
                    kiosk.sync()
            except AssertionError as exc:
                failures.append(str(exc))
            i += 1

    workers = [threading.Thread(target=work, args=(a, 1000)), threading.Thread(target=work, args=(b, 5000))]
    for worker in workers:
        worker.start()
    try:
        copies = []
        for i in range(3):
            out = tmp_path / f"load-{i}.sqlite"
            run_cli("backup", "--db", hub.db, "--out", str(out))
            copies.append(out)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert not failures and len(made) >= 6
    from sync import merge

    seqs = []
    for copy in copies:
        manifest = __import__("json").loads((tmp_path / f"{copy.name}.json").read_text())
        assert manifest["integrity"] == "ok"
        # One moment: the tables are exactly what the copy's own change log describes.
        assert state_of(str(copy)) == merge.reference_state(events_of(str(copy)))
        seqs.append(manifest["seq"])
    assert seqs == sorted(seqs)


def test_a_kiosk_restored_by_bayflow_restore_is_refused_and_pairs_again(store, tmp_path):
    hub, a, b = store
    a.api("POST", "/work-orders", order_body(1), expect=201)
    a.sync()
    run_cli("backup", "--db", a.db, "--out", str(tmp_path / "a-backup.sqlite"))
    a.api("POST", "/work-orders", order_body(2), expect=201)
    a.sync()
    a.stop()
    run_cli("restore", "--db", a.db, "--from", str(tmp_path / "a-backup.sqlite"))
    a.start()
    kept = a.api("POST", "/work-orders", order_body(3), expect=201)["number"]
    refused = a.sync(check=False)
    assert refused.returncode != 0 and "pair" in refused.stderr.lower()  # a clone of its old self
    a.pair_with(hub)  # a new identity; its unsent work goes up, the store's comes down
    a.sync()
    b.sync()
    assert kept in numbers_on(hub) and kept in numbers_on(b)
    assert state_of(hub.db) == state_of(a.db) == state_of(b.db)


def wait_for(condition, timeout: float = 120.0, what: str = "") -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_a_restored_hub_is_made_whole_by_the_kiosks_background_sync(nodes, tmp_path):
    """As in a store: nobody runs `bayflow sync`; the kiosks' own background sync does it."""
    hub = nodes("hub", role="hub").start()
    a = nodes("a", prefix="A1", sync_interval=None).start()
    b = nodes("b", prefix="B1", sync_interval=None).start()
    a.pair_with(hub)
    b.pair_with(hub)
    first = a.api("POST", "/work-orders", order_body(1), expect=201)["number"]
    wait_for(lambda: first in numbers_on(b), what="the first order on b")
    run_cli("backup", "--db", hub.db, "--out", str(tmp_path / "hub-backup.sqlite"))
    later = [a.api("POST", "/work-orders", order_body(10 + i), expect=201)["number"] for i in range(3)]
    later += [b.api("POST", "/work-orders", order_body(20 + i), expect=201)["number"] for i in range(3)]
    wait_for(lambda: set(later) <= numbers_on(a) and set(later) <= numbers_on(b), what="both kiosks in step")
    port = hub.port
    hub.kill()
    destroy(hub.db)
    run_cli("restore", "--db", hub.db, "--from", str(tmp_path / "hub-backup.sqlite"))
    hub.start(port=port)
    last = a.api("POST", "/work-orders", order_body(30), expect=201)["number"]
    expected = {first, *later, last}
    wait_for(lambda: all(expected <= numbers_on(node) for node in (hub, a, b)), what="everything everywhere")
    wait_for(lambda: state_of(hub.db) == state_of(a.db) == state_of(b.db), what="the same rows")
    assert_whole(hub, a, b)
