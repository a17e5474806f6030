"""The care desk over the API: follow-up calls, complaints, reminders — the same services
as the care station's pages (kiosk.services.followups, complaints, reminders)."""
from __future__ import annotations

import datetime as dt

from flask import jsonify, request
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.core.errors import Forbidden, NotFound
from kiosk.roles import allowed
from kiosk.services import complaints, followups, reminders, workorders
from kiosk.services import staff as staff_service
from kiosk.stations.api import BadRequest, amount, as_number, bp, json_object, member, text


def _person(badge: str, permission: str | None, where: str = "badge"):
    """The active staff member with this badge, allowed ``permission`` (None: anyone on the staff)."""
    person = staff_service.find_by_badge(badge) if badge else None
    if person is None or not person.active:
        raise NotFound(_("No active staff member with this badge."), field=where)
    if permission and not allowed(person.role_list, permission):
        raise Forbidden(_("%(name)s may not do this at the care desk.", name=person.name), field=where)
    return person


def _date(name: str, default: dt.date) -> dt.date:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise BadRequest(_("%(field)s must be a date as YYYY-MM-DD.", field=name), field=name)


@bp.get("/follow-ups")
def follow_ups():
    """The calls due on or before ``due`` (today by default) and not finished, oldest first."""
    day = _date("due", times.today())
    return jsonify([{"work_order": r["order"].number, "plate": r["vehicle"].plate,
                     "delivered_at": times.isoformat(r["delivery"].at), "attempts": r["attempts"],
                     "due": r["due"].isoformat()} for r in followups.due_calls(day)])


@bp.post("/work-orders/<number>/follow-ups")
def record_follow_up(number: str):
    """One call attempt → 201; a low score or a repeat fault opens a complaint."""
    body = json_object()
    person = _person(text(body, "badge", "badge"), "care")
    outcome = text(body, "outcome", "outcome")
    if outcome not in followups.OUTCOMES:
        raise BadRequest(_("%(field)s must be one of: %(values)s.", field="outcome",
                           values=", ".join(followups.OUTCOMES)), field="outcome")
    score = member(body, "score", int, "score", required=outcome == "reached")
    answers = member(body, "answers", dict, "answers", required=False, default={})
    repeat = member(body, "repeat_fault", bool, "repeat_fault", required=False, default=False)
    order = workorders.get_by_number(number)
    result = followups.record(order, person, outcome, score=score, answers=answers, repeat_fault=repeat,
                              comment=text(body, "comment", "comment", required=False))
    complaint = result["complaint"]
    return jsonify({"work_order": order.number, "outcome": outcome, "at": times.isoformat(result["call"].at),
                    "complaint": complaint.number if complaint else None,
                    "propose_appointment": result["propose_appointment"]}), 201


@bp.post("/complaints")
def open_complaint():
    """Register a complaint (anyone on the staff who hears it) → 201 ``{"number"}``."""
    body = json_object()
    person = _person(text(body, "badge", "badge"), None)
    number = text(body, "work_order", "work_order", required=False)
    plate = text(body, "plate", "plate", required=False)
    order = workorders.get_by_number(number) if number else None
    vehicle = complaints.vehicle_for_plate(plate) if order is None and plate else None
    complaint = complaints.open_complaint(person, channel=text(body, "channel", "channel"),
                                          category=text(body, "category", "category"), text=text(body, "text", "text"),
                                          work_order=order, vehicle=vehicle)
    return jsonify(_complaint_json(complaint)), 201


def _complaint_json(complaint) -> dict:
    known = complaints.state(complaint)
    return {"number": complaint.number, "work_order": complaint.work_order.number if complaint.work_order else None,
            "plate": complaint.vehicle.plate if complaint.vehicle else None, "channel": complaint.channel,
            "category": complaint.category, "opened_at": times.isoformat(complaint.opened_at),
            "owner": known["owner"].badge if known["owner"] else None, "due_at": times.isoformat(known["due_at"]),
            "status": known["status"], "overdue": known["overdue"]}


@bp.get("/complaints")
def list_complaints():
    """``status``: open (default: not closed), overdue, closed or all."""
    status = request.args.get("status", "open")
    if status not in ("open", "overdue", "closed", "all"):
        raise BadRequest(_("%(field)s must be one of: %(values)s.", field="status",
                           values="open, overdue, closed, all"), field="status")
    return jsonify([_complaint_json(r["complaint"]) for r in complaints.listing(status)])


@bp.get("/complaints/<number>")
def show_complaint(number: str):
    """One complaint with its log of actions, oldest first (the same order on every node)."""
    complaint = complaints.get(number)
    log = [{"action": e.action, "at": times.isoformat(e.at), "badge": e.staff.badge if e.staff else None,
            "to": e.to_staff.badge if e.to_staff else None, "text": e.text,
            "amount": as_number(e.amount) if e.amount is not None else None} for e in complaints.events(complaint)]
    return jsonify({**_complaint_json(complaint), "text": complaint.text, "log": log})


@bp.post("/complaints/<number>/events")
def complaint_event(number: str):
    """An action on the complaint → 201 with its state after it; ``close`` needs ``resolve`` first."""
    body = json_object()
    person = _person(text(body, "badge", "badge"), "care")
    action = text(body, "action", "action")
    if action not in complaints.ACTIONS:
        raise BadRequest(_("%(field)s must be one of: %(values)s.", field="action",
                           values=", ".join(complaints.ACTIONS)), field="action")
    to = _person(text(body, "to", "to"), "care", "to") if action == "assign" else None
    given = amount(body, "amount", "amount") if body.get("amount") is not None else None
    complaint = complaints.get(number)
    complaints.act(complaint, person, action, text=text(body, "text", "text", required=False), to=to, amount=given)
    return jsonify(_complaint_json(complaint)), 201


@bp.get("/reminders")
def list_reminders():
    """Open reminders due on or before ``date`` + ``within`` days (overdue ones included)."""
    day = _date("date", times.today())
    raw = request.args.get("within", "0")
    if not raw.isdigit() or int(raw) > 3650:
        raise BadRequest(_("%(field)s must be a whole number of days.", field="within"), field="within")
    return jsonify([{"plate": r["vehicle"].plate, "vin": r["vehicle"].vin, "kind": r["kind"],
                     "due_date": r["due_date"].isoformat(), "due_mileage": r["due_mileage"],
                     "projected_mileage": r["projected_mileage"], "key": r["key"]}
                    for r in reminders.due(day, int(raw))])
