"""Figures of the delivered orders: delivered (台次), first-time fix (一次修复率) and
on-time delivery, from the ``Delivery`` facts, the QC checks and the comebacks.

An order counts in the period of its FIRST delivery (the store's day of
``Delivery.at``), so a car handed back twice after merging two kiosks counts once.

The counts are one SQL aggregate for any number of periods (``counted``: the first deliveries
grouped by the period that holds them and by advisor), so a 12-month trend is one query, not
twelve. The comeback rule is SQL too (``_comeback``), read by the count and by the
drill-down's reasons alike; the rows behind the numbers (``delivered_orders``, the same first
deliveries) are read for the drill-down only.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from peewee import SQL, Case, fn

from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Delivery, QcCheck, Staff, Vehicle, WorkOrder
from kiosk.services import cashier_settings, followups
from kiosk.services.figures import settings
from kiosk.services.figures.base import Result, count, in_scope, memoized, ratio, ratios_by
from kiosk.services.figures.period import Period, bucket, plus_days, span


@dataclass(frozen=True)
class Delivered:
    """A delivered order as the figures see it. ``order`` is a light row (no model object: a
    month of a busy store is thousands): id, number, advisor_id, vehicle_id, repair_type,
    promised_at, and the car's plate."""

    order: object
    at: dt.datetime  # its first delivery (UTC)
    on_time: bool | None


ORDER_COLUMNS = (WorkOrder.id, WorkOrder.number, WorkOrder.advisor.alias("advisor_id"),
                 WorkOrder.vehicle.alias("vehicle_id"), WorkOrder.repair_type, WorkOrder.promised_at, Vehicle.plate)


_Earlier = Delivery.alias()
_Comeback = WorkOrder.alias()
COUNTS = ("delivered", "good", "on_time", "promised", "reached")  # what ``counted`` adds up per advisor


def _first_deliveries(periods: tuple, *columns):
    """The orders' first deliveries (no earlier delivery of the same order; ties by id) in
    ``periods``, with the period's index as ``bucket`` and the work order joined."""
    lo, hi = span(periods)
    query = (Delivery.select(bucket(periods, Delivery.at).alias("bucket"), *columns).join(WorkOrder)
             .where((Delivery.at >= lo) & (Delivery.at < hi) & ~fn.EXISTS(
                 _Earlier.select(SQL("1")).where((_Earlier.work_order == Delivery.work_order) & (
                     (_Earlier.at < Delivery.at) | ((_Earlier.at == Delivery.at) & (_Earlier.id < Delivery.id)))))))
    store = in_scope()
    return query if store is None else query.where(store)


@memoized
def delivered_orders(period: Period) -> list[Delivered]:
    """The orders first delivered in ``period``, oldest first: the rows behind the counts (the same
    first deliveries ``counted`` adds up)."""
    query = (_first_deliveries((period,), *ORDER_COLUMNS, Delivery.at.alias("delivered_at"), Delivery.on_time)
             .join_from(WorkOrder, Vehicle).order_by(Delivery.at, Delivery.id))
    return [Delivered(row, row.delivered_at, row.on_time) for row in query.namedtuples()]


def _flag(condition):
    return Case(None, [(condition, 1)], 0)


def _qc_failed():
    return fn.EXISTS(QcCheck.select(SQL("1")).where(
        (QcCheck.work_order == Delivery.work_order) & (QcCheck.passed == False)))  # noqa: E712


