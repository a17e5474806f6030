"""Complaints (投诉): registered by whoever hears them, owned, answered and resolved on time.

A complaint's header (``Complaint``) holds what it is about and its two deadlines,
set when it is opened from the store's settings. What happens to it is a log of
``ComplaintEvent`` facts; its owner and status are read from that log in time order
(``state``), so actions taken on two kiosks apart merge into one history. It ends
only once the customer's agreement to the solution is recorded (``resolve``) and it
is closed; a reopened complaint keeps everything that went before.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.core import times
from kiosk.core.errors import NotFound, ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Complaint, ComplaintEvent, Delivery, Staff, Vehicle, WorkOrder
from kiosk.roles import allowed
from kiosk.services import care_settings
from kiosk.services.customers import normalize_plate
from kiosk.services.numbers import next_number
from sync import changelog

PREFIX = "TS-"  # 投诉
CHANNELS = {"in_person": _l("In person"), "phone": _l("Phone"), "follow_up": _l("Follow-up call"),
            "oem_hotline": _l("Manufacturer hotline"), "consumer_12315": _l("12315 consumer line"),
            "online": _l("Online platforms")}
CATEGORIES = {"quality": _l("Quality of repair"), "price": _l("Price and charges"), "time": _l("Time taken"),
              "attitude": _l("Attitude"), "parts": _l("Parts"), "other": _l("Other")}
ACTIONS = {"assign": _l("Assigned"), "called": _l("Called the customer"), "root_cause": _l("Root cause"),
           "measures": _l("Measures"), "compensation": _l("Compensation"), "note": _l("Note"),
           "resolve": _l("Customer agreed to the solution"), "close": _l("Case closed"), "reopen": _l("Reopened")}
STATUSES = {"open": _l("Being handled"), "resolved": _l("Resolved, to close"), "closed": _l("Case closed")}
# Actions that answer the customer (the first one meets the first-response deadline).
RESPONSES = {"called", "root_cause", "measures", "compensation", "resolve"}
NEEDS_TEXT = {"called", "root_cause", "measures", "compensation", "note", "resolve", "reopen"}


def open_complaint(staff: Staff | None, *, channel: str, category: str, text: str,
                   work_order: WorkOrder | None = None, vehicle: Vehicle | None = None,
                   now: dt.datetime | None = None) -> Complaint:
    """Register a complaint; the care desk (or a manager) who registers it owns it at once."""
    if channel not in CHANNELS:
        raise ServiceError(_l("Choose how the complaint came in."), field="channel")
    if category not in CATEGORIES:
        raise ServiceError(_l("Choose what the complaint is about."), field="category")
    if not (text or "").strip():
        raise ServiceError(_l("Write the customer's words."), field="text")
    vehicle = work_order.vehicle if work_order is not None else vehicle
    now = now or times.utcnow()
    with transaction():
        complaint = Complaint(
            number=PREFIX + next_number("TS", times.local_date(now)), work_order=work_order, vehicle=vehicle,
            customer=(work_order.customer if work_order is not None else vehicle.customer if vehicle else None),
            channel=channel, category=category, text=text.strip(), opened_at=now, opened_by=staff,
            respond_by=now + dt.timedelta(hours=care_settings.number(care_settings.RESPOND_HOURS)),
            resolve_by=now + dt.timedelta(days=care_settings.number(care_settings.RESOLVE_DAYS)))
        changelog.save(complaint)
        if staff is not None and allowed(staff.role_list, "care"):
            changelog.save(ComplaintEvent(complaint=complaint, staff=staff, at=now, action="assign", to_staff=staff))
    return complaint


def vehicle_for_plate(plate: str) -> Vehicle:
    """The vehicle on file with this plate (a complaint about a car, not an order; 404 when unknown)."""
    row = Vehicle.get_or_none((Vehicle.plate == normalize_plate(plate)) & (Vehicle.deleted == False))  # noqa: E712
    if row is None:
        raise NotFound(_l("No vehicle with this plate."), field="plate")
    return row


def get(number: str) -> Complaint:
    """The complaint with this number (404 when unknown)."""
    row = Complaint.get_or_none((Complaint.number == (number or "").strip().upper())
                                & (Complaint.deleted == False))  # noqa: E712
    if row is None:
        raise NotFound(_l("No complaint with this number."), detail={"number": number})
    return row


def events(complaint: Complaint) -> list[ComplaintEvent]:
    """The complaint's log, oldest first (time, then HLC: the same order on every node)."""
    return list(ComplaintEvent.select().where(ComplaintEvent.complaint == complaint)
                .order_by(ComplaintEvent.at, ComplaintEvent.hlc))


def state(complaint: Complaint, log: list[ComplaintEvent] | None = None, now: dt.datetime | None = None) -> dict:
    """``status``, ``owner``, ``responded_at``, ``resolved_at``, ``agreed`` and whether it is
    ``overdue`` (no first response by its deadline, or not resolved by its deadline)."""
    log = events(complaint) if log is None else log
    now = now or times.utcnow()
    status, owner, responded, resolved = "open", None, None, None
    for event in log:
        if event.action == "assign":
            owner = event.to_staff
        elif event.action == "resolve" and status == "open":
            status, resolved = "resolved", event.at
        elif event.action == "close" and status == "resolved":
            status = "closed"
        elif event.action == "reopen":
            status, resolved = "open", None
        if event.action in RESPONSES and responded is None:
            responded = event.at
    late_response = responded is None and now > complaint.respond_by
    late_resolution = status == "open" and now > complaint.resolve_by
    return {"status": status, "owner": owner, "responded_at": responded, "resolved_at": resolved,
            "overdue": status == "open" and (late_response or late_resolution),
            "late_response": status == "open" and late_response, "late_resolution": late_resolution,
            "due_at": complaint.respond_by if responded is None else complaint.resolve_by}


