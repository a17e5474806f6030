"""The merge engine: several nodes in one process, each on its own SQLite file,
editing offline and exchanging events; every node must end with the same rows,
the rows the merge rules give for the set of events, and lost values listed."""
from __future__ import annotations

import time

import pytest

from kiosk.db import transaction
from kiosk.models import Customer, JobLine, StatusChange, WorkOrder
from kiosk.services import customers, workorders
from kiosk.services.errors import ServiceError
from sync import changelog, merge
from sync.changelog import ChangeEvent
from sync.conflicts import Conflict
from sync.fieldclock import FieldClock, PendingRow
from sync.node import ensure_node
from tests.merge_nodes import Nodes

@pytest.fixture
def nodes(tmp_path):
    group = Nodes(tmp_path)
    yield group
    group.close()


def at(node, ms: int) -> None:
    """Set ``node``'s wall clock to ``ms`` after the test began (decides which write is newer)."""
    node.at(ms)


def open_order(nodes, name: str, **walk):
    with nodes.use(name):
        customer = customers.create_customer("李雷", "13812345678")
        vehicle = customers.create_vehicle(customer, "京A12345", "LSVAA4182E2100001", "帕萨特", 1200)
        order = workorders.open_work_order(customer, vehicle, complaint="异响", walkaround=walk,
                                           jobs=[{"description": "更换机油", "price": 120}])
        return order.id


def order_on(nodes, name: str, order_id) -> WorkOrder:
    with nodes.use(name):
        return workorders.get_by_id(order_id)


def all_events(nodes) -> list[dict]:
    return [e for name in nodes.nodes for e in nodes.events(name)]


def exchange(nodes, *names) -> None:
    """Everyone sends everything to everyone (twice round, so relays arrive too)."""
    for _ in range(2):
        for frm in names:
            for to in names:
                if frm != to:
                    nodes.sync(frm, to)


def assert_converged(nodes, *names) -> dict:
    states = [nodes.state(n) for n in names]
    for name, state in zip(names, states):
        assert state == states[0], f"{name} differs from {names[0]}"
    assert states[0] == merge.reference_state(all_events(nodes))
    for name in names:
        with nodes.use(name):
            assert not PendingRow.select().exists(), f"{name} has rows waiting"
    return states[0]


def conflicts_on(nodes, name: str) -> list[Conflict]:
    with nodes.use(name):
        return merge.open_conflicts()


@pytest.fixture
def pair(nodes):
    """Kiosks a and b, both holding one work order made on a."""
    for name in ("a", "b"):
        nodes.add(name)
    at(nodes.nodes["a"], 0)
    order_id = open_order(nodes, "a")
    nodes.sync("a", "b")
    return order_id


def test_different_fields_of_one_order_are_both_kept(nodes, pair):
    at(nodes.nodes["a"], 1000)
    at(nodes.nodes["b"], 2000)
    with nodes.use("a"):
        workorders.update_walkaround(workorders.get_by_id(pair), belongings="雨伞")
    with nodes.use("b"):
        workorders.update_walkaround(workorders.get_by_id(pair), fuel_eighths=7)
    exchange(nodes, "a", "b")
    state = assert_converged(nodes, "a", "b")
    row = state[("work_order", pair.hex)]
    assert (row["belongings"], row["fuel_eighths"]) == ("雨伞", 7)
    assert conflicts_on(nodes, "a") == [] and conflicts_on(nodes, "b") == []


def test_same_field_newer_write_wins_and_the_loser_is_listed(nodes, pair):
    at(nodes.nodes["a"], 1000)
    at(nodes.nodes["b"], 2000)
    with nodes.use("a"):
        workorders.update_walkaround(workorders.get_by_id(pair), belongings="雨伞")
    with nodes.use("b"):
        workorders.update_walkaround(workorders.get_by_id(pair), belongings="行车记录仪")
    exchange(nodes, "a", "b")
    state = assert_converged(nodes, "a", "b")
    assert state[("work_order", pair.hex)]["belongings"] == "行车记录仪"
    for name in ("a", "b"):  # both sides see the same conflict, whichever way it arrived
        [conflict] = conflicts_on(nodes, name)
        assert (conflict.field, conflict.reason, conflict.kept, conflict.lost) == (
            "belongings", "concurrent", "行车记录仪", "雨伞")
        assert conflict.kept_origin == nodes.nodes["b"].node_id
        assert conflict.lost_origin == nodes.nodes["a"].node_id
    # An edit made after seeing the other's value is no conflict.
    at(nodes.nodes["a"], 3000)
    with nodes.use("a"):
        workorders.update_walkaround(workorders.get_by_id(pair), belongings="雨伞、充电线")
    exchange(nodes, "a", "b")
    assert order_on(nodes, "b", pair).belongings == "雨伞、充电线"
    assert len(conflicts_on(nodes, "b")) == 1


