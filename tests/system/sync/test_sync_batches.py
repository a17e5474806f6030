"""Push and pull in many small batches against a real hub: the push loop, the
hub's push limit, and the pull that fetches its next batch while applying one."""
from __future__ import annotations

from benchmarks.reception_load import fill
from tests.support.nodes import events_of


def _kiosk(db: str):
    from kiosk.cli import build_app

    return build_app(db, must_exist=True)


def _state(db: str) -> dict:
    from kiosk.cli import opened
    from sync import merge

    with opened(_kiosk(db)):
        return merge.database_state()


def test_many_small_batches_arrive_whole_and_in_order(nodes, tmp_path, monkeypatch):
    from kiosk.cli import opened
    from sync import client, protocol, state, transport
    from sync.changelog import outbox_size

    source = tmp_path / "source.sqlite"
    fill(source, 12)  # a dozen work orders with their customers, vehicles, lines: ~100 events
    made = len(events_of(str(source)))
    monkeypatch.setenv("BAYFLOW_SYNC_SNAPSHOT", "off")  # b pulls and merges every event, seven at a time
    hub = nodes("hub", role="hub", discovery=False).start()
    a = nodes("a", db=str(source), discovery=False)
    b = nodes("b", prefix="B2", discovery=False)
    a.pair_with(hub)
    b.pair_with(hub)
    try:
        with opened(_kiosk(a.db)):
            answer = client.hello()
            assert answer["push_limit"] == protocol.PUSH_BATCH
            assert client.push(batch=7) == made  # fifteen pushes or so, each acknowledged
            assert outbox_size() == 0
        transport.forget_session()
        with opened(_kiosk(b.db)):
            client.hello()
            assert client.pull(batch=7) == made  # the next batch is fetched while one is applied
            cursor = int(state.get("hub_cursor"))
            assert client.pull(batch=7) == 0  # nothing new: nothing applied twice
            assert int(state.get("hub_cursor")) == cursor
    finally:
        transport.forget_session()
    pulled = events_of(b.db)
    assert len(pulled) == made
    assert sorted(e["event_id"] for e in pulled) == sorted(e["event_id"] for e in events_of(a.db))
    assert _state(b.db) == _state(a.db)


def test_a_kiosk_pulling_after_its_own_push_skips_its_own_events(nodes, tmp_path):
    from kiosk.cli import opened
    from sync import client, state, transport
    from sync.tables import ChangeEvent

    source = tmp_path / "source.sqlite"
    fill(source, 4)
    hub = nodes("hub", role="hub", discovery=False).start()
    a = nodes("a", db=str(source), discovery=False)
    a.pair_with(hub)
    try:
        with opened(_kiosk(a.db)):
            client.hello()
            before = ChangeEvent.select().count()
            client.push(batch=5)
            assert client.pull(batch=5) == 0
            # The hub's cursor moved past our own events without sending them back.
            assert int(state.get("hub_cursor")) == before
            assert ChangeEvent.select().count() == before
    finally:
        transport.forget_session()
