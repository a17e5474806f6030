"""The parts counter's fill rates (配件满足率), from the bays' parts requests and the
stock moves that issued them.

* line fill: part lines requested in the period (not cancelled) that were issued
  from stock on the store's day they were requested, over the lines requested;
  per parts clerk: of the lines that clerk issued, the share issued the same day;
* order fill: orders with a part requested in the period whose every line was
  issued the same day (the car waited for no part), over those orders.

A trend's periods are read in one pass (the requests bucketed by period in SQL, their first
issues in one query); the same-day test is the store's local date, in Python.
"""
from __future__ import annotations

from collections import defaultdict

from kiosk.core import times
from kiosk.models import PartsRequest, StockMove, Vehicle, WorkOrder
from kiosk.services.figures.base import Result, in_scope, memoized, ratio, ratios_by
from kiosk.services.figures.period import Period, bucket, span


@memoized
def requested_over(periods: tuple) -> list[list[dict]]:
    """Per period of ``periods`` (one query for all): the lines requested in it with when (and by
    whom) each was first issued."""
    lo, hi = span(periods)
    query = PartsRequest.select(bucket(periods, PartsRequest.requested_at).alias("bucket"), PartsRequest.id,
                                PartsRequest.work_order.alias("work_order_id"), PartsRequest.part_no,
                                PartsRequest.description, PartsRequest.requested_at).where(
        (PartsRequest.requested_at >= lo) & (PartsRequest.requested_at < hi)
        & (PartsRequest.deleted == False) & (PartsRequest.status != "cancelled"))  # noqa: E712
    store = in_scope()
    if store is not None:
        query = query.join(WorkOrder, on=(PartsRequest.work_order == WorkOrder.id)).where(store)
    requests = [r for r in query.namedtuples() if r.bucket is not None]
    found: list[list[dict]] = [[] for _ in periods]
    if not requests:
        return found
    issued: dict = {}
    for request_id, at, staff_id in (StockMove.select(StockMove.request, StockMove.at, StockMove.staff)
                                     .where((StockMove.kind == "issue")
                                            & StockMove.request.in_(query.select(PartsRequest.id)))
                                     .order_by(StockMove.at).tuples()):
        issued.setdefault(request_id, (at, staff_id))
    for request in requests:
        at, clerk = issued.get(request.id, (None, None))
        same_day = at is not None and times.local_date(at) == times.local_date(request.requested_at)
        found[request.bucket].append({"request": request, "issued_at": at, "clerk": clerk, "filled": same_day})
    return found


def requested_lines(period: Period) -> list[dict]:
    """The lines requested in the period with when (and by whom) each was first issued."""
    return requested_over((period,))[0]


def line_fill_series(periods) -> list[Result]:
    """Line fill in each of ``periods``: part lines issued from stock on the day they were requested,
    over the part lines requested in it; per parts clerk (of the lines they issued)."""
    found = []
    for rows in requested_over(tuple(periods)):
        mine: dict = defaultdict(lambda: [0, 0])
        for row in rows:
            if row["clerk"] is not None:
                mine[row["clerk"]][1] += 1
                mine[row["clerk"]][0] += row["filled"]
        found.append(ratio(sum(1 for r in rows if r["filled"]), len(rows), ratios_by(mine)))
    return found


def order_fill_series(periods) -> list[Result]:
    """Order fill in each of ``periods``: orders with parts requested in it that waited for no part
    (every line issued the day it was requested), over the orders with parts requested."""
    found = []
    for rows in requested_over(tuple(periods)):
        waited: dict = {}
        for row in rows:
            order = row["request"].work_order_id
            waited[order] = waited.get(order, False) or not row["filled"]
        found.append(ratio(sum(1 for w in waited.values() if not w), len(waited)))
    return found


def line_fill(period: Period) -> Result:
    """Line fill in ``period`` (``line_fill_series``)."""
    return line_fill_series([period])[0]


def order_fill(period: Period) -> Result:
    """Order fill in ``period`` (``order_fill_series``)."""
    return order_fill_series([period])[0]


def drill_lines(period: Period, names: dict) -> list[dict]:
    """The requested lines, those not issued the same day first."""
    rows = requested_lines(period)
    orders = {o.id: o for o in WorkOrder.select(WorkOrder, Vehicle).join(Vehicle).where(
        WorkOrder.id.in_([r["request"].work_order_id for r in rows] or [None]))}
    found = []
    for row in rows:
        request, order = row["request"], orders.get(row["request"].work_order_id)
        found.append({"number": order.number if order else "", "plate": order.vehicle.plate if order else "",
                      "part_no": request.part_no, "description": request.description,
                      "at": request.requested_at, "issued_at": row["issued_at"],
                      "clerk": names.get(row["clerk"], ""), "counted": row["filled"]})
    return sorted(found, key=lambda r: r["counted"])