def test_local_writes_keep_field_clocks_and_say_what_they_saw(nodes, pair):
    with nodes.use("a"):
        workorders.update_walkaround(workorders.get_by_id(pair), belongings="雨伞")
        event = ChangeEvent.select().order_by(ChangeEvent.seq.desc()).first()
        clock = FieldClock.get((FieldClock.entity == "work_order") & (FieldClock.row_id == pair.hex)
                               & (FieldClock.field == "belongings"))
        insert = FieldClock.get((FieldClock.entity == "work_order") & (FieldClock.row_id == pair.hex)
                                & (FieldClock.field == "*"))
    assert clock.hlc == event.hlc and clock.origin == nodes.nodes["a"].node_id
    wire = nodes.events("a")[-1]
    assert wire["merge"] == {"seen": {"belongings": insert.hlc}}


def test_status_never_goes_backwards(nodes, pair):
    at(nodes.nodes["a"], 1000)
    with nodes.use("a"):
        workorders.move(workorders.get_by_id(pair), "in_repair")
    late = nodes.events("a")  # the in_repair move, to arrive late somewhere
    nodes.add("c")
    nodes.sync("a", "b")
    at(nodes.nodes["b"], 3000)
    with nodes.use("b"):
        workorders.move(workorders.get_by_id(pair), "qc")
    # a never saw QC and moves to waiting for parts, with a newer clock.
    at(nodes.nodes["a"], 4000)
    with nodes.use("a"):
        workorders.move(workorders.get_by_id(pair), "waiting_parts")
    exchange(nodes, "a", "b")
    assert order_on(nodes, "a", pair).status == order_on(nodes, "b", pair).status == "qc"
    # c gets QC first and the older in_repair afterwards: QC stays.
    nodes.sync("b", "c")
    nodes.send(late, "c")
    assert order_on(nodes, "c", pair).status == "qc"
    assert_converged(nodes, "a", "b")
    with nodes.use("a"):
        lost = [(c.field, c.reason, c.lost, c.kept) for c in merge.open_conflicts()]
    assert ("status", "status", "waiting_parts", "qc") in lost
    with nodes.use("a"):  # going back is not a choice the manager has: the status only moves forward
        conflict = next(c for c in merge.open_conflicts() if c.field == "status")
        assert str(conflict.reason_label()) == "A status change that came too late"
        with pytest.raises(ServiceError):
            merge.resolve_conflict(conflict.id, None, keep="lost")
        merge.resolve_conflict(conflict.id, None, keep="kept")
    # Every status change stays on record as a fact.
    with nodes.use("b"):
        moves = sorted(s.to_status for s in StatusChange.select())
    assert moves == ["checked_in", "in_repair", "qc", "waiting_parts"]


def test_qc_fail_to_rework_is_the_one_step_back(nodes, pair):
    at(nodes.nodes["a"], 1000)
    with nodes.use("a"):
        order = workorders.get_by_id(pair)
        workorders.move(order, "in_repair")
        workorders.move(order, "qc")
    nodes.sync("a", "b")
    at(nodes.nodes["b"], 2000)
    with nodes.use("b"):
        workorders.move(workorders.get_by_id(pair), "rework")
    exchange(nodes, "a", "b")
    assert order_on(nodes, "a", pair).status == "rework"
    assert_converged(nodes, "a", "b")


def test_cancel_and_settle_on_two_kiosks(nodes, pair):
    at(nodes.nodes["a"], 1000)
    at(nodes.nodes["b"], 2000)
    with nodes.use("a"):
        workorders.move(workorders.get_by_id(pair), "settled")
    with nodes.use("b"):
        workorders.move(workorders.get_by_id(pair), "cancelled")  # too late: it was settled first
    exchange(nodes, "a", "b")
    assert order_on(nodes, "b", pair).status == "settled"
    assert_converged(nodes, "a", "b")


