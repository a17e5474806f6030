"""The work-order page at reception (维修委托书): the check-in record, the job and
part lines of the estimate, totals, promised time, the desk's own status moves
and the customer's signature.

Each part of the page is an underscore partial with its own id that htmx swaps
in place. A write answers with its partial plus ``HX-Trigger: workorder-changed``
so the totals and the status refresh themselves; a refused write answers 422
(or 409 when the order's state says no) with the message at the field. Without
htmx the same forms post normally and land back on the page.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, requires
from kiosk.services import authorization, purchasing, sanbao, workorders
from kiosk.core import status as states
from kiosk.core.errors import NotFound, ServiceError
from kiosk.stations.reception import bp
from kiosk.stations.reception.estimate_context import estimate_context
from kiosk.templating import render, send_stored_file, trigger, wants_fragment

PAGE = "reception/workorder/page.html"

# Each swappable section: its partial and the form fields it shows errors at.
SECTIONS = {
    "jobs": ("reception/workorder/_jobs.html", ("operation", "description", "sold_hours", "price", "pay_type")),
    "parts": ("reception/workorder/_parts.html", ("part_no", "description", "qty", "unit_price", "pay_type")),
    "packages": ("reception/workorder/_packages.html", ()),
    "sign_summary": ("reception/workorder/_sign_summary.html", ()),
    "photos": ("reception/workorder/_photos.html", ("photo",)),
    "checkin_signature": ("reception/workorder/_checkin_signature.html", ()),
    "totals": ("reception/workorder/_totals.html", ()),
    "promised": ("reception/workorder/_promised.html", ("promised_at",)),
    "status": ("reception/workorder/_status.html", ()),
    "signature": ("reception/workorder/_signature.html", ()),
}


def with_order(view):
    """Look the order up by the ``number`` in the URL; a clear 404 page if there is none."""

    @functools.wraps(view)
    def wrapped(number, **kwargs):
        try:
            order = workorders.get_by_number(number)
        except NotFound as error:
            return render_template("reception/workorder/missing.html", number=number, message=error.message), 404
        return view(order, **kwargs)

    return wrapped


def car_outline_url() -> str | None:
    """The car outline drawing, when the walk-around's artwork is installed."""
    if (Path(current_app.static_folder) / "car-outline.svg").exists():
        return url_for("static", filename="car-outline.svg")
    return None


def page_context(order, **extra) -> dict:
    """Everything the page and its partials show; ``extra`` carries errors and confirm steps."""
    jobs, parts = workorders.live_jobs(order), workorders.live_part_lines(order)
    editable = workorders.is_editable(order)
    context = {
        "order": order, "jobs": jobs, "parts": parts,
        "totals": workorders.totals(order, jobs, parts), "pay_types": workorders.PAY_TYPES,
        "parts_on_order": purchasing.on_order(order),
        "editable": editable, **estimate_context(order, jobs, parts, editable),
        "moves": workorders.reception_moves(order),
        "car_outline": car_outline_url(), "damage": json.loads(order.damage or "[]"),
        "lights": json.loads(order.warning_lights or "[]"),
        "errors": {}, "forms": {}, "notice": {},
        "confirm_job": request.args.get("confirm_job", ""), "confirm_part": request.args.get("confirm_part", ""),
        "confirm_move": request.args.get("confirm_move", ""), "sign_again": request.values.get("sign_again") == "1",
        "edit_job": request.args.get("edit_job", ""), "edit_part": request.args.get("edit_part", ""),
        "confirm_decline": request.args.get("confirm_decline") == "1",
        "confirm_photo": request.args.get("confirm_photo", ""),
        "sanbao": sanbao.watch(order.vehicle),  # the 三包 counters and warnings (kiosk.services.sanbao)
    }
    context.update(extra)
    return context


def _show(order, section: str, *, status: int = 200, changed: str = "", **extra):
    """Answer with ``section``'s partial for htmx, or the whole page otherwise."""
    if changed and not wants_fragment():
        flash(changed, "success")
        return redirect(url_for(".work_order", number=order.number, _anchor=section))
    if changed:
        # After a write the section shows its plain state again, not the step before it.
        extra.update(notice={section: ("success", changed)}, sign_again=False, confirm_job="", confirm_part="",
                     edit_job="", edit_part="", confirm_decline=False, confirm_photo="")
    response = render(PAGE, SECTIONS[section][0], **page_context(order, **extra))
    response.status_code = status
    if changed:
        trigger(response, "workorder-changed", feedback=True)
    elif status >= 400:
        trigger(response, feedback=False)
    return response


