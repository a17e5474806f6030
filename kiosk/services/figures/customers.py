"""The customers' figures: first-service rate (首保率) and customer retention.

* first-service rate: vehicles sold by this store whose first-service window
  (the sale date plus the store's first-service days) ends in the period, that
  came in for any work order within that window, over those vehicles;
* retention: customers with a car delivered in the period who had another order
  delivered within the six months (183 days) after their first delivery of the
  period, over the customers delivered in the period. A recent period reads low
  until its six months have passed.
"""
from __future__ import annotations

import datetime as dt

from peewee import SQL, Case, fn

from kiosk.models import Customer, Delivery, Vehicle, WorkOrder
from sync.node import current_node
from sync.tables import ChangeEvent, Peer
from kiosk.services.figures import settings
from kiosk.services.figures.base import Result, in_scope, memoized, ratio, scope, store_orders
from kiosk.services.figures.period import Period, bucket, plus_days, span


@memoized
def first_service_over(periods: tuple) -> list[list[dict]]:
    """Per period of ``periods`` (which do not overlap; one pass for all): the vehicles sold here
    whose first service fell due in it, and whether each came."""
    days = settings.first_service_days()
    found: list[list[dict]] = [[] for _ in periods]
    first = min(p.first for p in periods) - dt.timedelta(days=days)
    last = max(p.last for p in periods) - dt.timedelta(days=days)
    # Light rows (no model objects: a year of a busy group is tens of thousands of cars).
    vehicles = list(Vehicle.select(Vehicle.id, Vehicle.plate, Vehicle.vin, Vehicle.sold_on).where(
        (Vehicle.sold_here == True) & (Vehicle.deleted == False)  # noqa: E712
        & (Vehicle.sold_on >= first) & (Vehicle.sold_on <= last)).namedtuples())
    if scope() is not None:
        vehicles = _of_store(vehicles)
    if not vehicles:
        return found
    came: dict = {}
    orders = WorkOrder.select(WorkOrder.id, WorkOrder.number, WorkOrder.vehicle.alias("vehicle_id"),
                              WorkOrder.opened_at).where(WorkOrder.vehicle.in_([v.id for v in vehicles])
                                                         & (WorkOrder.deleted == False))  # noqa: E712
    for order in orders.order_by(WorkOrder.opened_at).namedtuples():
        came.setdefault(order.vehicle_id, []).append(order)
    for vehicle in vehicles:
        due = vehicle.sold_on + dt.timedelta(days=days)
        index = next((i for i, p in enumerate(periods) if p.first <= due <= p.last), None)
        if index is not None:
            orders = [o for o in came.get(vehicle.id, []) if vehicle.sold_on <= o.opened_at.date() <= due]
            found[index].append({"vehicle": vehicle, "due": due, "order": orders[0] if orders else None})
    return found


def first_service_due(period: Period) -> list[dict]:
    """The vehicles sold here whose first service fell due in the period, and whether each came."""
    return first_service_over((period,))[0]


def _of_store(vehicles: list) -> list:
    """The vehicles first written on a kiosk of the store being counted (a group hub knows each
    paired kiosk's number prefix, and each row's first change event names the node that made it)."""
    prefixes = set(scope() or ())
    nodes = {node_id: prefix.upper() for node_id, prefix in Peer.select(Peer.node_id, Peer.prefix).tuples()}
    here = current_node()
    nodes[here.node_id] = (here.prefix or "").upper()
    made = dict(ChangeEvent.select(ChangeEvent.row_id, ChangeEvent.origin_node).where(
        (ChangeEvent.entity == Vehicle._meta.table_name) & (ChangeEvent.op == "insert")
        & ChangeEvent.row_id.in_([v.id.hex for v in vehicles])).tuples())
    return [v for v in vehicles if nodes.get(made.get(v.id.hex, ""), "") in prefixes]


def first_service_series(periods) -> list[Result]:
    """First-service rate (首保率) in each of ``periods``: vehicles sold here whose first service
    fell due in it and that came in within their first-service window, over the vehicles due."""
    return [ratio(sum(1 for r in rows if r["order"] is not None), len(rows))
            for rows in first_service_over(tuple(periods))]


def first_service_rate(period: Period) -> Result:
    """First-service rate in ``period`` (``first_service_series``)."""
    return first_service_series([period])[0]