def test_settled_order_keeps_late_edits_out_for_review(nodes, pair):
    with nodes.use("a"):
        [job] = workorders.live_jobs(workorders.get_by_id(pair))
    at(nodes.nodes["b"], 500)
    with nodes.use("b"):  # before the settle: applies
        workorders.update_walkaround(workorders.get_by_id(pair), notes="客户等候")
    at(nodes.nodes["a"], 1000)
    with nodes.use("a"):
        workorders.move(workorders.get_by_id(pair), "settled")
    at(nodes.nodes["b"], 2000)
    with nodes.use("b"):  # b has not heard of the settle yet
        order = workorders.get_by_id(pair)
        workorders.update_walkaround(order, belongings="备胎")
        added = workorders.add_job(order, "洗车", price=30)
        line = workorders.get_job(order, job.id)
        line.price = 99
        with transaction():
            changelog.save(line, fields=["price"])
    exchange(nodes, "a", "b")
    state = assert_converged(nodes, "a", "b")
    row = state[("work_order", pair.hex)]
    assert (row["status"], row["notes"], row["belongings"]) == ("settled", "客户等候", "")
    assert state[("job_line", job.id.hex)]["price"] == "120.00"
    assert state[("job_line", added.id.hex)]["deleted"] is True  # kept, but off the order
    for name in ("a", "b"):
        found = {(c.entity, c.field, c.reason) for c in conflicts_on(nodes, name)}
        assert found == {("work_order", "belongings", "locked"), ("job_line", "price", "locked"),
                         ("job_line", "*", "locked")}
    # The manager accepts the extra job and the belongings: new writes that replicate.
    with nodes.use("a"):
        for conflict in merge.open_conflicts():
            if conflict.field in ("*", "belongings"):
                merge.resolve_conflict(conflict.id, None, keep="lost")
        [left] = merge.open_conflicts()
        merge.resolve_conflict(left.id, None, keep="kept")
        assert merge.open_conflicts() == []
    exchange(nodes, "a", "b")
    state = assert_converged(nodes, "a", "b")
    assert state[("work_order", pair.hex)]["belongings"] == "备胎"
    assert state[("job_line", added.id.hex)]["deleted"] is False
    assert state[("job_line", job.id.hex)]["price"] == "120.00"


def test_resolving_to_the_lost_value_replicates(nodes, pair):
    at(nodes.nodes["a"], 1000)
    at(nodes.nodes["b"], 2000)
    with nodes.use("a"):
        workorders.update_walkaround(workorders.get_by_id(pair), complaint="刹车异响")
    with nodes.use("b"):
        workorders.update_walkaround(workorders.get_by_id(pair), complaint="方向盘抖")
    exchange(nodes, "a", "b")
    with nodes.use("a"):
        [conflict] = merge.open_conflicts()
        before = ChangeEvent.select().count()
        with pytest.raises(ServiceError):
            merge.resolve_conflict(conflict.id, None, keep="neither")
        done = merge.resolve_conflict(conflict.id, "manager-1", keep="lost")
        assert (done.resolved, done.resolved_by, done.resolution) == (True, "manager-1", "lost")
        assert ChangeEvent.select().count() == before + 1
        with pytest.raises(ServiceError):
            merge.resolve_conflict(conflict.id, None, keep="lost")
    exchange(nodes, "a", "b")
    assert order_on(nodes, "b", pair).complaint == "刹车异响"
    assert_converged(nodes, "a", "b")


def test_facts_merge_by_union(nodes, pair):
    at(nodes.nodes["a"], 1000)
    at(nodes.nodes["b"], 1000)
    with nodes.use("a"):
        workorders.move(workorders.get_by_id(pair), "diagnosis")
    with nodes.use("b"):
        workorders.move(workorders.get_by_id(pair), "estimate")
    exchange(nodes, "a", "b")
    for name in ("a", "b"):
        with nodes.use(name):
            assert sorted(s.to_status for s in StatusChange.select()) == ["checked_in", "diagnosis", "estimate"]
    assert_converged(nodes, "a", "b")


