"""The care desk's home: today's follow-up calls, one call's form, the audited unmask."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, requires
from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import care_settings, complaints, consent, followups, messages, reminders, workorders
from kiosk.stations import phones
from kiosk.stations.care import bp


def _day(name: str) -> tuple[dt.date, bool]:
    raw = (request.args.get(name) or "").strip()
    try:
        return (dt.date.fromisoformat(raw), False) if raw else (times.today(), False)
    except ValueError:
        return times.today(), True


@bp.get("/")
@requires("care")
def index():
    """The follow-up calls due on or before ``?due=`` (today), oldest first, and the desk's figures."""
    day, bad = _day("due")
    today = times.today()
    since = today - dt.timedelta(days=29)
    consents = consent.snapshot()
    rows = followups.due_calls(day)
    for row in rows:
        row["jobs"] = [j.description for j in workorders.live_jobs(row["order"]) if j.authorization != "declined"]
        row["consent"] = consents.get((row["customer"].id, consent.SERVICE_CALLS))
    return render_template("care/calls.html", rows=rows, day=day, today=today, bad_day=bad, rate=complaints.rate(since, today),
                           reminder_count=len(reminders.due(today, 7)), csi=followups.csi(since, today),
                           consent_how=consent.HOW, active="calls"), 400 if bad else 200


@bp.route("/follow-ups/<number>", methods=["GET", "POST"])
@requires("care")
def call(number: str):
    """One call: who to ring, what was done, the attempts so far; the outcome and the questionnaire."""
    order = workorders.get_by_number(number)
    error, status = None, 200
    if request.method == "POST":
        form = request.form
        try:
            result = followups.record(order, current_staff(), form.get("outcome", ""), score=form.get("score"),
                                      answers={p: form.get(f"part-{p}") for p in care_settings.PARTS},
                                      repeat_fault=form.get("repeat_fault") == "1", comment=form.get("comment", ""))
        except ServiceError as exc:
            error, status = exc, exc.status if exc.status in (404, 409) else 400
        else:
            return _after_call(order, result)
    delivery = followups.delivery_of(order)
    calls = list(order.follow_up_calls.order_by(followups.FollowUpCall.at))
    return render_template("care/call.html", order=order, delivery=delivery, calls=calls,
                           state=followups.progress(delivery, calls), questions=care_settings.questions(),
                           parts=care_settings.PARTS, outcomes=followups.OUTCOMES, channels=messages.CHANNELS, error=error, form=request.form,
                           jobs=workorders.live_jobs(order), consent=consent.state(order.customer),
                           active="calls"), status


def _after_call(order, result):
    complaint = result["complaint"]
    if complaint is not None:
        flash(_("Call recorded. Complaint %(number)s was opened for it.", number=complaint.number), "warning")
        if result["propose_appointment"]:
            return redirect(url_for("care.book", vehicle=order.vehicle_id.hex, service=_("Repeat fault check"),
                                    complaint=complaint.number))
        return redirect(url_for("care.complaint", number=complaint.number))
    flash(_("Call recorded: %(number)s.", number=order.number), "success")
    return redirect(url_for("care.index"))


@bp.post("/follow-ups/<number>/text")
@requires("care")
def text_thanks(number: str):
    """Queue the thank-you text after the visit (SMS or WeChat) for the order's customer."""
    order = workorders.get_by_number(number)
    try:
        followups.text_thanks(order, current_staff(), request.form.get("channel", "sms"))
    except ServiceError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Message queued in the outbox: %(plate)s.", plate=order.vehicle.plate), "success")
    return redirect(url_for("care.call", number=order.number))


@bp.post("/customers/<customer_id>/unmask")
@requires("unmask")
def unmask(customer_id: str):
    """The full number in place of the masked one (recorded: who, when, which customer)."""
    return phones.render_unmasked(customer_id)
