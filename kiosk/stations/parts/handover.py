"""Issuing parts to a work order and taking them back, by scanning.

The view reads the scan or the button and calls the basket's service
(kiosk.services.handover: the job a part goes to, the return limit, the slip);
it renders the panel. The panel is ``parts/_handover.html``; each basket line
is ``parts/_basket_line.html``, a partial that targets itself.
"""
from __future__ import annotations

from flask import render_template, request, url_for
from kiosk.i18n import lazy_gettext as _l

from kiosk.access import current_staff, requires
from kiosk.core.errors import ServiceError
from kiosk.models import JobLine
from kiosk.services import handover, stock
from kiosk.stations.parts import bp
from kiosk.stations.parts.scan import register_mode
from kiosk.templating import scan_reply

KINDS = handover.KINDS
CHANGED = "basket-changed"  # the basket's lines and its keypad show themselves again on it


def panel(kind: str) -> str:
    """The issue or return panel: the order, what it wants, the basket, or the last slip."""
    data = handover.load(current_staff(), kind)
    order = handover.order_of(data)
    jobs = list(JobLine.select().where((JobLine.work_order == order) & (JobLine.deleted == False))  # noqa: E712
                .order_by(JobLine.position)) if order else []
    return render_template("parts/_handover.html", kind=kind, data=data, order=order, jobs=jobs,
                           job=handover.job_of(data), lines=handover.lines_of(data),
                           wanted=handover.wanted(order) if order else [],
                           issued=stock.issued_lines(order) if order else [],
                           slip=data.get("slip"))


def handle(kind: str, scan):
    """One scan in issue or return mode."""
    code, me = scan.code, current_staff()
    try:
        if code.kind == "work_order":
            message = handover.start(me, kind, code.ref)
        elif code.kind == "job_line":
            message = handover.start(me, kind, code.ref.work_order, code.ref)
        elif handover.require_order(me, kind) and code.kind == "part":
            message = handover.add_part(me, kind, code.ref)
        elif code.kind == "badge":
            message = handover.confirm(me, kind, code.ref)
        elif code.kind == "bin":
            raise ServiceError(_l("A bin label is not used here: scan parts, then the technician's badge."))
        else:
            return scan_reply(code.problem, False, panel(kind) + render_template(
                "parts/_attach_offer.html", code=code.text))
    except ServiceError as error:
        return scan_reply(error.message, False, panel(kind))
    return scan_reply(message, True, panel(kind))


def _basket(kind: str) -> dict:
    data = handover.load(current_staff(), kind)
    return {"kind": kind, "data": data, "lines": handover.lines_of(data)}


def line_html(kind: str, index: int) -> str:
    """Basket line ``index`` as the panel shows it; "" when there is no such line (any more)."""
    basket = _basket(kind)
    if not 0 <= index < len(basket["lines"]):
        return ""
    part, qty, line_job = basket["lines"][index]
    return render_template("parts/_basket_line.html", index=index, part=part, qty=qty, line_job=line_job, **basket)


register_mode("issue", _l("Issue"), panel=lambda: panel("issue"), order=20)(lambda scan: handle("issue", scan))
register_mode("return", _l("Return"), panel=lambda: panel("return"), order=30)(lambda scan: handle("return", scan))

EDITS = {"undo": handover.undo, "pick": handover.pick,
         "qty": lambda staff, kind, index: handover.set_quantity(staff, kind, index, request.form.get("qty", ""))}


@bp.post("/<kind>/line/<int:index>/<action>")
@requires("parts")
def edit_line(kind: str, index: int, action: str):
    """Undo one scan of a line, set its quantity from the keypad, or pick it for the keypad:
    the line answers for itself, the rest of the basket follows ``basket-changed``."""
    try:
        if action not in EDITS:
            raise ServiceError(_l("This line is no longer in the slip."))
        message = EDITS[action](current_staff(), kind, index)
    except ServiceError as error:
        return scan_reply(error.message, False, line_html(kind, index) if kind in KINDS else "")
    if not handover.load(current_staff(), kind)["lines"]:
        # The last line went: the panel shows the empty basket (no table left without rows).
        response = scan_reply(message, True, panel(kind))
        response.headers.update({"HX-Retarget": "#parts-main", "HX-Reswap": "innerHTML"})
        return response
    return scan_reply(message, True, line_html(kind, index), events=(CHANGED,))


@bp.get("/<kind>/line/<int:index>")
@requires("parts")
def basket_line(kind: str, index: int):
    """One basket line again (on ``basket-changed``); nothing when it is gone."""
    return line_html(kind, index) if kind in KINDS else ""


@bp.get("/<kind>/pad")
@requires("parts")
def basket_pad(kind: str):
    """The basket's keypad and next step again (on ``basket-changed``)."""
    return render_template("parts/_basket_pad.html", **_basket(kind)) if kind in KINDS else ""


@bp.post("/<kind>/cancel")
@requires("parts")
def cancel(kind: str):
    """Drop the basket (nothing was written)."""
    if kind in KINDS:
        handover.cancel(current_staff(), kind)
    return scan_reply(_l("Cancelled: nothing was written."), True, panel(kind) if kind in KINDS else "")


@bp.get("/slip/<slip>")
@requires("parts")
def slip_page(slip: str):
    """The printable issue or return slip."""
    moves = stock.slip_moves(slip)
    if not moves:
        return render_template("parts/slip_missing.html", slip=slip), 404
    return render_template("parts/slip.html", slip=slip, moves=moves, first=moves[0],
                           back=url_for("parts.index"))