@memoized
def retention_rows(period: Period) -> list[dict]:
    """Each customer delivered in the period: their first delivery in it and the next one within 183 days."""
    lo, hi = period.bounds()
    seen: dict = {}
    store = in_scope()
    here = (Delivery.at >= lo) & (Delivery.at < hi)
    for customer_id, at, number in (Delivery.select(WorkOrder.customer, Delivery.at, WorkOrder.number)
                                    .join(WorkOrder).where(here if store is None else here & store)
                                    .order_by(Delivery.at).tuples()):
        seen.setdefault(customer_id, (at, number))
    if not seen:
        return []
    window = dt.timedelta(days=settings.RETENTION_DAYS)
    later: dict = {}
    for customer_id, at, number in (Delivery.select(WorkOrder.customer, Delivery.at, WorkOrder.number)
                                    .join(WorkOrder).where(WorkOrder.customer.in_(list(seen))
                                                           & (Delivery.at >= lo) & (Delivery.at < hi + window)
                                                           & (store if store is not None else True))
                                    .order_by(Delivery.at).tuples()):
        start, first_number = seen[customer_id]
        if number != first_number and start < at <= start + window:
            later.setdefault(customer_id, (at, number))
    names = dict(Customer.select(Customer.id, Customer.name).where(Customer.id.in_(list(seen))).tuples())
    return [{"customer": names.get(c, ""), "number": number, "at": at,
             "back": later.get(c, (None, ""))[1], "counted": c in later} for c, (at, number) in seen.items()]


_Later, _LaterOrder = Delivery.alias(), WorkOrder.alias()
_FirstDelivery, _FirstOrder = Delivery.alias(), WorkOrder.alias()


@memoized
def retained(periods: tuple) -> list[tuple[int, int]]:
    """Per period of ``periods``: (customers delivered in it, those of them who came back) — one
    aggregate: each customer's first delivery of the period, and whether another order of theirs
    (not that one) was delivered after it, within ``settings.RETENTION_DAYS``."""
    lo, hi = span(periods)
    store, mine = in_scope(), store_orders()
    here = (Delivery.at >= lo) & (Delivery.at < hi)
    firsts = (Delivery.select(WorkOrder.customer.alias("customer"), bucket(periods, Delivery.at).alias("bucket"),
                              fn.MIN(Delivery.at).alias("start"))
              .join(WorkOrder).where(here if store is None else here & store)
              .group_by(WorkOrder.customer, SQL("2")).alias("firsts"))
    first_number = (_FirstOrder.select(_FirstOrder.number)
                    .join(_FirstDelivery, on=(_FirstDelivery.work_order == _FirstOrder.id))
                    .where((_FirstOrder.customer == firsts.c.customer) & (_FirstDelivery.at == firsts.c.start))
                    .limit(1))
    later = (_Later.select(SQL("1")).join(_LaterOrder, on=(_Later.work_order == _LaterOrder.id))
             .where((_LaterOrder.customer == firsts.c.customer) & (_Later.at > firsts.c.start)
                    & (_Later.at <= plus_days(firsts.c.start, settings.RETENTION_DAYS))
                    & (_LaterOrder.number != first_number)))
    if mine is not None:
        later = later.where(_LaterOrder.id.in_(mine))
    found = [(0, 0) for _ in periods]
    query = (firsts.select_from(firsts.c.bucket, fn.COUNT(SQL("*")), fn.SUM(Case(None, [(fn.EXISTS(later), 1)], 0)))
             .group_by(firsts.c.bucket))
    for index, customers, back in query.tuples():
        if index is not None:
            found[index] = (customers, back or 0)
    return found


def retention_series(periods) -> list[Result]:
    """Customer retention in each of ``periods``: customers with a car delivered in it who came
    back (another order delivered) within the next six months, over the customers delivered in it."""
    return [ratio(back, customers) for customers, back in retained(tuple(periods))]


def retention(period: Period) -> Result:
    """Customer retention in ``period`` (``retention_series``)."""
    return retention_series([period])[0]


def drill_first_service(period: Period) -> list[dict]:
    """The vehicles due, those that did not come first."""
    rows = [{"plate": r["vehicle"].plate, "vin": r["vehicle"].vin, "sold_on": r["vehicle"].sold_on, "due": r["due"],
             "number": r["order"].number if r["order"] else "", "counted": r["order"] is not None}
            for r in first_service_due(period)]
    return sorted(rows, key=lambda r: r["counted"])


def drill_retention(period: Period) -> list[dict]:
    """The customers delivered in the period, those who did not come back first."""
    return sorted(retention_rows(period), key=lambda r: r["counted"])
