"""Building the estimate at reception: the labour catalogue and parts catalogue searches, a
service package in one tap, editing a line's hours, price or payer, a part's barcode scanned
on the page, and the customer's decline of the changes since the last signature.

Views stay thin: each reads the form, calls one service, and answers with its section (see
kiosk.stations.reception.workorder: ``_write``, ``_show``).
"""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from kiosk.access import current_staff, go_to, requires
from kiosk.services import authorization, labour, packages, parts, stock, workorders
from kiosk.services.errors import ServiceError
from kiosk.stations.reception import bp
from kiosk.stations.reception.desk import work_order_url
from kiosk.stations.reception.workorder import _refused, _show, _write, with_order
from kiosk.stations.scan_helpers import answer_unknown, not_used_here, reply, scan_from_request

SEARCH_LIMIT = 8


@bp.get("/work-orders/<number>/labour-search")
@requires("reception")
@with_order
def labour_search(order):
    """The labour catalogue search as you type: code, name, pinyin initials."""
    query = request.args.get("q", "").strip()
    pay_type = request.args.get("pay_type", "customer")
    if pay_type not in workorders.PAY_TYPES:
        pay_type = "customer"
    found = [(op, labour.price(op, pay_type)) for op in labour.search(query, SEARCH_LIMIT)] if query else None
    return render_template("reception/workorder/_labour_results.html", order=order, results=found, query=query)


@bp.get("/work-orders/<number>/part-search")
@requires("reception")
@with_order
def part_search(order):
    """The parts catalogue search as you type: number, barcode, name; with stock on hand."""
    query = request.args.get("q", "").strip()
    found = [(p, stock.on_hand(p)) for p in parts.search(query, SEARCH_LIMIT)] if query else None
    return render_template("reception/workorder/_part_results.html", order=order, results=found, query=query)


def _job_of(order):
    job_id = request.form.get("job", "")
    return workorders.get_job(order, job_id) if job_id else None


@bp.post("/work-orders/<number>/jobs/<job_id>/edit")
@requires("reception")
@with_order
def edit_job(order, job_id):
    form = request.form
    return _write(order, "jobs", lambda: workorders.update_job(
        workorders.get_job(order, job_id), sold_hours=form.get("sold_hours", ""), price=form.get("price", ""),
        pay_type=form.get("pay_type"), staff=current_staff()), _("Job changed."))


@bp.post("/work-orders/<number>/parts/<line_id>/edit")
@requires("reception")
@with_order
def edit_part(order, line_id):
    form = request.form
    return _write(order, "parts", lambda: workorders.update_part_line(
        workorders.get_part_line(order, line_id), qty=form.get("qty", ""), unit_price=form.get("unit_price", ""),
        pay_type=form.get("pay_type"), staff=current_staff()), _("Part changed."))


@bp.post("/work-orders/<number>/packages/<code>")
@requires("reception")
@with_order
def add_package(order, code):
    """One tap: every job and part of the package onto the estimate."""
    try:
        package = packages.get(code)
        packages.add_to_order(order, package, staff=current_staff())
    except ServiceError as error:
        return _refused(order, "packages", error)
    return _show(order, "packages", changed=_("Package added: %(name)s.", name=package.name))


@bp.post("/work-orders/<number>/decline-changes")
@requires("reception")
@with_order
def decline_changes(order):
    """The customer declined the changes since the last signed version."""
    return _write(order, "signature", lambda: authorization.decline_changes(
        order, staff=current_staff(), note=request.form.get("note", "")),
        _("Recorded: the customer declined the changes. The estimate is back to the signed version."))


@bp.post("/work-orders/<number>/scan")
@requires("reception")
@with_order
def work_order_scan(order):
    """A code scanned on the work-order page: a part's barcode adds it to the estimate; a
    work-order or job tag opens that order."""
    done = scan_from_request("reception")
    unknown = answer_unknown(done)
    if unknown is not None:
        return unknown
    if done.kind in ("work_order", "job_line"):
        found = done.code.ref if done.kind == "work_order" else done.code.ref.work_order
        return go_to(work_order_url(found.number))
    if done.kind != "part":
        return not_used_here(done)
    part = done.code.ref
    try:
        line = workorders.add_part_line(order, part_no=part.part_no, staff=current_staff())
    except ServiceError as error:
        return reply(error.message, False)
    response = _show(order, "parts", changed=_("Part added: %(part)s.", part=f"{line.part_no} {line.description}"))
    response.headers["HX-Retarget"] = "#parts"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.post("/work-orders/<number>/parts")
@requires("reception")
@with_order
def add_part(order):
    """The parts form: a catalogue part (number or barcode) or, said explicitly, one not in it."""
    return _write(order, "parts", lambda: _add_part_from_form(order), _("Part added."))


def _add_part_from_form(order):
    form = request.form
    odd = form.get("non_catalogue") == "1"
    return workorders.add_part_line(order, description=form.get("description", "") if odd else "",
                                    qty=form.get("qty", ""), unit_price=form.get("unit_price", "") if odd else None,
                                    part_no=form.get("part_no", ""), pay_type=form.get("pay_type", "customer"),
                                    job=_job_of(order), non_catalogue=odd, staff=current_staff())
