"""The live workshop board's rows: every open work order in the workshop with
its car, advisor, technicians, bays, status, promise and flags.

The wall screen refreshes on every clock, job and order change in the store,
so the rows come from two queries whatever the number of orders: the orders
(flags as correlated EXISTS columns) and all their job lines with technicians.
"""
from __future__ import annotations

import datetime as dt

from kiosk.i18n import lazy_gettext as _l
from peewee import JOIN, fn

from kiosk.core import times
from kiosk.models import JobLine, PartsRequest, Staff, Vehicle, WorkOrder
from kiosk.core import status as states

# Checked in and on until ready for delivery; booked and settled orders are not in the shop.
BOARD_STATUSES = [s for s in states.OPEN_STATUSES if states.rank("checked_in") <= states.rank(s)]
OPEN_REQUESTS = ("requested", "ordered")


def rows(now: dt.datetime | None = None, limit: int = 500) -> list[dict]:
    """The board, soonest promise first (orders without a promise last)."""
    now = now or times.utcnow()
    advisor = Staff.alias("advisor")
    waiting_parts = fn.EXISTS(PartsRequest.select(PartsRequest.id).where(
        (PartsRequest.work_order == WorkOrder.id) & PartsRequest.status.in_(OPEN_REQUESTS)
        & (PartsRequest.deleted == False)))  # noqa: E712
    pending = fn.EXISTS(JobLine.select(JobLine.id).where(
        (JobLine.work_order == WorkOrder.id) & (JobLine.authorization == "pending")
        & (JobLine.deleted == False)))  # noqa: E712
    live = WorkOrder.status.in_(BOARD_STATUSES) & (WorkOrder.deleted == False)  # noqa: E712
    orders = list(WorkOrder.select(WorkOrder.id, WorkOrder.number, WorkOrder.status, WorkOrder.promised_at,
                                   Vehicle.plate, Vehicle.model, advisor.name.alias("advisor"),
                                   waiting_parts.alias("parts_open"), pending.alias("auth_pending"))
                  .join(Vehicle).switch(WorkOrder)
                  .join(advisor, JOIN.LEFT_OUTER, on=(WorkOrder.advisor == advisor.id))
                  .where(live)
                  .order_by(WorkOrder.promised_at.asc(nulls="LAST"), WorkOrder.opened_at)
                  .limit(limit).dicts())
    if not orders:
        return []
    jobs = (JobLine.select(JobLine.work_order, JobLine.bay, JobLine.status, Staff.name.alias("technician"))
            .join(Staff, JOIN.LEFT_OUTER, on=(JobLine.technician == Staff.id))
            .join_from(JobLine, WorkOrder)
            .where(live & (JobLine.deleted == False) & (JobLine.authorization != "declined"))  # noqa: E712
            .order_by(JobLine.position).dicts())
    by_order: dict = {}
    for job in jobs:
        by_order.setdefault(job["work_order"], []).append(job)
    board = []
    for order in orders:
        lines = by_order.get(order["id"], [])
        promised = order["promised_at"]
        board.append({
            "number": order["number"], "plate": order["plate"], "model": order["model"],
            "advisor": order["advisor"] or "", "status": order["status"],
            "technicians": _distinct(j["technician"] for j in lines),
            # On a job in progress now (its clock running), as far as the job lines tell.
            "working": _distinct(j["technician"] for j in lines if j["status"] == "in_progress"),
            "bays": _distinct(j["bay"] for j in lines),
            "jobs_done": sum(1 for j in lines if j["status"] == "done"), "jobs": len(lines),
            "promised_at": promised, "promised_day": promised_day(promised, now),
            "minutes_left": (left := int((promised - now).total_seconds() / 60) if promised else None),
            "left": time_left(left),
            "overdue": bool(promised and promised < now),
            "waiting_parts": order["status"] == "waiting_parts" or bool(order["parts_open"]),
            "waiting_authorization": order["status"] == "waiting_authorization" or bool(order["auth_pending"]),
            "rework": order["status"] == "rework" or any(j["status"] == "rework" for j in lines),
        })
    return board


def time_left(minutes: int | None) -> str:
    """Minutes to the promise as the wall shows them, a duration that never reads as a
    clock time: "2 h 05 min", "40 min", or "40 min overdue" (translated)."""
    if minutes is None:
        return ""
    hours, rest = divmod(abs(minutes), 60)
    span = str(duration_formats()["hm" if hours else "m"]).format(h=hours, m=f"{rest:02d}" if hours else rest)
    return str(duration_formats()["late"]).format(t=span) if minutes < 0 else span


def duration_formats() -> dict:
    """The board's duration texts with ``{h}``, ``{m}`` and ``{t}`` slots: the server
    fills them, and the wall's script (static/workshop.js) fills them as the minutes tick."""
    return {"hm": _l("%(h)s h %(m)s min", h="{h}", m="{m}"), "m": _l("%(m)s min", m="{m}"),
            "late": _l("%(time)s overdue", time="{t}")}


def promised_day(promised: dt.datetime | None, now: dt.datetime) -> str:
    """Whether a promise falls on the store's today, tomorrow, or another day ("")."""
    if promised is None:
        return ""
    day, today = times.local_date(promised), times.today(now)
    return {today: "today", today + dt.timedelta(days=1): "tomorrow"}.get(day, "")


def _distinct(values) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def summary(board: list[dict]) -> dict:
    """Counts for the board's header."""
    return {"open": len(board), "overdue": sum(r["overdue"] for r in board),
            "waiting_parts": sum(r["waiting_parts"] for r in board),
            "waiting_authorization": sum(r["waiting_authorization"] for r in board)}
