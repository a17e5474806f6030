"""Follow-up calls (回访) after delivery and what the customer said (CSI).

Nothing is scheduled in a table: a delivered order's call is due a number of days
after its ``Delivery`` (a store setting), and each attempt is a ``FollowUpCall``
fact. An unreached call comes back the day after the attempt, until the store's
number of attempts is used up (then it counts as unreachable). A reached call with
a low overall score, or a repeat fault, opens a complaint in the same transaction;
a repeat fault also proposes an appointment.
"""
from __future__ import annotations

import datetime as dt
import json

from kiosk.core import status as states, times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Customer, Delivery, FollowUpCall, Staff, Vehicle, WorkOrder
from kiosk.services import care_settings, complaints, consent, messages, order_status
from sync import changelog

OUTCOMES = {"reached": _l("Reached"), "no_answer": _l("No answer"), "refused": _l("Refused to talk"),
            "wrong_number": _l("Wrong number")}
FINAL = {"reached", "refused", "wrong_number"}
LOW_SCORE = 6  # a reached call scored this or lower opens a complaint
WINDOW_DAYS = 120  # deliveries older than this are not called any more


def _calls_by_order(order_ids) -> dict:
    calls: dict = {}
    for call in (FollowUpCall.select().where(FollowUpCall.work_order.in_(list(order_ids)))
                 .order_by(FollowUpCall.at, FollowUpCall.hlc)):
        calls.setdefault(call.work_order_id, []).append(call)
    return calls


def progress(delivery: Delivery, calls: list[FollowUpCall]) -> dict:
    """Where an order's follow-up stands: ``attempts``, ``finished``, ``unreachable``, ``due``
    (the store day the next attempt is due, None once finished) and the ``last`` call."""
    attempts = len(calls)
    last = calls[-1] if calls else None
    reached_final = any(c.outcome in FINAL for c in calls)
    unreachable = not reached_final and attempts >= care_settings.number(care_settings.FOLLOW_UP_ATTEMPTS)
    finished = reached_final or unreachable
    if finished:
        due = None
    elif last is None:
        due = times.local_date(delivery.at) + dt.timedelta(days=care_settings.number(care_settings.FOLLOW_UP_DAYS))
    else:
        due = times.local_date(last.at) + dt.timedelta(days=1)
    return {"attempts": attempts, "finished": finished, "unreachable": unreachable, "due": due, "last": last}


def due_calls(day: dt.date, now: dt.datetime | None = None) -> list[dict]:
    """The calls due on or before ``day`` and not finished, oldest first: the order, its
    delivery, customer and vehicle, ``attempts`` and ``due``. Customers who do not want
    service calls are left out (never on a call list)."""
    now = now or times.utcnow()
    since = now - dt.timedelta(days=WINDOW_DAYS)
    rows = list(Delivery.select(Delivery, WorkOrder, Vehicle, Customer).join(WorkOrder)
                .join(Customer, on=(WorkOrder.customer == Customer.id)).switch(Delivery)
                .join(Vehicle, on=(Delivery.vehicle == Vehicle.id))
                .where((Delivery.at >= since) & (WorkOrder.deleted == False))  # noqa: E712
                .order_by(Delivery.at, Delivery.hlc))
    latest = {}
    for delivery in rows:  # a car handed back twice: the last hand-over counts
        latest[delivery.work_order_id] = delivery
    calls = _calls_by_order(latest)
    consents = consent.snapshot()
    result = []
    for delivery in latest.values():
        order = delivery.work_order
        if not consent.allows(order.customer_id, consent.SERVICE_CALLS, consents):
            continue
        state = progress(delivery, calls.get(order.id, []))
        if state["due"] is not None and state["due"] <= day:
            result.append({"order": order, "delivery": delivery, "customer": order.customer,
                           "vehicle": delivery.vehicle, **state})
    result.sort(key=lambda r: (r["due"], r["delivery"].at))
    return result


def delivery_of(order: WorkOrder) -> Delivery:
    """The order's last hand-over; a call is only for a delivered order (409 otherwise)."""
    delivery = (Delivery.select().where(Delivery.work_order == order)
                .order_by(Delivery.at.desc(), Delivery.hlc.desc()).first())
    if delivery is None:
        raise ServiceError(_l("This work order has not been delivered: there is no call to make."), status=409)
    return delivery


