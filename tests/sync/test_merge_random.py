"""Randomized: three kiosks edit offline (records and facts, random fields, now
and then passing part of their log to another), then the union of all their
events is delivered to fresh nodes in random orders, in random batches, with
duplicates. Every node must end with the same rows, equal to the reference
fold of the events, and every value the rules keep out must be listed."""
from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.db import transaction
from kiosk.models import Customer, JobLine, StatusChange, Vehicle, WorkOrder
from kiosk.core import status as states
from kiosk.services import workorders
from sync import changelog, merge
from sync.tables import Conflict, PendingRow
from tests.support.merge_nodes import Nodes

NAMES = ("a", "b", "c")
WORDS = st.sampled_from(["甲", "乙", "丙", ""])
EDITS = {
    Customer: {"name": st.sampled_from(["李雷", "韩梅梅"]), "phone": st.sampled_from(["138", "139"]),
               "notes": WORDS},
    Vehicle: {"plate": st.sampled_from(["京A1", "沪B2"]), "mileage": st.integers(0, 3),
              "color": WORDS, "customer": None},  # None: another customer the node knows
    WorkOrder: {"belongings": WORDS, "complaint": WORDS, "fuel_eighths": st.integers(0, 8),
                "deleted": st.booleans()},
    JobLine: {"description": WORDS, "price": st.sampled_from([Decimal("10.00"), Decimal("20.00")]),
              "deleted": st.booleans()},
}
OPENED = dt.datetime(2026, 11, 27, 9, 30)


def known(model) -> list:
    return list(model.select().order_by(model.id))


def locked(order: WorkOrder) -> bool:
    return not workorders.is_editable(order)


def step(data, nodes: Nodes, name: str) -> None:
    """One random change on node ``name``, the way a service would make it."""
    action = data.draw(st.sampled_from(["customer", "vehicle", "order", "job", "edit", "edit", "move"]))
    customers, vehicles, orders = known(Customer), known(Vehicle), known(WorkOrder)
    with transaction():
        if action == "customer" or not customers:
            changelog.save(Customer(name=data.draw(EDITS[Customer]["name"]), phone="138"))
        elif action == "vehicle" or not vehicles:
            changelog.save(Vehicle(customer=data.draw(st.sampled_from(customers)), plate="京A1"))
        elif action == "order" or not orders:
            vehicle = data.draw(st.sampled_from(vehicles))
            order = WorkOrder(number=f"{name}-{len(orders)}", customer=vehicle.customer or customers[0],
                              vehicle=vehicle, opened_at=OPENED)
            changelog.save(order)
            changelog.save(StatusChange(work_order=order, to_status="checked_in", at=OPENED))
        elif action == "job":
            order = data.draw(st.sampled_from(orders))
            if not locked(order) or data.draw(st.booleans()):
                changelog.save(JobLine(work_order=order, description=data.draw(WORDS)))
        elif action == "move":
            order = data.draw(st.sampled_from(orders))
            target = data.draw(st.sampled_from(list(states.STATUSES)))
            if states.can_move(order.status, target):
                workorders.move(order, target)
        else:
            model = data.draw(st.sampled_from(list(EDITS)))
            rows = known(model)
            if not rows:
                return
            row = data.draw(st.sampled_from(rows))
            order = row if model is WorkOrder else row.work_order if model is JobLine else None
            if order is not None and locked(order) and not data.draw(st.booleans()):
                return  # the services refuse edits to a settled order (a manager's may pass)
            name_ = data.draw(st.sampled_from(list(EDITS[model])))
            strategy = EDITS[model][name_]
            if strategy is None:
                strategy = st.sampled_from(customers)
            setattr(row, name_, data.draw(strategy))
            changelog.save(row, fields=[name_])


def deliver(data, nodes: Nodes, events: list[dict], to: str) -> None:
    """``events`` in a random order, in random batches, some of them twice."""
    order = data.draw(st.permutations(events))
    extra = data.draw(st.lists(st.sampled_from(events), max_size=5)) if events else []
    stream = order + extra
    while stream:
        size = data.draw(st.integers(1, max(1, len(stream))))
        batch, stream = stream[:size], stream[size:]
        nodes.send(batch, to)


def conflict_keys(nodes: Nodes, name: str) -> set:
    with nodes.use(name):
        return {(c.entity, c.row_id, c.field, c.lost_hlc) for c in Conflict.select()}


# How many orders are tried comes from the Hypothesis profile (tests/conftest.py): 30 under
# `make test`, fewer under `make test-fast`.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_any_order_of_delivery_gives_the_same_rows(data):
    nodes = Nodes()
    try:
        clock = int(time.time() * 1000)
        for name in NAMES:
            nodes.add(name)
        for _ in range(data.draw(st.integers(5, 50), label="steps")):
            clock += data.draw(st.integers(0, 30))
            name = data.draw(st.sampled_from(NAMES))
            if data.draw(st.integers(0, 3)) == 0:  # now and then, part of a log reaches another kiosk
                to = data.draw(st.sampled_from([n for n in NAMES if n != name]))
                events = nodes.events(name)
                nodes.send(events[:data.draw(st.integers(0, len(events)))], to)
                continue
            node = nodes.nodes[name]
            node.wall_ms = clock + data.draw(st.integers(-20, 20))  # clocks a little apart
            with nodes.use(name):
                step(data, nodes, name)
        union = {e["event_id"]: e for name in NAMES for e in nodes.events(name)}
        events = list(union.values())
        reference = merge.reference_state(events)
        kept_out = merge.reference_conflicts(events)
        for fresh in ("x", "y"):
            nodes.add(fresh)
            deliver(data, nodes, events, fresh)
        for name in NAMES:  # the kiosks themselves, after hearing from everyone
            nodes.send(events, name)
        for name in NAMES + ("x", "y"):
            assert nodes.state(name) == reference, name
            assert kept_out <= conflict_keys(nodes, name), name
            with nodes.use(name):
                assert not PendingRow.select().exists()
    finally:
        nodes.close()
