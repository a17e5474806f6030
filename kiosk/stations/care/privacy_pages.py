"""Personal data at the care desk: a customer's consent per purpose, the unmask audit,
the message outbox and its export, the desk's store settings."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, requires
from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import care_settings, consent, messages
from kiosk.stations.care import bp


@bp.get("/customers/<customer_id>")
@requires("care")
def customer(customer_id: str):
    """The customer's consent per purpose: when and how given, withdrawn in one tap."""
    who = consent.get_customer(customer_id)
    return render_template("care/customer.html", customer=who, state=consent.state(who), how=consent.HOW,
                           active="calls")


@bp.post("/customers/<customer_id>/consent")
@requires("care")
def set_consent(customer_id: str):
    """Give (with how) or withdraw one purpose."""
    who = consent.get_customer(customer_id)
    purpose = request.form.get("purpose", "")
    try:
        if request.form.get("granted") == "1":
            consent.record(who, purpose, True, how=request.form.get("how", ""), staff=current_staff())
            flash(_("Consent recorded."), "success")
        else:
            consent.withdraw(who, purpose, staff=current_staff())
            flash(_("Consent withdrawn: the lists leave this customer out from now on."), "success")
    except ServiceError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("care.customer", customer_id=who.id.hex))


@bp.get("/unmasks")
@requires("reports")
def unmasks():
    """Who saw which customer's full phone number, and when (newest first)."""
    return render_template("care/unmasks.html", rows=consent.audit(), active="privacy")


@bp.get("/outbox")
@requires("care")
def outbox():
    """Texts waiting to be exported to the sender."""
    return render_template("care/outbox.html", rows=messages.outbox(), labels=messages.LABELS,
                           channels=messages.CHANNELS, active="outbox")


@bp.post("/outbox/export")
@requires("care")
def export_outbox():
    """The waiting texts as a CSV download (they count as exported after it)."""
    text, count = messages.export_csv()
    response = make_response(text)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename=outbox-{times.file_stamp()}.csv"
    response.headers["X-Bayflow-Count"] = str(count)
    return response


@bp.route("/settings", methods=["GET", "POST"])
@requires("reports")
def settings():
    """The desk's store settings: call timing and attempts, complaint deadlines, reminder windows, questions."""
    error, status = None, 200
    if request.method == "POST":
        form = request.form
        try:
            care_settings.save({k: form.get(k, "") for k in care_settings.NUMBERS if k in form},
                               {k[2:]: v for k, v in form.items() if k.startswith("q-")})
        except ServiceError as exc:
            error, status = exc, 400
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("care.settings"))
    values, questions = care_settings.numbers(), care_settings.questions()
    if error is not None:  # what was typed stays on the page with the message
        values = {k: request.form.get(k, v) for k, v in values.items()}
        questions = {p: {lang: request.form.get(f"q-{p}.{lang}", q) for lang, q in asked.items()}
                     for p, asked in questions.items()}
    return render_template("care/settings.html", values=values, labels=care_settings.LABELS,
                           questions=questions, parts=care_settings.PARTS, error=error,
                           part_labels=care_settings.PART_LABELS,
                           active="settings"), status
