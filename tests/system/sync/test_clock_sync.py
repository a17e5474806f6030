"""Clocking on two real kiosks that sync through a hub: a clock started at one
bay and stopped at another gives the same clocked minutes on every node, and the
foreman's rules set on two kiosks end as one setting each."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from tests.support.nodes import order_body

T0 = dt.datetime(2026, 11, 20, 9, 0)


@contextmanager
def on(node):
    """Work in ``node``'s database from this process, as its kiosk would."""
    from kiosk.db import bind, connected
    from sync.changelog import forget_clocks

    bind(node.db)
    forget_clocks()
    with connected():
        yield


def test_a_clock_started_at_one_bay_and_stopped_at_another(store):  # noqa: F811
    from kiosk.models import JobLine, Staff, StoreSetting
    from kiosk.services import clock, clock_rules, workorders

    hub, a, b = store
    a.api("POST", "/staff", {"name": "张伟", "badge": "TEC-901", "roles": ["technician"], "pin": "2468"}, expect=201)
    number = a.api("POST", "/work-orders", order_body(90), expect=201)["number"]
    a.api("POST", f"/work-orders/{number}/status", {"status": "diagnosis"}, expect=200)
    for node in (a, b):
        node.sync()

    with on(a):
        tech = Staff.get(Staff.badge == "TEC-901")
        job = JobLine.get(JobLine.work_order == workorders.get_by_number(number))
        clock.clock_on(tech, job, terminal="bay-a", now=T0)
        clock_rules.set_rule("take_others", True)
    with on(b):  # offline from A: B's foreman changes the other rule
        clock_rules.set_rule("take_unassigned", False)
    for node in (a, b):
        node.sync()

    with on(b):  # the technician walked to bay B: the clock runs there too, and stops there
        tech = Staff.get(Staff.badge == "TEC-901")
        assert clock.running(tech).start == T0
        clock.clock_off(tech, reason="pause", loss_reason="parts", terminal="bay-b", now=T0 + dt.timedelta(minutes=40))
    for node in (b, a):
        node.sync()

    reports = [node.api("GET", f"/work-orders/{number}") for node in (hub, a, b)]
    assert [[j["clocked_minutes"] for j in r["jobs"]] for r in reports] == [[40]] * 3
    assert {r["jobs"][0]["status"] for r in reports} == {"paused"}
    for node in (hub, a, b):
        with on(node):
            assert clock_rules.all_rules() == {"take_unassigned": False, "take_others": True}
            assert StoreSetting.select().count() == 2
            assert clock.running(Staff.get(Staff.badge == "TEC-901")) is None
