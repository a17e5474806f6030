"""Extra work (增项) at reception: the technician's proposals on the work-order page with
what was found, the hours and labour price reception quotes, approved by the customer's
signature on the new version of the estimate or recorded as declined
(kiosk.services.extrawork).

The section is ``reception/workorder/_extra_work.html``; it shows on the order page once a
proposal exists and refreshes itself after each answer and when the bay proposes more.
"""
from __future__ import annotations


from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, requires
from kiosk.models import Finding
from kiosk.services import extrawork, workorders
from kiosk.core.errors import ServiceError
from kiosk.stations.reception import bp
from kiosk.stations.reception.workorder import with_order
from kiosk.templating import trigger, wants_fragment

PARTIAL = "reception/workorder/_extra_work.html"


def extra_work_of(order, all_jobs=None, part_lines=None) -> dict:
    """What the extra-work section shows: the proposals, their parts and the customer's answers.

    The whole page passes the order's live job and part lines it read already (``all_jobs``,
    ``part_lines``); the section alone reads them."""
    jobs = extrawork.proposed(order, all_jobs)
    parts: dict = {}
    found: dict = {}
    if jobs:
        for line in workorders.live_part_lines(order) if part_lines is None else part_lines:
            if line.job_id:
                parts.setdefault(line.job_id, []).append(line)
        for row in Finding.select().where(Finding.job.in_([j.id for j in jobs])).order_by(Finding.hlc):
            found.setdefault(row.job_id, []).append(row)
    return {"jobs": jobs, "parts": parts, "decisions": extrawork.decisions(order) if jobs else {},
            "findings": found, "editable": workorders.is_editable(order)}


@bp.app_context_processor
def _extra_work_helper() -> dict:
    return {"extra_work_of": extra_work_of}


def _section(order, *, status: int = 200, message=None, ok: bool = True, error_job=None, form=None):
    if not wants_fragment():
        if message:
            flash(str(message), "success" if ok else "warning")
        return redirect(url_for("reception.work_order", number=order.number, _anchor="extra-work"))
    order = type(order).get_by_id(order.id)
    response = current_app.make_response((render_template(
        PARTIAL, order=order, extra_message=message, extra_ok=ok, error_job=error_job, form=form or {},
        confirm_extra=request.args.get("confirm", "")), status))
    trigger(response, *(("workorder-changed",) if ok and message else ()), feedback=ok)
    return response


def _status(error: ServiceError) -> int:
    # A form the person can fix is 422; a line gone elsewhere or an answered one is a conflict.
    return {400: 422, 404: 409}.get(error.status, error.status)


def _job(order, job_id):
    return workorders.get_job(order, job_id)


@bp.get("/work-orders/<number>/extra-work")
@requires("reception")
@with_order
def extra_work(order):
    return _section(order)


@bp.post("/work-orders/<number>/extra-work/<job_id>/price")
@requires("reception")
@with_order
def price_extra_work(order, job_id):
    """Reception quotes the hours and labour price before the customer signs."""
    try:
        job = _job(order, job_id)
        extrawork.reprice(job, sold_hours=request.form.get("sold_hours", ""), price=request.form.get("price", ""),
                          staff=current_staff())
    except ServiceError as error:
        return _section(order, status=_status(error), message=error.message, ok=False, error_job=job_id,
                        form=request.form)
    return _section(order, message=_("Quote saved for %(job)s. The customer signs the new version below.",
                                     job=job.description))


@bp.post("/work-orders/<number>/extra-work/<job_id>/approve")
@requires("reception")
@with_order
def approve_extra_work(order, job_id):
    try:
        job = _job(order, job_id)
        extrawork.approve(job, request.form.get("signature", ""), current_app.config["BLOB_FOLDER"],
                          staff=current_staff(), price=request.form.get("price", ""),
                          sold_hours=request.form.get("sold_hours", ""), signer=request.form.get("signer", ""))
    except ServiceError as error:
        return _section(order, status=_status(error), message=error.message,
                        ok=False, error_job=job_id, form=request.form)
    return _section(order, message=_("The customer approved the extra work: %(job)s.", job=job.description))


@bp.post("/work-orders/<number>/extra-work/<job_id>/decline")
@requires("reception")
@with_order
def decline_extra_work(order, job_id):
    try:
        job = _job(order, job_id)
        extrawork.decline(job, staff=current_staff(), note=request.form.get("note", ""))
    except ServiceError as error:
        return _section(order, status=_status(error), message=error.message,
                        ok=False, error_job=job_id, form=request.form)
    return _section(order, message=_("The customer declined the extra work: %(job)s. It stays on the order "
                                     "for follow-up.", job=job.description))