def test_tombstone_is_a_field_like_any_other(nodes, pair):
    with nodes.use("a"):
        [job] = workorders.live_jobs(workorders.get_by_id(pair))
    at(nodes.nodes["a"], 2000)
    at(nodes.nodes["b"], 1000)
    with nodes.use("a"):
        workorders.remove_job(workorders.get_job(workorders.get_by_id(pair), job.id))
    with nodes.use("b"):  # an older edit of another field of the same line
        line = workorders.get_job(workorders.get_by_id(pair), job.id)
        line.description = "更换机油及机滤"
        with transaction():
            changelog.save(line, fields=["description"])
    exchange(nodes, "a", "b")
    state = assert_converged(nodes, "a", "b")
    assert state[("job_line", job.id.hex)]["deleted"] is True
    assert state[("job_line", job.id.hex)]["description"] == "更换机油及机滤"
    with nodes.use("b"):
        assert JobLine.select().count() == 1 and workorders.live_jobs(workorders.get_by_id(pair)) == []


def test_applying_twice_is_applying_once(nodes, pair):
    events = nodes.events("a")
    nodes.add("c")
    assert len(nodes.send(events + events, "c")) == len(events)  # duplicates in one batch
    state = nodes.state("c")
    with nodes.use("c"):
        count = ChangeEvent.select().count()
    assert nodes.send(events, "c") == []
    assert nodes.send(list(reversed(events)), "c") == []
    with nodes.use("c"):
        assert ChangeEvent.select().count() == count == len(events)
    assert nodes.state("c") == state == nodes.state("a")


def test_received_events_keep_their_identity_and_advance_the_clock(nodes, pair):
    sent = nodes.events("a")
    for event in nodes.events("b"):
        original = next(e for e in sent if e["event_id"] == event["event_id"])
        assert event == original
    with nodes.use("b"):
        assert str(changelog.clock().now()) > max(e["hlc"] for e in sent)
        assert [e.seq for e in ChangeEvent.select().order_by(ChangeEvent.seq)] == list(range(1, len(sent) + 1))


def test_children_before_parents_wait_and_then_apply(nodes, pair):
    with nodes.use("a"):
        workorders.move(workorders.get_by_id(pair), "diagnosis")
    events = nodes.events("a")
    nodes.add("c")
    for event in reversed(events):  # each in its own batch: the job line comes first
        nodes.send([event], "c")
        with nodes.use("c"):
            assert not JobLine.select().exists() or WorkOrder.select().exists()
    assert nodes.state("c") == nodes.state("a")
    with nodes.use("c"):
        assert not PendingRow.select().exists()
        assert workorders.get_by_id(pair).status == "diagnosis"


def test_skewed_clock_is_flagged_and_overwrites_nothing(nodes, pair):
    hub = nodes.add("hub", role="hub")
    nodes.sync("a", "hub")
    nodes.sync("a", "b")
    at(nodes.nodes["b"], 3 * 3600 * 1000)  # b's clock runs three hours ahead
    with nodes.use("b"):
        workorders.update_walkaround(workorders.get_by_id(pair), belongings="三小时后")
        customers.create_customer("韩梅梅", "13900001111")  # a new row: nothing to overwrite
    at(nodes.nodes["a"], 1000)
    with nodes.use("a"):
        workorders.update_walkaround(workorders.get_by_id(pair), belongings="现在")
    nodes.send(nodes.events("b"), "hub", source=nodes.nodes["b"].node_id)
    nodes.sync("a", "hub")
    with nodes.use("hub"):
        flagged = {e.event_id for e in ChangeEvent.select().where(ChangeEvent.flagged == True)}  # noqa: E712
        assert len(flagged) == 2
        assert workorders.get_by_id(pair).belongings == "现在"
        assert Customer.select().where(Customer.name == "韩梅梅").exists()
        [conflict] = merge.open_conflicts()
        assert (conflict.reason, conflict.kept, conflict.lost) == ("skew", "现在", "三小时后")
        # The hub's clock did not jump three hours ahead with the skewed events.
        assert changelog.clock().now().wall_ms < int(time.time() * 1000) + 60_000
        assert sorted(merge.flagged_among(list(flagged) + ["nope"])) == sorted(flagged)
    assert hub.role == "hub"
    # The verdict travels: a kiosk pulling from the hub merges them flagged too.
    nodes.add("c")
    nodes.send(nodes.events("hub"), "c", source=hub.node_id)
    assert nodes.state("c") == nodes.state("hub")
    # The skewed kiosk, told which of its events were flagged, comes to the same rows.
    with nodes.use("b"):
        with transaction():
            assert merge.mark_flagged(sorted(flagged)) == 2
    nodes.sync("hub", "b")
    assert nodes.state("b") == nodes.state("hub") == merge.reference_state(nodes.events("hub"))


