"""What else the technician does on a job: findings (text and photos), parts
requests to the counter, and extra work (增项) sent to reception for the
customer's authorization."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from kiosk.access import current_staff
from kiosk.cameras import camera_frame_jpeg
from kiosk.services import extrawork, findings, old_parts, partsrequests, printing, workorders
from kiosk.core.errors import NotFound, ServiceError
from kiosk.stations.badge_session import bay_person
from kiosk.stations.bay import bp
from kiosk.stations.bay.jobs import needs_person, with_job, with_order
from kiosk.stations.bay.screens import PAGE, SCREEN, answer, order_context, screen_context, show_job, show_order
from kiosk.templating import render, send_stored_file, wants_fragment


@bp.post("/jobs/<job_id>/findings")
@needs_person
@with_job
def add_finding(person, job):
    upload = request.files.get("photo")
    photo = upload.read() if upload and upload.filename else None
    if request.form.get("camera") == "1":
        photo = camera_frame_jpeg()
        if photo is None:
            return show_job(person, job, _("The kiosk camera has no picture. Use the photo button instead."), False)
    try:
        findings.add_finding(job, person, request.form.get("text", ""), photo, current_app.config["BLOB_FOLDER"])
    except ServiceError as error:
        return show_job(person, job, error.message, False, finding_text=request.form.get("text", ""))
    return show_job(person, job, _("Finding saved on %(job)s.", job=job.description))


@bp.post("/jobs/<job_id>/old-part-tag")
@needs_person
@with_job
def old_part_tag(person, job):
    """The old-part tag of a part replaced under warranty, printed on the bay's label printer."""
    try:
        made = old_parts.tag_job(job, request.form.get("part_no", ""), person)
        printed = printing.print_label("part", old_parts.label_data(made), "bay")
    except ServiceError as error:
        return show_job(person, job, error.message, False)
    if printed.status in ("sent", "pending"):
        return show_job(person, job, _("Old-part tag %(tag)s printed: stick it on the part.", tag=made.number))
    return show_job(person, job, _("Old-part tag %(tag)s made, but not printed: the bay has no label printer "
                                   "set up. Print it at the claims desk.", tag=made.number), False)


@bp.post("/jobs/<job_id>/parts")
@needs_person
@with_job
def request_parts(person, job):
    form = request.form
    try:
        row = partsrequests.request_parts(job, person, form.get("code", ""), form.get("description", ""),
                                          form.get("qty", "1"))
    except ServiceError as error:
        return show_job(person, job, error.message, False, parts_form=form)
    return show_job(person, job, _("Parts requested from the counter: %(part)s × %(qty)s.",
                                   part=row.description or row.part_no, qty=row.qty))


@bp.get("/orders/<number>/requests")
def requests_panel(number):
    """The order's parts requests with their status (refreshed live when the counter moves one)."""
    person = bay_person()
    try:
        order = workorders.get_by_number(number)
    except NotFound:
        return ""
    if person is None:
        return ""
    context = order_context(person, order)
    return render_template("bay/_requests.html", order=order, requests=context["requests"],
                           request_labels=partsrequests.LABELS, jobs=context["jobs"])


def _extra_form(person, order, message, ok, form=None, errors=None):
    return answer(person, "extra", message, ok, order=order, form=form or {}, errors=errors or {},
                  rows=range(3))


@bp.get("/orders/<number>/extra")
@needs_person
@with_order
def extra_form(person, order):
    if not wants_fragment():
        return render(PAGE, SCREEN, **screen_context(person, "extra", order=order, form={}, errors={},
                                                     rows=range(3)))
    return _extra_form(person, order, _("Describe the extra work for the customer."), True)


@bp.post("/orders/<number>/extra")
@needs_person
@with_order
def propose_extra(person, order):
    form = request.form
    parts = [{"part_no": code, "qty": qty, "description": text} for code, qty, text in
             zip(form.getlist("part_no"), form.getlist("part_qty"), form.getlist("part_description"))]
    upload = request.files.get("photo")
    photo = upload.read() if upload and upload.filename else None
    if form.get("camera") == "1":
        photo = camera_frame_jpeg() or photo
    try:
        job = extrawork.propose(order, person, form.get("description", ""), form.get("sold_hours", ""), parts,
                                operation=form.get("operation", ""), photo=photo,
                                folder=current_app.config["BLOB_FOLDER"])
    except ServiceError as error:
        return _extra_form(person, order, error.message, False, form=form, errors={error.field or "_": error.message})
    order = type(order).get_by_id(order.id)
    return show_order(person, order, _("Extra work sent to reception for the customer's authorization: %(job)s.",
                                       job=job.description), focus=job)


@bp.get("/photos/<digest>.jpg")
def photo(digest):
    """A finding's photo, for the bay session or any logged-in staff member."""
    if bay_person() is None and current_staff() is None:
        return render_template("forbidden.html"), 403
    return send_stored_file(digest, "image/jpeg")
