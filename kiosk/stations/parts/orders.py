"""Purchase orders at the counter: order what the bays asked for and the store
lacks, open an order, add parts by code, send it to the supplier.

Plain forms (post, then back to the page with a message), so they work the
same with or without htmx; a refused form keeps the person's input and says why.
"""
from __future__ import annotations

import uuid

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.access import current_staff, go_to, requires
from kiosk.models import PartsRequest
from kiosk.services import purchasing
from kiosk.services.catalogue import find_part
from kiosk.core.errors import ServiceError
from kiosk.stations.parts import bp


def _orderable() -> list[PartsRequest]:
    """Requests from the bays still waiting at the counter (the clerk orders the ones not in stock)."""
    return list(PartsRequest.select().where((PartsRequest.status == "requested")
                                            & (PartsRequest.deleted == False))  # noqa: E712
                .order_by(PartsRequest.requested_at))


@bp.get("/orders")
@requires("parts")
def orders():
    """Open purchase orders and the bays' requests that can be ordered."""
    stock = purchasing.on_hand_by_part()
    rows = []
    for item in _orderable():
        part = find_part(item.part_no)
        rows.append((item, part, stock.get(part.id, 0) if part else None))
    return render_template("parts/orders_page.html", orders=purchasing.open_orders(), requests=rows)


@bp.post("/orders/new")
@requires("parts")
def orders_new():
    """Open a new purchase order for a supplier."""
    order = purchasing.create_order(request.form.get("supplier", ""), staff=current_staff())
    return go_to(url_for("parts.orders_detail", number=order.number))


@bp.post("/requests/<request_id>/order")
@requires("parts")
def order_request(request_id: str):
    """Order the shortfall of a bay's request; its work order then waits for parts."""
    try:
        found = PartsRequest.get_or_none(PartsRequest.id == uuid.UUID(request_id))
    except ValueError:
        found = None
    try:
        if found is None:
            raise ServiceError(_("This parts request is no longer open."))
        line = purchasing.order_request(found, staff=current_staff())
    except ServiceError as error:
        flash(str(error.message), "error")
    else:
        flash(_("%(part_no)s × %(qty)s ordered on %(number)s for work order %(wo)s.", part_no=line.part.part_no,
                qty=line.qty, number=line.order.number, wo=found.work_order.number), "success")
    return go_to(url_for("parts.orders"))


def _detail(order, *, errors=None, form=None, status=200):
    return render_template("parts/orders_detail.html", order=order, lines=purchasing.lines_of(order),
                           received={line.id: purchasing.received_qty(line) for line in purchasing.lines_of(order)},
                           errors=errors or {}, form=form or {}), status


@bp.get("/orders/<number>")
@requires("parts")
def orders_detail(number: str):
    """One purchase order with its lines."""
    return _detail(_order_or_back(number))


def _order_or_back(number: str):
    """The purchase order, or the request ends back at the list, saying it does not exist."""
    try:
        return purchasing.get_order(number)
    except ServiceError as error:
        flash(str(error.message), "error")
        abort(go_to(url_for("parts.orders")))


@bp.post("/orders/<number>/lines")
@requires("parts")
def orders_add_line(number: str):
    """Add a part (by any of its numbers or barcodes) to the order."""
    order = _order_or_back(number)
    part = find_part(request.form.get("code", ""))
    try:
        if part is None:
            raise ServiceError(_("No part with this number or barcode."), field="code")
        purchasing.add_line(order, part, request.form.get("qty", ""))
    except ServiceError as error:
        return _detail(order, errors={error.field or "_": error.message}, form=request.form, status=422)
    flash(_("%(part_no)s added.", part_no=part.part_no), "success")
    return go_to(url_for("parts.orders_detail", number=order.number))


@bp.post("/orders/<number>/send")
@requires("parts")
def orders_send(number: str):
    """Mark the order sent to the supplier."""
    try:
        order = purchasing.send(purchasing.get_order(number), staff=current_staff())
    except ServiceError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Purchase order %(number)s is sent.", number=order.number), "success")
    return go_to(url_for("parts.orders_detail", number=number))