def test_a_kiosk_does_not_judge_clocks_unless_asked(nodes, pair):
    at(nodes.nodes["a"], 3 * 3600 * 1000)
    with nodes.use("a"):
        workorders.update_walkaround(workorders.get_by_id(pair), belongings="x")
    nodes.sync("a", "b")
    with nodes.use("b"):
        assert not ChangeEvent.select().where(ChangeEvent.flagged == True).exists()  # noqa: E712
    nodes.add("c")
    nodes.send(nodes.events("a"), "c", now_ms=int(time.time() * 1000))
    with nodes.use("c"):
        assert ChangeEvent.select().where(ChangeEvent.flagged == True).count() == 1  # noqa: E712


def test_a_clock_reset_to_2000_continues_from_its_last_event(nodes, pair):
    nodes.nodes["a"].wall_ms = 946_684_800_000  # 2000-01-01
    with nodes.use("a"):
        last = ChangeEvent.select().order_by(ChangeEvent.seq.desc()).first().hlc
        workorders.update_walkaround(workorders.get_by_id(pair), belongings="伞")
        assert ChangeEvent.select().order_by(ChangeEvent.seq.desc()).first().hlc > last


def test_unknown_fields_and_tables_are_stored_not_applied(nodes, pair):
    nodes.add("c")
    events = nodes.events("a")
    newest = max(e["hlc"] for e in events)
    update = dict(events[-1], event_id="e-future-1", origin_seq=999, op="update",
                  hlc=f"{int(newest[:13]) + 1:013d}.00000.{events[-1]['origin_node']}",
                  entity="work_order", row_id=pair.hex, payload={"belongings": "伞", "drone_bay": 7})
    alien = dict(update, event_id="e-future-2", origin_seq=1000, entity="drone", row_id="d1",
                 payload={"name": "x"})
    bad_value = dict(update, event_id="e-future-3", origin_seq=1001, payload={"mileage": "lots"})
    applied = nodes.send(events + [update, alien, bad_value], "c")
    assert {"e-future-1", "e-future-2", "e-future-3"} <= set(applied)
    state = nodes.state("c")
    assert state[("work_order", pair.hex)]["belongings"] == "伞"
    assert "drone_bay" not in state[("work_order", pair.hex)]
    assert not any(table == "drone" for table, _ in state)
    assert state == merge.reference_state(events + [update, alien, bad_value])
    with nodes.use("c"):
        assert ChangeEvent.get(ChangeEvent.event_id == "e-future-1").data["drone_bay"] == 7
        assert PendingRow.get(PendingRow.entity == "drone").reason == "unknown"


def test_malformed_events_and_diverged_history_are_refused(nodes, pair):
    events = nodes.events("a")
    nodes.add("c")
    with pytest.raises(ValueError):
        nodes.send([{"event_id": "x"}], "c")
    with pytest.raises(ValueError):
        nodes.send([dict(events[0], hlc="yesterday")], "c")
    nodes.send(events, "c")
    with pytest.raises(merge.Diverged):
        nodes.send([dict(events[0], event_id="another-id")], "c")
    with nodes.use("c"):
        with pytest.raises(RuntimeError):
            merge.apply_events(events)  # outside a transaction


@pytest.fixture
def pg_nodes(tmp_path, pg_url):
    """Two kiosks on SQLite and a hub on PostgreSQL (closed before its database is dropped)."""
    group = Nodes(tmp_path)
    yield group
    group.close()


