"""What else the technician does on a job: findings (text and photos), parts
requests to the counter, and extra work (增项) sent to reception for the
customer's authorization."""
from __future__ import annotations

from flask import current_app, render_template, request, session
from flask_babel import gettext as _

from kiosk.access import current_staff
from kiosk.services import extrawork, findings, partsrequests, workorders
from kiosk.services.errors import NotFound, ServiceError
from kiosk.stations.bay import bay_person, bp
from kiosk.stations.bay.jobs import needs_person, with_job, with_order
from kiosk.stations.bay.screens import answer, order_context, show_order
from kiosk.templating import render


def camera_frame_jpeg() -> bytes | None:
    """The newest picture of a camera this kiosk runs, as JPEG; None without a camera or a frame."""
    from hardware.camera import running

    for camera in running():
        frame = camera.latest()
        if frame is not None:
            import cv2

            ok, encoded = cv2.imencode(".jpg", frame.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            if ok:
                return encoded.tobytes()
    return None


@bp.post("/jobs/<job_id>/findings")
@needs_person
@with_job
def add_finding(person, job):
    upload = request.files.get("photo")
    photo = upload.read() if upload and upload.filename else None
    if request.form.get("camera") == "1":
        photo = camera_frame_jpeg()
        if photo is None:
            return show_order(person, job.work_order, _("The kiosk camera has no picture. Use the photo button "
                                                         "instead."), False, focus=job)
    try:
        findings.add_finding(job, person, request.form.get("text", ""), photo, current_app.config["BLOB_FOLDER"])
    except ServiceError as error:
        return show_order(person, job.work_order, error.message, False, focus=job,
                          finding_text=request.form.get("text", ""))
    return show_order(person, job.work_order, _("Finding saved on %(job)s.", job=job.description), focus=job)


@bp.post("/jobs/<job_id>/parts")
@needs_person
@with_job
def request_parts(person, job):
    form = request.form
    try:
        row = partsrequests.request_parts(job, person, form.get("code", ""), form.get("description", ""),
                                          form.get("qty", "1"))
    except ServiceError as error:
        return show_order(person, job.work_order, error.message, False, focus=job, parts_form=form)
    return show_order(person, job.work_order, _("Parts requested from the counter: %(part)s × %(qty)s.",
                                                 part=row.description or row.part_no, qty=row.qty), focus=job)


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
    if request.headers.get("HX-Request") != "true":
        from kiosk.stations.bay.screens import PAGE, SCREEN, screen_context

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
    from kiosk.web import send_stored_file

    if bay_person() is None and current_staff() is None and not session.get("qc_inspector"):
        return render_template("forbidden.html"), 403
    return send_stored_file(digest, "image/jpeg")
