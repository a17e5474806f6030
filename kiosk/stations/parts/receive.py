"""Receive mode: a supplier's delivery booked against its purchase order by scanning.

Scan (or choose) the purchase order, then the parts that arrived: each scan
adds one, the keypad sets a line's quantity, undo takes one back. The basket
is kept per clerk (kiosk.services.drafts, across an idle logout) until
"Confirm", which books it in one transaction
(kiosk.services.purchasing.receive): stock receipts, lines arrived, requests
arrived, work orders back in repair. A part that is not on the order is taken
in as an extra line and marked so on the screen.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from flask import render_template, request
from kiosk.i18n import lazy_gettext as _l

from kiosk.access import current_staff, requires
from kiosk.models import Part, PurchaseOrder
from kiosk.services import drafts, purchasing, stock
from kiosk.services.errors import ServiceError
from kiosk.stations.parts import bp
from kiosk.stations.parts.scan import register_mode
from kiosk.templating import scan_reply

KEY = "parts_receive"


EMPTY = {"order": "", "lines": [], "current": -1, "done": ""}


def basket() -> dict:
    """The clerk's delivery in progress: the order, ``[part hex, qty]`` lines, the keypad's line
    (kept until confirmed or cancelled, see kiosk.services.drafts)."""
    return drafts.load(current_staff(), KEY, EMPTY)


def _save(data: dict) -> None:
    drafts.save(current_staff(), KEY, data)


def _order(data: dict) -> PurchaseOrder | None:
    return PurchaseOrder.get_or_none(PurchaseOrder.id == uuid.UUID(data["order"])) if data["order"] else None


def _lines(data: dict) -> list[tuple[Part, Decimal]]:
    parts = {p.id.hex: p for p in Part.select().where(Part.id.in_([uuid.UUID(h) for h, _q in data["lines"]]))}
    return [(parts[h], Decimal(q)) for h, q in data["lines"] if h in parts]


def panel() -> str:
    """The receive panel: open orders to choose from, or the order with its delivery so far."""
    data = basket()
    order = _order(data)
    lines = _lines(data)
    rows, on_order = [], set()
    if order is not None:
        scanned = {p.id: q for p, q in lines}
        for line in purchasing.lines_of(order):
            on_order.add(line.part_id)
            rows.append({"line": line, "received": purchasing.received_qty(line),
                         "now": scanned.pop(line.part_id, Decimal(0))})
    return render_template("parts/receive_panel.html", data=data, order=order, lines=lines, rows=rows,
                           on_order=on_order, orders=purchasing.open_orders() if order is None else [],
                           done=data.get("done", ""))


def _choose(order: PurchaseOrder):
    data = basket()
    if data["lines"] and data["order"] != order.id.hex:
        current = _order(data)
        raise ServiceError(_l("Confirm or cancel the delivery for %(number)s first.",
                              number=current.number if current else ""))
    if order.status not in ("open", "sent"):
        raise ServiceError(_l("Purchase order %(number)s is closed.", number=order.number))
    _save({"order": order.id.hex, "lines": data["lines"] if data["order"] == order.id.hex else [],
           "current": data.get("current", -1), "done": ""})
    return _l("Purchase order %(number)s: scan the parts that arrived.", number=order.number)


def _add(part: Part):
    data = basket()
    if not data["order"]:
        raise ServiceError(_l("Scan or choose the purchase order first."))
    for index, (key, qty) in enumerate(data["lines"]):
        if key == part.id.hex:
            break
    else:
        data["lines"].append([part.id.hex, "0"])
        index = len(data["lines"]) - 1
    count = Decimal(data["lines"][index][1]) + 1
    data["lines"][index][1], data["current"] = str(count), index
    _save(data)
    on_order = any(line.part_id == part.id for line in purchasing.lines_of(_order(data)))
    if not on_order:
        return _l("%(part_no)s is not on this order: it will be taken in as an extra line (%(count)s).",
                  part_no=part.part_no, count=count)
    return _l("%(part_no)s %(name)s: %(count)s received.", part_no=part.part_no, name=part.name, count=count)


@register_mode("receive", _l("Receive"), panel=panel, order=40)
def receive_scan(scan):
    """One scan in receive mode: a purchase-order number, or a part that arrived."""
    code = scan.code
    try:
        if code.text.upper().startswith(purchasing.PO_PREFIX):
            message = _choose(purchasing.get_order(code.text))
        elif code.kind == "part":
            message = _add(code.ref)
        elif code.kind == "unknown":
            return scan_reply(code.problem, False, panel() + render_template(
                "parts/_attach_offer.html", code=code.text))
        else:
            raise ServiceError(_l("In receive mode, scan the purchase order, then the parts that arrived."))
    except ServiceError as error:
        return scan_reply(error.message, False, panel())
    return scan_reply(message, True, panel())


def _answer(action):
    try:
        message, events = action()
    except ServiceError as error:
        return scan_reply(error.message, False, panel())
    return scan_reply(message, True, panel(), events=events)


@bp.post("/receive/order")
@requires("parts")
def receive_choose():
    """Choose the purchase order from the list (the same as scanning its number)."""
    return _answer(lambda: (_choose(purchasing.get_order(request.form.get("number", ""))), ()))


@bp.post("/receive/line/<int:index>/<action>")
@requires("parts")
def receive_line(index: int, action: str):
    """Undo one scan of a line, set its quantity from the keypad, or pick it for the keypad."""
    def act():
        data = basket()
        if not 0 <= index < len(data["lines"]):
            raise ServiceError(_l("This line is no longer in the delivery."))
        line = data["lines"][index]
        if action == "undo":
            count = Decimal(line[1]) - 1
            if count <= 0:
                data["lines"].pop(index)
                data["current"] = len(data["lines"]) - 1
            else:
                line[1] = str(count)
            message = _l("One scan undone.")
        elif action == "qty":
            count = stock.quantity_of(request.form.get("qty", ""))
            line[1], data["current"] = str(count), index
            message = _l("Quantity set to %(qty)s.", qty=count)
        elif action == "pick":
            data["current"], message = index, _l("Type the quantity on the keypad.")
        else:
            raise ServiceError(_l("This line is no longer in the delivery."))
        _save(data)
        return message, ()
    return _answer(act)


@bp.post("/receive/confirm")
@requires("parts")
def receive_confirm():
    """Book the delivery: stock in, lines and requests arrived, waiting cars back in repair."""
    def act():
        data = basket()
        order = _order(data)
        if order is None:
            raise ServiceError(_l("Scan or choose the purchase order first."))
        receipt = purchasing.receive(order, _lines(data), staff=current_staff())
        _save({"order": "", "lines": [], "current": -1, "done": order.number})
        message = _l("Delivery for %(number)s booked: %(moves)s receipt lines.", number=order.number,
                     moves=len(receipt.moves))
        if receipt.resumed:
            message = _l("%(message)s Parts arrived for %(orders)s: back in repair.", message=message,
                         orders=", ".join(o.number for o in receipt.resumed))
        return message, ("stock-changed", "workorder-changed")
    return _answer(act)


@bp.post("/receive/cancel")
@requires("parts")
def receive_cancel():
    """Drop the delivery in progress (nothing was booked) and choose another order."""
    _save({"order": "", "lines": [], "current": -1, "done": ""})
    return scan_reply(_l("Nothing was booked. Scan or choose a purchase order."), True, panel())
