"""The QC gate at the bay kiosk (质检): the inspector's badge, then the vehicle's
tag; the checklist with the road test; pass on to washing and ready, or fail
with the job lines sent back as rework.

The inspector is whoever is logged in with the QC permission, or the QC badge
scanned here (or at the bay kiosk, which sends QC badges to this page) followed
by its PIN, once per visit. The badge session ends at "Done" and after the
kiosk's idle time, like a login.
"""
from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _

from kiosk.models import Staff
from kiosk.access import BADGE, end_session
from kiosk.roles import allowed
from kiosk.services import qc as qc_service
from kiosk.services import findings as findings_service
from kiosk.services import workorders
from kiosk.core import status as states
from kiosk.core.errors import NotFound, ServiceError
from kiosk.stations.badge_session import ask_pin
from kiosk.stations.scan_helpers import answer_unknown, not_used_here, reply, scan_from_request
from kiosk.stations.workshop import acting_person, bp
from kiosk.templating import render, scan_reply

PAGE, PANEL = "workshop/qc.html", "workshop/_qc_panel.html"


def inspector() -> Staff | None:
    """The inspector at this screen: a logged-in person with QC rights, or a QC badge that
    typed its PIN at this screen or the bay (``kiosk.access``: once per visit)."""
    return acting_person("qc")


def _panel(order=None, **extra) -> dict:
    """What the QC screen shows: the waiting list, or one order's checklist / washing step."""
    context = {"inspector": inspector(), "order": order, "checklist": qc_service.CHECKLIST,
               "waiting": [] if order else qc_service.waiting(), "errors": {}, "form": {}}
    if order is not None:
        # The customer's complaint and what the technicians found: the fix is checked against them.
        context["jobs"] = workorders.live_jobs(order, technicians=True)
        context["findings"] = findings_service.of_order(order)
        context["history"] = qc_service.history(order)
    context.update(extra)
    return context


def _panel_html(order=None, **extra) -> str:
    return render_template(PANEL, **_panel(order, **extra))


@bp.get("/qc", endpoint="qc")
def qc_index():
    """The QC screen: idle until a QC badge, then the cars waiting for QC or washing."""
    return render(PAGE, PANEL, **_panel())


@bp.post("/qc/scan")
def qc_scan():
    """A scan at the QC screen: the inspector's badge, or a vehicle's work-order or job tag."""
    done = scan_from_request("qc")
    answer = answer_unknown(done)
    if answer is not None:
        return answer
    if done.kind == "badge":
        person = done.code.ref
        if not allowed(person.role_list, "qc"):
            return reply(_("This badge is not a QC inspector's."), False)
        if inspector() is not None and inspector().id == person.id:
            return scan_reply(_("QC inspector: %(name)s. Scan the vehicle's tag.", name=person.name), True,
                              _panel_html())
        return ask_pin(person.badge, url_for("workshop.qc"), url_for("workshop.qc"))
    if done.kind not in ("work_order", "job_line"):
        return not_used_here(done)
    if inspector() is None:
        return reply(_("Scan your QC badge first."), False)
    order = done.code.ref if done.kind == "work_order" else done.code.ref.work_order
    if order.status not in ("qc", "washing"):
        return reply(_("Work order %(number)s is not waiting for QC (it is “%(status)s”).",
                       number=order.number, status=_status(order)), False)
    return scan_reply(_("Work order %(number)s: %(plate)s", number=order.number, plate=order.vehicle.plate),
                      True, _panel_html(order))


def _status(order) -> str:
    return str(states.label(order.status))


def _order_or_reply(number):
    try:
        return workorders.get_by_number(number), None
    except NotFound as error:
        return None, reply(error.message, False, _panel_html(), status=404)


@bp.get("/qc/<number>")
def qc_order(number):
    """One order's checklist (or its washing step)."""
    order, refused = _order_or_reply(number)
    if refused is not None:
        return refused
    return render(PAGE, PANEL, **_panel(order if inspector() else None))


def _inspector_and_order(number):
    """(inspector, order, None) for a QC decision, or (None, None, the refusal to answer with)."""
    person = inspector()
    if person is None:
        return None, None, reply(_("Scan your QC badge first."), False, _panel_html(), status=403)
    order, refused = _order_or_reply(number)
    return person, order, refused


@bp.post("/qc/<number>")
def qc_record(number):
    """Pass or fail the car with the ticked checklist, the road-test notes and the rework jobs."""
    person, order, refused = _inspector_and_order(number)
    if refused is not None:
        return refused
    passed = request.form.get("decision") == "pass"
    try:
        qc_service.record(order, person, passed=passed, checked=request.form.getlist("checked"),
                          road_test=request.form.get("road_test", ""), rework=request.form.getlist("rework"),
                          note=request.form.get("note", ""))
    except ServiceError as error:
        form = {"checked": request.form.getlist("checked"), "rework": request.form.getlist("rework"),
                "road_test": request.form.get("road_test", ""), "note": request.form.get("note", "")}
        return scan_reply(error.message, False, _panel_html(order, errors={error.field or "_": error.message},
                                                            form=form), status=422)
    if passed:
        message = _("Passed: %(number)s goes to washing.", number=order.number)
    else:
        message = _("Failed: %(number)s goes back to the workshop as rework.", number=order.number)
    return scan_reply(message, True, _panel_html())


@bp.post("/qc/<number>/washed")
def qc_washed(number):
    """The car is washed: ready for delivery."""
    person, order, refused = _inspector_and_order(number)
    if refused is not None:
        return refused
    try:
        qc_service.washed(order, person)
    except ServiceError as error:
        return scan_reply(error.message, False, _panel_html(), status=409)
    return scan_reply(_("%(number)s is ready for delivery.", number=order.number), True, _panel_html())


@bp.post("/qc/done")
def qc_done():
    """The inspector leaves: the badge session (and its PIN) ends; the screen waits for a badge."""
    end_session(BADGE)
    return scan_reply(_("Goodbye."), True, render_template(PANEL, **{**_panel(), "inspector": None}))