def act(complaint: Complaint, staff: Staff, action: str, *, text: str = "", to: Staff | None = None,
        amount: Decimal | None = None) -> ComplaintEvent:
    """Record an action; ``close`` needs the customer's agreement recorded by ``resolve`` first."""
    if action not in ACTIONS:
        raise ServiceError(_l("Unknown action."), field="action")
    text = (text or "").strip()
    if action in NEEDS_TEXT and not text:
        raise ServiceError(_l("Write what was done or said."), field="text")
    if action == "assign" and (to is None or not to.active):
        raise ServiceError(_l("Choose who owns the complaint."), field="to")
    if amount is not None and amount < 0:
        raise ServiceError(_l("The amount cannot be negative."), field="amount")
    with transaction():
        status = state(complaint)["status"]
        if status == "closed" and action != "reopen":
            raise ServiceError(_l("The complaint is closed: reopen it first."), status=409)
        if action == "resolve" and status != "open":
            raise ServiceError(_l("The customer's agreement is already recorded."), status=409)
        if action == "close" and status != "resolved":
            raise ServiceError(_l("Record the customer's agreement to the solution before closing."), status=409)
        if action == "reopen" and status == "open":
            raise ServiceError(_l("The complaint is open already."), status=409)
        event = ComplaintEvent(complaint=complaint, staff=staff, at=times.utcnow(), action=action,
                               to_staff=to if action == "assign" else None, text=text,
                               amount=amount if action == "compensation" else None)
        changelog.save(event)
    return event


def listing(status: str = "open", now: dt.datetime | None = None) -> list[dict]:
    """Complaints with their state: ``open`` (not closed: open or resolved), ``overdue``,
    ``closed`` or ``all``; overdue first, then by deadline."""
    now = now or times.utcnow()
    rows = list(Complaint.select().where(Complaint.deleted == False)  # noqa: E712
                .order_by(Complaint.opened_at.desc()).limit(500))
    logs: dict = {}
    for event in (ComplaintEvent.select().where(ComplaintEvent.complaint.in_([r.id for r in rows]))
                  .order_by(ComplaintEvent.at, ComplaintEvent.hlc)):
        logs.setdefault(event.complaint_id, []).append(event)
    result = []
    for row in rows:
        known = state(row, logs.get(row.id, []), now)
        keep = {"open": known["status"] != "closed", "overdue": known["overdue"],
                "closed": known["status"] == "closed", "all": True}.get(status, False)
        if keep:
            result.append({"complaint": row, **known})
    result.sort(key=lambda r: (not r["overdue"], r["due_at"]))
    return result


def rate(first: dt.date, last: dt.date, of_orders=None) -> dict:
    """Complaints opened from ``first`` to ``last`` (store days) over orders delivered then
    (``rate`` None when nothing was delivered); the department aims under 1%. ``of_orders`` (a
    subquery of work order ids: a group's store, an advisor's): the complaints about those
    orders over those orders delivered."""
    start, end = times.day_bounds(first, (last - first).days + 1)
    opened = Complaint.select().where((Complaint.opened_at >= start) & (Complaint.opened_at < end)
                                      & (Complaint.deleted == False))  # noqa: E712
    delivered = Delivery.select(Delivery.work_order).where((Delivery.at >= start) & (Delivery.at < end))
    if of_orders is not None:
        opened = opened.where(Complaint.work_order.in_(of_orders))
        delivered = delivered.where(Delivery.work_order.in_(of_orders))
    opened, delivered = opened.count(), delivered.distinct().count()
    return {"complaints": opened, "delivered": delivered, "rate": opened / delivered if delivered else None}


def opened_in(first: dt.date, last: dt.date, now: dt.datetime | None = None, of_orders=None) -> list[dict]:
    """The complaints opened on the store's days ``first``..``last`` with their state (as
    ``listing``), and ``on_time``: resolved (the customer's agreement recorded) no later than
    their resolution deadline; about the work orders ``of_orders`` (a subquery of ids) only."""
    start, end = times.day_bounds(first, (last - first).days + 1)
    query = Complaint.select().where((Complaint.opened_at >= start) & (Complaint.opened_at < end)
                                     & (Complaint.deleted == False))  # noqa: E712
    if of_orders is not None:
        query = query.where(Complaint.work_order.in_(of_orders))
    rows = list(query.order_by(Complaint.opened_at))
    logs: dict = {}
    for event in (ComplaintEvent.select().where(ComplaintEvent.complaint.in_([r.id for r in rows]))
                  .order_by(ComplaintEvent.at, ComplaintEvent.hlc)):
        logs.setdefault(event.complaint_id, []).append(event)
    found = []
    for row in rows:
        known = state(row, logs.get(row.id, []), now)
        on_time = known["resolved_at"] is not None and known["resolved_at"] <= row.resolve_by
        found.append({"complaint": row, **known, "on_time": on_time})
    return found


def staff_choices() -> list[Staff]:
    """Who may own a complaint: active staff of the care desk and the managers."""
    return [s for s in Staff.select().where((Staff.active == True) & (Staff.deleted == False))  # noqa: E712
            .order_by(Staff.name) if allowed(s.role_list, "care")]