def _refused(order, section: str, error: ServiceError):
    """Re-render ``section`` with the message at its field and the person's input kept."""
    field = error.field if error.field in SECTIONS[section][1] else "_"
    # A form the person can fix is 422; a line gone elsewhere or a locked order is a conflict.
    status = {400: 422, 404: 409}.get(error.status, error.status)
    return _show(order, section, status=status, errors={section: {field: error.message}},
                 forms={section: request.form})


def _write(order, section: str, action, done: str):
    """Run one service call for ``section``; show the result or the refusal."""
    try:
        action()
    except ServiceError as error:
        return _refused(order, section, error)
    return _show(order, section, changed=done)


@bp.get("/work-orders/<number>")
@requires("reception")
@with_order
def work_order(order):
    return render(PAGE, None, **page_context(order))


@bp.get("/work-orders/<number>/section/<name>")
@requires("reception")
@with_order
def work_order_section(order, name):
    """One partial again: a refresh on ``workorder-changed``, or a confirm step."""
    if name not in SECTIONS:
        return render_template("reception/workorder/missing.html", number=order.number,
                               message=_("This part of the work order does not exist.")), 404
    return _show(order, name)


@bp.post("/work-orders/<number>/jobs")
@requires("reception")
@with_order
def add_job(order):
    form = request.form
    return _write(order, "jobs", lambda: workorders.add_job(
        order, description=form.get("description", ""), sold_hours=form.get("sold_hours", ""),
        price=form.get("price", ""), pay_type=form.get("pay_type", "customer"),
        operation=form.get("operation", ""), staff=current_staff()), _("Job added."))


@bp.post("/work-orders/<number>/jobs/<job_id>/remove")
@requires("reception")
@with_order
def remove_job(order, job_id):
    return _write(order, "jobs", lambda: workorders.remove_job(workorders.get_job(order, job_id), current_staff()),
                  _("Job removed."))


@bp.post("/work-orders/<number>/parts/<line_id>/remove")
@requires("reception")
@with_order
def remove_part(order, line_id):
    return _write(order, "parts", lambda: workorders.remove_part_line(workorders.get_part_line(order, line_id),
                                                                      staff=current_staff()),
                  _("Part removed."))


@bp.post("/work-orders/<number>/promised")
@requires("reception")
@with_order
def set_promised(order):
    return _write(order, "promised", lambda: workorders.set_promised(order, request.form.get("promised_at", "")),
                  _("Promised time saved."))


@bp.post("/work-orders/<number>/move")
@requires("reception")
@with_order
def move(order):
    target = request.form.get("to", "")
    try:
        workorders.move_at_reception(order, target, staff=current_staff())
    except ServiceError as error:
        return _refused(order, "status", error)
    # A move can lock the whole order (cancelled), so the page reloads rather than one part.
    flash(_("Status changed to “%(status)s”.", status=states.label(target)), "success")
    if not wants_fragment():
        return redirect(url_for(".work_order", number=order.number))
    response = current_app.make_response("")
    response.headers["HX-Refresh"] = "true"
    return response


@bp.post("/work-orders/<number>/authorize")
@requires("reception")
@with_order
def authorize(order):
    """The customer's signature from the pad (a PNG data URL) authorizes the estimate."""
    return _write(order, "signature", lambda: authorization.sign(
        order, request.form.get("signature", ""), current_app.config["BLOB_FOLDER"], staff=current_staff(),
        signer=request.form.get("signer", ""), expected_hash=request.form.get("estimate_hash", "")),
        _("Signed. The work is authorized."))


@bp.get("/files/<digest>.png")
def signature_file(digest):
    """A stored signature (or photo) by its hash, for any logged-in staff member."""
    if current_staff() is None:
        return render_template("forbidden.html"), 403
    return send_stored_file(digest, "image/png")
