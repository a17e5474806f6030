"""The installer's camera page: every camera this node runs, its state, a
preview refreshed every second and the codes it decoded lately, and a form to
try another source (a USB number, a stream address, a video file, a folder).

It never takes frames from the scan loop: the preview shows the latest frame
(``hardware.camera_preview``).  Admin and the service manager only: a trial
source is opened on the kiosk PC itself.
"""
from __future__ import annotations

import time

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from kiosk.i18n import lazy_gettext as _l

from hardware import camera as cameras
from hardware.camera_preview import Previews
from kiosk.access import requires
from kiosk.templating import render

bp = Blueprint("camera", __name__, url_prefix="/camera")

# "reports" is the permission the administrator and the service manager share.
PERMISSION = "reports"

STATES = {"starting": _l("Starting"), "live": _l("Live"), "lost": _l("Lost, reconnecting"),
          "ended": _l("Ended"), "stopped": _l("Stopped")}
STATE_BADGES = {"live": "ok", "starting": "warn", "ended": "warn", "lost": "bad", "stopped": "bad"}
KINDS = {"device": _l("USB camera"), "url": _l("Network stream"), "file": _l("Video file"),
         "folder": _l("Folder of images")}
# htmx stops polling an element when the answer has this status.
STOP_POLLING = 286


def previews() -> Previews:
    """This app's previews (one set per app, made on first use)."""
    return current_app.extensions.setdefault("camera_previews", Previews())


def _card(camera) -> dict:
    """What the card template shows of one camera."""
    preview = previews().of(camera)
    preview.update()
    status = camera.status
    last = status["last_frame_at"]
    return {
        "uid": camera.uid, "status": status, "codes": preview.codes(), "now": time.time(),
        "state_label": STATES.get(status["state"], status["state"]),
        "badge": STATE_BADGES.get(status["state"], "warn"), "kind_label": KINDS.get(status["kind"], ""),
        "age": None if last is None else max(0.0, time.time() - last),
        "trial": camera is previews().trial,
    }


@bp.get("/")
@requires(PERMISSION)
def index():
    """Every running camera, and the trial form."""
    previews().looked_at()
    cards = [_card(c) for c in cameras.running()]
    return render("camera/index.html", cards=cards, trial=previews().trial)


@bp.get("/<int:uid>/card")
@requires(PERMISSION)
def card(uid: int):
    """One camera's card, polled every second by the page."""
    previews().looked_at()
    camera = cameras.find(uid)
    if camera is None:
        return render("camera/_camera_gone.html", None, uid=uid), STOP_POLLING
    return render("camera/_camera_card.html", None, card=_card(camera))


@bp.get("/<int:uid>/frame.jpg")
@requires(PERMISSION)
def frame(uid: int):
    """The camera's latest frame as a JPEG (``seq`` in the query only defeats caches)."""
    camera = cameras.find(uid)
    shot = previews().of(camera).jpeg() if camera is not None else None
    if shot is None:
        abort(404)
    response = Response(shot[1], mimetype="image/jpeg")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/try")
@requires(PERMISSION)
def try_source():
    """Open the typed source as a trial camera (replacing the previous trial)."""
    text = (request.form.get("source") or "").strip()
    if not text:
        flash(_("Enter a camera: a device number, a stream address, a video file or a folder."), "error")
        return redirect(url_for("camera.index"))
    if len(text) > 1000 or any(ord(ch) < 32 for ch in text):
        flash(_("That does not look like a camera source."), "error")
        return redirect(url_for("camera.index"))
    previews().try_source(cameras.parse_source(text))
    flash(_("Trying %(source)s. Its picture appears below within a few seconds.", source=text), "success")
    return redirect(url_for("camera.index"))


@bp.post("/stop-trial")
@requires(PERMISSION)
def stop_trial():
    """Close the trial camera."""
    previews().stop_trial()
    flash(_("The trial camera is closed."), "success")
    return redirect(url_for("camera.index"))