def _score(value, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or not 0 <= number <= 10 or str(number) != str(value).strip():
        raise ServiceError(_l("A score is a whole number from 0 to 10."), field=field)
    return number


def record(order: WorkOrder, staff: Staff | None, outcome: str, *, score=None, answers: dict | None = None,
           repeat_fault: bool = False, comment: str = "", at: dt.datetime | None = None) -> dict:
    """Record one attempt (made ``at``, now by default: a call noted down later). Answers ``call``, ``complaint`` (opened by a low score or a repeat
    fault, else None) and ``propose_appointment`` (a repeat fault: bring the car back)."""
    if outcome not in OUTCOMES:
        raise ServiceError(_l("Choose what came of the call."), field="outcome")
    reached = outcome == "reached"
    score = _score(score, "score") if reached else None
    if reached and score is None:
        raise ServiceError(_l("Ask the overall score (0 to 10)."), field="score")
    parts = {}
    for part, value in (answers or {}).items() if reached else ():
        if part in care_settings.PARTS:
            given = _score(value, part)
            if given is not None:
                parts[part] = given
    repeat_fault = bool(repeat_fault) and reached
    with transaction():
        delivery = delivery_of(order)
        state = progress(delivery, list(FollowUpCall.select().where(FollowUpCall.work_order == order)
                                        .order_by(FollowUpCall.at, FollowUpCall.hlc)))
        if state["finished"]:
            raise ServiceError(_l("The follow-up of this work order is finished."), status=409)
        call = FollowUpCall(work_order=order, staff=staff, at=at or times.utcnow(), outcome=outcome, score=score,
                            answers=json.dumps(parts), repeat_fault=repeat_fault, comment=(comment or "").strip())
        changelog.save(call)
        _followed_up(order, staff, outcome, state["attempts"] + 1)
        complaint = None
        if reached and (score <= LOW_SCORE or repeat_fault):
            # The complaint's words are data, kept in the store's language (not the agent's page).
            words = [f"回访评分{score}分。"]
            if repeat_fault:
                words.append("客户反映同一故障再次出现。")
            if call.comment:
                words.append(call.comment)
            complaint = complaints.open_complaint(staff, channel="follow_up",
                                                  category="quality" if repeat_fault else "other",
                                                  text=" ".join(words), work_order=order)
    return {"call": call, "complaint": complaint, "propose_appointment": repeat_fault}


def _followed_up(order: WorkOrder, staff: Staff | None, outcome: str, attempts: int) -> None:
    """The follow-up is over (an answer, a refusal, a wrong number, or the attempts used up):
    a delivered order moves on to followed up (the care desk owns that move)."""
    over = outcome in FINAL or attempts >= care_settings.number(care_settings.FOLLOW_UP_ATTEMPTS)
    current = WorkOrder.get_by_id(order.id)
    if over and current.status == "delivered" and states.can_move("delivered", "followed_up"):
        order_status.move(current, "followed_up", staff=staff, note=f"follow-up: {outcome}")


def text_thanks(order: WorkOrder, staff: Staff | None, channel: str = "sms"):
    """The thank-you text after the visit, into the outbox (kiosk.services.messages)."""
    delivery = delivery_of(order)
    return messages.queue("follow_up", order.customer, order.vehicle, channel=channel, staff=staff,
                          values={"date": times.local_date(delivery.at).isoformat()})


TOP_SCORE = 9  # 9 or 10 out of 10: a top score (the share of top scores)


def reached_calls(first: dt.date, last: dt.date, of_orders=None) -> list[FollowUpCall]:
    """The reached follow-up calls made on the store's days ``first``..``last``, oldest first;
    about the work orders ``of_orders`` (a subquery of ids: a group's store, an advisor's) only."""
    start, end = times.day_bounds(first, (last - first).days + 1)
    query = FollowUpCall.select().where((FollowUpCall.at >= start) & (FollowUpCall.at < end)
                                        & (FollowUpCall.outcome == "reached"))
    if of_orders is not None:
        query = query.where(FollowUpCall.work_order.in_(of_orders))
    return list(query.order_by(FollowUpCall.at, FollowUpCall.hlc))


def csi(first: dt.date, last: dt.date, of_orders=None) -> dict:
    """Satisfaction of the calls reached from ``first`` to ``last`` (the one CSI rule: the care
    desk and the manager's figures both read it): the mean overall score (0-10) ×10 on a 0-100
    scale (``csi``, None without answers), from ``scored`` calls whose scores add up to
    ``score_sum``; ``top`` of them scored 9 or 10; and the same scale per part of the visit.
    ``of_orders``: the calls about those work orders only (a subquery of ids)."""
    calls = reached_calls(first, last, of_orders)
    scores = [c.score for c in calls if c.score is not None]
    per_part = {}
    for part in care_settings.PARTS:
        given = [json.loads(c.answers or "{}").get(part) for c in calls]
        given = [g for g in given if isinstance(g, int)]
        per_part[part] = round(sum(given) * 10 / len(given), 1) if given else None
    return {"reached": len(calls), "csi": round(sum(scores) * 10 / len(scores), 1) if scores else None,
            "scored": len(scores), "score_sum": sum(scores), "top": sum(1 for s in scores if s >= TOP_SCORE),
            "parts": per_part}


def reached_orders(order_ids) -> set:
    """Which of the work orders ``order_ids`` had a reached follow-up call (at any time)."""
    ids = list(order_ids)
    if not ids:
        return set()
    return {row[0] for row in reached_query().where(FollowUpCall.work_order.in_(ids)).distinct().tuples()}


def reached_query():
    """The work orders with a reached follow-up call, as a subquery of ids (the manager's
    follow-up rate counts in SQL with it; ``reached_orders`` reads the same rule)."""
    return FollowUpCall.select(FollowUpCall.work_order).where(FollowUpCall.outcome == "reached")
