"""Figures of the delivered orders: delivered (台次), first-time fix (一次修复率) and
on-time delivery, from the ``Delivery`` facts, the QC checks and the comebacks.

An order counts in the period of its FIRST delivery (the store's day of
``Delivery.at``), so a car handed back twice after merging two kiosks counts once.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Delivery, QcCheck, Staff, Vehicle, WorkOrder
from kiosk.services.figures import settings
from kiosk.services.figures.base import Result, count, in_scope, memoized, ratio, ratios_by
from kiosk.services.figures.period import Period


@dataclass(frozen=True)
class Delivered:
    """A delivered order as the figures see it. ``order`` is a light row (no model object: a
    month of a busy store is thousands): id, number, advisor_id, vehicle_id, repair_type,
    promised_at, and the car's plate."""

    order: object
    at: dt.datetime  # its first delivery (UTC)
    on_time: bool | None


def touched(period: Period):
    """The work orders (a subquery of ids) with a delivery in ``period``, within the store counted."""
    lo, hi = period.bounds()
    query = Delivery.select(Delivery.work_order).where((Delivery.at >= lo) & (Delivery.at < hi))
    store = in_scope(WorkOrder.number)
    return query if store is None else query.join(WorkOrder).where(store)


ORDER_COLUMNS = (WorkOrder.id, WorkOrder.number, WorkOrder.advisor.alias("advisor_id"),
                 WorkOrder.vehicle.alias("vehicle_id"), WorkOrder.repair_type, WorkOrder.promised_at, Vehicle.plate)


@memoized
def delivered_orders(period: Period) -> list[Delivered]:
    """The orders first delivered in ``period``, oldest first (two queries)."""
    lo, hi = period.bounds()
    first: dict = {}
    for row in (Delivery.select(Delivery.work_order, Delivery.at, Delivery.on_time, Delivery.id)
                .where(Delivery.work_order.in_(touched(period))).order_by(Delivery.at, Delivery.id).tuples()):
        first.setdefault(row[0], row)
    wanted = [row for row in first.values() if lo <= row[1] < hi]
    if not wanted:
        return []
    orders = {o.id: o for o in WorkOrder.select(*ORDER_COLUMNS).join(Vehicle)
              .where(WorkOrder.id.in_(touched(period))).namedtuples()}
    return [Delivered(orders[row[0]], row[1], row[2]) for row in wanted if row[0] in orders]


def delivered(period: Period) -> Result:
    """Delivered (台次): orders whose car was first handed back in the period; per advisor."""
    found = delivered_orders(period)
    mine: dict = defaultdict(int)
    for item in found:
        mine[item.order.advisor_id] += 1
    return count(len(found), {str(k): count(v) for k, v in mine.items() if k is not None})


def misses(found: list[Delivered], period: Period) -> dict:
    """Why each delivered order was not fixed first time: ``{order id: [("qc_fail", None) |
    ("comeback", comeback order)]}``. A QC fail is any failed check of the order; a comeback is a
    later order of the same vehicle marked as repeating it (``comeback_of``) and opened within the
    quality-guarantee period of the earlier order's repair type, counted from its delivery."""
    if not found:
        return {}
    ids = {item.order.id for item in found}
    reasons: dict = defaultdict(list)
    for (order_id,) in (QcCheck.select(QcCheck.work_order).where(
            (QcCheck.passed == False) & QcCheck.work_order.in_(touched(period))).distinct().tuples()):  # noqa: E712
        if order_id in ids:
            reasons[order_id].append(("qc_fail", None))
    by_number = {item.order.number: item for item in found}
    numbers = WorkOrder.select(WorkOrder.number).where(WorkOrder.id.in_(touched(period)))
    later = (WorkOrder.select(WorkOrder.number, WorkOrder.comeback_of, WorkOrder.vehicle.alias("vehicle_id"),
                              WorkOrder.opened_at)
             .where(WorkOrder.comeback_of.in_(numbers) & (WorkOrder.deleted == False))  # noqa: E712
             .order_by(WorkOrder.opened_at).namedtuples())
    windows: dict = {}  # repair type → its guarantee period (one setting read each)
    for comeback in later:
        if comeback.comeback_of not in by_number:
            continue
        earlier = by_number[comeback.comeback_of]
        kind = earlier.order.repair_type
        if kind not in windows:
            windows[kind] = dt.timedelta(days=settings.guarantee_days(kind))
        window = windows[kind]
        if comeback.vehicle_id == earlier.order.vehicle_id and comeback.opened_at <= earlier.at + window:
            reasons[earlier.order.id].append(("comeback", comeback))
    return reasons


def first_time_fix(period: Period) -> Result:
    """First-time fix (一次修复率): orders delivered in the period with no failed QC check and
    no comeback opened against them within the quality-guarantee period of their repair type,
    over the orders delivered in the period; per advisor."""
    found = delivered_orders(period)
    failed = misses(found, period)
    mine: dict = defaultdict(lambda: [0, 0])
    for item in found:
        mine[item.order.advisor_id][1] += 1
        mine[item.order.advisor_id][0] += item.order.id not in failed
    good = len(found) - len(failed)
    return ratio(good, len(found), ratios_by(mine))


def on_time(period: Period) -> Result:
    """On-time delivery: orders delivered in the period no later than their promised time,
    over the orders delivered in the period that had a promise; per advisor."""
    promised = [item for item in delivered_orders(period) if item.on_time is not None]
    mine: dict = defaultdict(lambda: [0, 0])
    for item in promised:
        mine[item.order.advisor_id][1] += 1
        mine[item.order.advisor_id][0] += bool(item.on_time)
    return ratio(sum(1 for item in promised if item.on_time), len(promised), ratios_by(mine))


def _row(item: Delivered, names: dict, note: str = "", counted: bool = True) -> dict:
    order = item.order
    return {"number": order.number, "plate": order.plate, "advisor": names.get(order.advisor_id, ""),
            "at": item.at, "promised_at": order.promised_at, "note": note, "counted": counted}


def staff_names() -> dict:
    """Every person's name by id (drill-down rows name the advisor)."""
    return dict(Staff.select(Staff.id, Staff.name).tuples())


def drill_delivered(period: Period) -> list[dict]:
    """The orders counted as delivered."""
    names = staff_names()
    return [_row(item, names) for item in delivered_orders(period)]


def drill_first_time_fix(period: Period) -> list[dict]:
    """The delivered orders, those not fixed first time first, each with its reason."""
    names, found = staff_names(), delivered_orders(period)
    failed = misses(found, period)
    rows = []
    for item in found:
        reasons = failed.get(item.order.id, [])
        note = "; ".join(str(_l("Failed QC")) if kind == "qc_fail" else str(_l("Comeback %(number)s", number=other.number))
                         for kind, other in reasons)
        rows.append(_row(item, names, note, counted=not reasons))
    return sorted(rows, key=lambda r: r["counted"])


def drill_on_time(period: Period) -> list[dict]:
    """The delivered orders with a promise, the late ones first."""
    names = staff_names()
    rows = [_row(item, names, counted=bool(item.on_time))
            for item in delivered_orders(period) if item.on_time is not None]
    return sorted(rows, key=lambda r: r["counted"])
