"""The check-in record on the work-order page: walk-around photos (added and removed until the
car leaves), the customer's signature on the record (接车单), and the vehicle's history."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _

from kiosk.access import current_staff, requires
from kiosk.services import campaigns, checkin_record
from kiosk.services.errors import ServiceError
from kiosk.stations.reception import bp
from kiosk.stations.reception.workorder import _refused, _write, with_order


def _camera_picture() -> bytes | None:
    from kiosk.stations.bay.extras import camera_frame_jpeg

    return camera_frame_jpeg()


@bp.post("/work-orders/<number>/photos")
@requires("reception")
@with_order
def add_checkin_photo(order):
    """A walk-around photo from the tablet's camera (upload) or the kiosk's camera."""
    upload = request.files.get("photo")
    content = upload.read() if upload and upload.filename else None
    if request.form.get("camera") == "1":
        content = _camera_picture()
        if content is None:
            return _refused(order, "photos", ServiceError(_("The kiosk camera has no picture. Use the photo button "
                                                            "instead."), field="photo"))
    return _write(order, "photos", lambda: checkin_record.add_photo(
        order, content, current_app.config["BLOB_FOLDER"], staff=current_staff()), _("Photo added."))


@bp.post("/work-orders/<number>/photos/<photo_id>/remove")
@requires("reception")
@with_order
def remove_checkin_photo(order, photo_id):
    return _write(order, "photos", lambda: checkin_record.remove_photo(order, photo_id), _("Photo removed."))


@bp.get("/photos/<digest>.jpg")
def checkin_photo(digest):
    """A stored walk-around photo, for any logged-in staff member."""
    from kiosk.web import send_stored_file

    if current_staff() is None:
        return render_template("forbidden.html"), 403
    return send_stored_file(digest, "image/jpeg")


@bp.post("/work-orders/<number>/check-in-signature")
@requires("reception")
@with_order
def sign_checkin(order):
    """The customer signs the check-in record on the pad."""
    return _write(order, "checkin_signature", lambda: checkin_record.sign(
        order, request.form.get("signature", ""), current_app.config["BLOB_FOLDER"], staff=current_staff(),
        signer=request.form.get("signer", "")), _("The customer signed the check-in record."))


@bp.get("/work-orders/<number>/history")
@requires("reception")
@with_order
def vehicle_history(order):
    """The vehicle's history (earlier visits, declined work, recalls), loaded when opened."""
    return render_template("reception/_vehicle_history.html", history=campaigns.history(order.vehicle, order))