@memoized
def counted(periods: tuple) -> list[dict]:
    """Per period of ``periods``: ``{advisor id: {"delivered", "good" (first-time fix), "on_time",
    "promised", "reached" (a reached follow-up call)}}`` — one aggregate query and the comebacks."""
    found: list[dict] = [defaultdict(lambda: dict.fromkeys(COUNTS, 0)) for _ in periods]
    query = _first_deliveries(
        periods, WorkOrder.advisor, fn.COUNT(SQL("*")),
        fn.SUM(_flag(_qc_failed() | fn.EXISTS(_Comeback.select(SQL("1")).where(_comeback())))),
        fn.SUM(_flag(Delivery.on_time == True)), fn.SUM(_flag(Delivery.on_time.is_null(False))),  # noqa: E712
        fn.SUM(_flag(Delivery.work_order.in_(followups.reached_query())))).group_by(SQL("1"), WorkOrder.advisor)
    for index, advisor, delivered, missed, on_time, promised, reached in query.tuples():
        if index is not None:
            found[index][advisor].update(delivered=delivered, good=delivered - (missed or 0), on_time=on_time or 0,
                                         promised=promised or 0, reached=reached or 0)
    return found


def _comeback():
    """The comeback rule, as a condition on ``_Comeback`` against the first-delivered order (and
    its ``Delivery``): a later order of the same car, marked as repeating it, opened within the
    quality-guarantee period of its repair type counted from its delivery (the cashier's setting)."""
    end = Case(WorkOrder.repair_type, [(kind, plus_days(Delivery.at, settings.guarantee_days(kind)))
                                       for kind in cashier_settings.GUARANTEE_MINIMUM],
               plus_days(Delivery.at, settings.guarantee_days(None)))
    return ((_Comeback.comeback_of == WorkOrder.number) & (_Comeback.deleted == False)  # noqa: E712
            & (_Comeback.vehicle == WorkOrder.vehicle) & (_Comeback.opened_at <= end))


def _series(periods, figure) -> list[Result]:
    return [figure(people) for people in counted(tuple(periods))]


def delivered_series(periods) -> list[Result]:
    """Delivered (台次) in each of ``periods``: orders whose car was first handed back in it; per advisor."""
    return _series(periods, lambda people: count(
        sum(c["delivered"] for c in people.values()),
        {str(k): count(c["delivered"]) for k, c in people.items() if k is not None}))


def first_time_fix_series(periods) -> list[Result]:
    """First-time fix (一次修复率) in each of ``periods``: orders delivered in it with no failed QC check
    and no comeback opened against them within the quality-guarantee period of their repair type,
    over the orders delivered in it; per advisor."""
    return _series(periods, lambda people: ratio(
        sum(c["good"] for c in people.values()), sum(c["delivered"] for c in people.values()),
        ratios_by({k: (c["good"], c["delivered"]) for k, c in people.items()})))


def on_time_series(periods) -> list[Result]:
    """On-time delivery in each of ``periods``: orders delivered in it no later than their promised
    time, over the orders delivered in it that had a promise; per advisor."""
    return _series(periods, lambda people: ratio(
        sum(c["on_time"] for c in people.values()), sum(c["promised"] for c in people.values()),
        ratios_by({k: (c["on_time"], c["promised"]) for k, c in people.items() if c["promised"]})))


def delivered(period: Period) -> Result:
    """Delivered (台次) in ``period`` (``delivered_series``)."""
    return delivered_series([period])[0]


def first_time_fix(period: Period) -> Result:
    """First-time fix (一次修复率) in ``period`` (``first_time_fix_series``)."""
    return first_time_fix_series([period])[0]


def on_time(period: Period) -> Result:
    """On-time delivery in ``period`` (``on_time_series``)."""
    return on_time_series([period])[0]


def misses(period: Period) -> dict:
    """Why each order first delivered in ``period`` was not fixed first time: ``{order id:
    [("qc_fail", None) | ("comeback", comeback order)]}`` — the count's own rules (``_qc_failed``,
    ``_comeback``), listed for the drill-down."""
    reasons: dict = defaultdict(list)
    for row in _first_deliveries((period,), WorkOrder.id.alias("order_id")).where(_qc_failed()).namedtuples():
        reasons[row.order_id].append(("qc_fail", None))
    for row in (_first_deliveries((period,), WorkOrder.id.alias("order_id"), _Comeback.number)
                .join(_Comeback, on=_comeback()).order_by(_Comeback.opened_at).namedtuples()):
        reasons[row.order_id].append(("comeback", row))
    return reasons


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
    failed = misses(period)
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
