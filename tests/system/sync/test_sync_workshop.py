"""Clock facts made on two kiosks, offline from each other, synced through the hub:
every node computes the same figures from them (and two kiosks closing the same
clock at shift end count it once)."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from tests.support.nodes import order_body

DAY = dt.date(2026, 11, 20)


def at(hour, minute=0, day=DAY):
    """The store's wall time on ``day``, as stored (UTC, see kiosk.core.times)."""
    from kiosk.core import times

    return times.at_local(day, dt.time(hour, minute))


LATE = at(9, day=DAY + dt.timedelta(days=1))


@contextmanager
def on(node):
    """Work in ``node``'s database from this process (as its kiosk would)."""
    from kiosk.db import bind, connected
    from sync.changelog import forget_clocks

    bind(node.db)
    forget_clocks()
    with connected():
        yield


def clock_on(node, badge, number, action, when, **extra):
    from kiosk.models import JobLine, Staff
    from kiosk.services import workorders
    from tests.support.workshop import clock

    with on(node):
        tech = Staff.get(Staff.badge == badge)
        job = JobLine.get(JobLine.work_order == workorders.get_by_number(number))
        clock(tech, job, action, when, terminal=node.name, **extra)


def figures_of(node, number):
    from kiosk.models import Staff
    from kiosk.services import dispatch, figures, workorders

    with on(node):
        order = workorders.get_by_number(number)
        days = {s.badge: figures.technician_day(s, DAY, now=LATE) for s in Staff.select().order_by(Staff.badge)}
        return {"jobs": sorted(figures.clocked_minutes_by_job(order, LATE).values()), "days": days,
                "review": len(dispatch.flagged_clocks(LATE, days=30))}


def close_clocks(node):
    from kiosk.services import dispatch

    with on(node):
        return dispatch.close_open_clocks(LATE)


def test_clocks_from_two_kiosks_give_the_same_figures_everywhere(store):
    hub, a, b = store
    for badge in ("TEC-801", "TEC-802"):
        a.api("POST", "/staff", {"name": badge, "badge": badge, "roles": ["technician"], "pin": "2468"}, expect=201)
    number = a.api("POST", "/work-orders", order_body(80), expect=201)["number"]  # 0.5 h sold
    for node in (a, b):
        node.sync()

    # Offline from each other: a team job clocked at two bays, a pause, a finish.
    clock_on(a, "TEC-801", number, "on", at(9))
    clock_on(a, "TEC-801", number, "off", at(9, 30), reason="pause", loss="parts")
    clock_on(a, "TEC-801", number, "on", at(10))
    clock_on(a, "TEC-801", number, "off", at(10, 45), reason="finish")
    clock_on(b, "TEC-802", number, "on", at(9, 15))
    clock_on(b, "TEC-802", number, "off", at(9, 30), reason="stop")
    clock_on(b, "TEC-802", number, "on", at(16))  # left running: both kiosks close it
    assert close_clocks(b) == 1
    for node in (a, b, a):
        node.sync()
    assert close_clocks(a) == 0  # already closed by B, known after sync

    seen = {node.name: figures_of(node, number) for node in (hub, a, b)}
    assert seen["a"] == seen["b"] == seen["hub"]
    mine, mate = seen["hub"]["days"]["TEC-801"], seen["hub"]["days"]["TEC-802"]
    assert seen["hub"]["jobs"] == [75 + 15 + 120]
    assert (mine["clocked_minutes"], mine["loss_minutes"]["parts"]) == (75, 30)
    assert (mate["clocked_minutes"], mate["flagged"]) == (135, 1)
    # 0.5 sold hours shared by clocked time up to the finish: 75 and 15 minutes.
    assert (str(mine["sold_hours"]), str(mate["sold_hours"])) == ("0.42", "0.08")
    assert seen["hub"]["review"] == 1


def test_the_same_shift_end_close_made_on_two_kiosks_counts_once(store):
    hub, a, b = store
    a.api("POST", "/staff", {"name": "T", "badge": "TEC-803", "roles": ["technician"], "pin": "2468"}, expect=201)
    number = a.api("POST", "/work-orders", order_body(81), expect=201)["number"]
    a.sync()
    clock_on(a, "TEC-803", number, "on", at(17))
    a.sync()
    b.sync()
    assert close_clocks(a) == 1 and close_clocks(b) == 1  # neither has heard of the other's yet
    for node in (a, b, a):
        node.sync()
    seen = [figures_of(node, number) for node in (hub, a, b)]
    assert seen[0] == seen[1] == seen[2]
    assert seen[0]["jobs"] == [60] and seen[0]["review"] == 1
