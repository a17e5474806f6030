"""Insurance repairs: the cases with the receivables per insurer; one case with the
assessment and its supplements (lines, photos), direct billing with the customer's
signed assignment, the insurer's share, and the insurer's payments."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from kiosk.access import requires
from kiosk.core.errors import ServiceError
from kiosk.services import insurance as service
from kiosk.services import insurer_accounts, workorders
from kiosk.stations.claims import bp, clerk, done, refused

LINE_ROWS = 4  # lines an assessment form offers at once


@bp.get("/insurance")
@requires("claims")
def insurance():
    return render_template("claims/insurance.html", cases=service.open_cases(), owed=insurer_accounts.receivables(),
                           share=service.share_of_case, active="insurance")


@bp.post("/insurance")
@requires("claims")
def open_case():
    """Record (or correct) the insurance of an accident repair's order."""
    number = request.form.get("work_order", "")
    try:
        order = workorders.get_by_number(number)
        service.open_case(order, request.form.to_dict(), clerk())
    except ServiceError as error:
        return _refused_form(number, error)
    return done(_("Insurance saved."), "claims.insurance_case", number=order.number)


@bp.get("/insurance/<number>")
@requires("claims")
def insurance_case(number: str):
    """One order's insurance case (``_``: the order typed in the lookup form)."""
    if number == "_":
        number = request.args.get("work_order", "").strip()
    try:
        order = workorders.get_by_number(number)
    except ServiceError as error:
        return refused(error, "claims.insurance")
    return _case_page(order)


def _case_page(order, form=None, error=None, status: int = 200):
    """The case page; after a refused form, what was typed is kept and the reason shown."""
    case = service.case_of(order)
    return render_template("claims/insurance_case.html", order=order, case=case, active="insurance",
                           assessments=service.assessments(case) if case else [],
                           share=service.share_of_case(case) if case else None, rows=range(LINE_ROWS),
                           kinds=service.LINE_LABELS, liabilities=service.LIABILITY_LABELS, form=form or {},
                           error=error), status


def _refused_form(number: str, error: ServiceError):
    try:
        order = workorders.get_by_number(number)
    except ServiceError:
        return refused(error, "claims.insurance")
    return _case_page(order, request.form.to_dict(), error, 400 if error.status < 409 else error.status)


@bp.post("/insurance/<number>/assessments")
@requires("claims")
def add_assessment(number: str):
    """The assessment, or a supplement: its lines and photos."""
    form = request.form
    lines = [{"kind": form.get(f"kind{i}"), "description": form.get(f"description{i}", ""),
              "store_amount": form.get(f"store{i}") or "0", "assessed_amount": form.get(f"assessed{i}") or "0"}
             for i in range(LINE_ROWS) if form.get(f"description{i}", "").strip()]
    photos = [f.read() for f in request.files.getlist("photos") if f and f.filename]
    try:
        case = service.case_of(workorders.get_by_number(number))
        if case is None:
            raise ServiceError(_("Record the insurer and the report number first."))
        service.add_assessment(case, lines, assessor=form.get("assessor", ""), note=form.get("note", ""),
                               staff=clerk(), photos=photos, folder=current_app.config["BLOB_FOLDER"])
    except ServiceError as error:
        return _refused_form(number, error)
    return done(_("Assessment saved."), "claims.insurance_case", number=number)


@bp.post("/insurance/<number>/assignment")
@requires("claims")
def sign_assignment(number: str):
    """The customer signs the assignment for direct billing (直赔)."""
    try:
        case = service.case_of(workorders.get_by_number(number))
        if case is None:
            raise ServiceError(_("Record the insurer and the report number first."))
        service.sign_assignment(case, request.form.get("signature", ""), current_app.config["BLOB_FOLDER"],
                                clerk())
    except ServiceError as error:
        return refused(error, "claims.insurance_case", number=number)
    return done(_("The customer signed the assignment."), "claims.insurance_case", number=number)


@bp.post("/insurance/<number>/payments")
@requires("claims")
def insurer_payment(number: str):
    try:
        case = service.case_of(workorders.get_by_number(number))
        if case is None:
            raise ServiceError(_("Record the insurer and the report number first."))
        insurer_accounts.record_payment(case, request.form.get("amount", ""), request.form.get("reference", ""), clerk())
    except ServiceError as error:
        return _refused_form(number, error)
    return done(_("Payment recorded."), "claims.insurance_case", number=number)
