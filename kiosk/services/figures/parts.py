"""The parts counter's fill rates (配件满足率), from the bays' parts requests and the
stock moves that issued them.

* line fill: part lines requested in the period (not cancelled) that were issued
  from stock on the store's day they were requested, over the lines requested;
  per parts clerk: of the lines that clerk issued, the share issued the same day;
* order fill: orders with a part requested in the period whose every line was
  issued the same day (the car waited for no part), over those orders.
"""
from __future__ import annotations

from collections import defaultdict

from kiosk.core import times
from kiosk.models import PartsRequest, StockMove, Vehicle, WorkOrder
from kiosk.services.figures.base import Result, in_scope, memoized, ratio, ratios_by
from kiosk.services.figures.period import Period


@memoized
def requested_lines(period: Period) -> list[dict]:
    """The lines requested in the period with when (and by whom) each was first issued."""
    lo, hi = period.bounds()
    query = PartsRequest.select(PartsRequest.id, PartsRequest.work_order.alias("work_order_id"), PartsRequest.part_no,
                                PartsRequest.description, PartsRequest.requested_at).where(
        (PartsRequest.requested_at >= lo) & (PartsRequest.requested_at < hi)
        & (PartsRequest.deleted == False) & (PartsRequest.status != "cancelled"))  # noqa: E712
    store = in_scope()
    if store is not None:
        query = query.join(WorkOrder, on=(PartsRequest.work_order == WorkOrder.id)).where(store)
    requests = list(query.namedtuples())
    if not requests:
        return []
    issued: dict = {}
    for request_id, at, staff_id in (StockMove.select(StockMove.request, StockMove.at, StockMove.staff)
                                     .where((StockMove.kind == "issue")
                                            & StockMove.request.in_(query.select(PartsRequest.id)))
                                     .order_by(StockMove.at).tuples()):
        issued.setdefault(request_id, (at, staff_id))
    rows = []
    for request in requests:
        at, clerk = issued.get(request.id, (None, None))
        same_day = at is not None and times.local_date(at) == times.local_date(request.requested_at)
        rows.append({"request": request, "issued_at": at, "clerk": clerk, "filled": same_day})
    return rows


def line_fill(period: Period) -> Result:
    """Line fill: part lines issued from stock on the day they were requested, over the part
    lines requested in the period; per parts clerk (of the lines they issued)."""
    rows = requested_lines(period)
    mine: dict = defaultdict(lambda: [0, 0])
    for row in rows:
        if row["clerk"] is not None:
            mine[row["clerk"]][1] += 1
            mine[row["clerk"]][0] += row["filled"]
    return ratio(sum(1 for r in rows if r["filled"]), len(rows), ratios_by(mine))


def order_fill(period: Period) -> Result:
    """Order fill: orders with parts requested in the period that waited for no part (every
    line issued the day it was requested), over the orders with parts requested."""
    waited: dict = {}
    for row in requested_lines(period):
        order = row["request"].work_order_id
        waited[order] = waited.get(order, False) or not row["filled"]
    return ratio(sum(1 for w in waited.values() if not w), len(waited))


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