def test_a_hub_on_postgresql_merges_like_a_kiosk(pg_nodes, pg_url):
    nodes = pg_nodes
    for name in ("a", "b"):
        nodes.add(name)
    hub = nodes.add("hub", role="hub", target=pg_url)
    at(nodes.nodes["a"], 0)
    order_id = open_order(nodes, "a")
    nodes.sync("a", "b")
    at(nodes.nodes["a"], 1000)
    at(nodes.nodes["b"], 2000)
    with nodes.use("a"):
        workorders.move(workorders.get_by_id(order_id), "settled")
    with nodes.use("b"):
        order = workorders.get_by_id(order_id)
        workorders.update_walkaround(order, belongings="备胎")
        workorders.add_job(order, "洗车", price=30)
    at(nodes.nodes["b"], 3 * 3600 * 1000)
    with nodes.use("b"):
        customers.create_customer("韩梅梅", "13900001111")
    for name in ("b", "a"):  # children first: b's lines reach the hub before a's order
        nodes.send(list(reversed(nodes.events(name))), "hub", source=nodes.nodes[name].node_id)
    for name in ("a", "b"):
        nodes.send(nodes.events("hub"), name, source=hub.node_id)
    state = assert_converged(nodes, "a", "b", "hub")
    assert state[("work_order", order_id.hex)]["status"] == "settled"
    with nodes.use("hub"):
        assert ChangeEvent.select().where(ChangeEvent.flagged == True).count() == 1  # noqa: E712
        conflicts = merge.open_conflicts()
        assert {(c.field, c.reason) for c in conflicts} == {("belongings", "locked"), ("*", "locked")}
        for conflict in conflicts:
            merge.resolve_conflict(conflict.id, None, keep="lost")
    for name in ("a", "b"):
        nodes.send(nodes.events("hub"), name, source=hub.node_id)
    state = assert_converged(nodes, "a", "b", "hub")
    assert state[("work_order", order_id.hex)]["belongings"] == "备胎"


def test_a_node_made_before_the_merge_engine_is_upgraded(tmp_path):
    """m0002 adds ChangeEvent's columns and fills the field clocks from the log."""
    from kiosk import db as kdb

    path = str(tmp_path / "old.sqlite")
    kdb.bind(path)
    with kdb.connected():
        ensure_node()
        changelog.forget_clocks()
        customer = customers.create_customer("李雷", "13812345678")
        customers.update_vehicle(customers.create_vehicle(customer, "京A12345"), color="白")
        for statement in ("DROP TABLE field_clock", "DROP TABLE pending_row", "DROP TABLE conflict",
                          "ALTER TABLE change_event DROP COLUMN flagged",
                          "ALTER TABLE change_event DROP COLUMN received_at",
                          "ALTER TABLE change_event DROP COLUMN merge_info",
                          "DELETE FROM migrations WHERE name = 'm0002_merge_tables'"):
            kdb.database.execute_sql(statement)
        before = merge.database_state()
    kdb.bind(path)
    with kdb.connected():
        assert {c.name for c in kdb.database.get_columns("change_event")} >= {"flagged", "received_at",
                                                                           "merge_info"}
        assert merge.database_state() == before
        clocks = {(c.entity, c.field) for c in FieldClock.select()}
        assert clocks == {("customer", "*"), ("vehicle", "*"), ("vehicle", "color")}
    changelog.forget_clocks()


def test_one_insert_shortcut_folds_like_the_general_rule(nodes, pair):
    """fold_row's shortcut for a row with a single insert gives what the general fold gives,
    for every kind of row the kiosks write (records, facts, lines of a locked order)."""
    from sync.mergeschema import parse_event, registry
    from sync.mergerules import fold_general, fold_row

    with nodes.use("a"):
        order = workorders.get_by_id(pair)
        workorders.add_part_line(order, "机油滤清器", qty=1, unit_price=45, part_no="PN-1", non_catalogue=True)
        workorders.move(order, "settled")
    events = [parse_event(e) for e in nodes.events("a") if e["op"] == "insert"]
    models = registry()
    lock = max(e.hlc for e in events)
    compared = set()
    for event in events:
        model = models[event.entity]
        for lock_at in (None, (lock, "x")):
            quick, general = fold_row(model, event.row_id, [event], lock_at), \
                fold_general(model, event.row_id, [event], lock_at)
            assert (quick.values, quick.clocks, quick.insert_clock, quick.losses) == \
                (general.values, general.clocks, general.insert_clock, general.losses), event.entity
        compared.add(event.entity)
    assert {"customer", "vehicle", "work_order", "job_line", "part_line", "status_change"} <= compared
