"""Ordering parts and receiving deliveries (配件订购, 到货).

What the store lacks becomes a purchase-order line: for a work order (from a
bay's parts request whose part is short, and the order then waits for parts)
or from the reorder list. A supplier delivery is received against its
purchase order by scanning what arrived; each arrival is a ``StockMove``
receipt fact, the lines it fills are marked arrived, the requests they were
ordered for turn "arrived", and a work order with nothing else awaited goes
back from waiting_parts to in_repair.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from kiosk.i18n import lazy_gettext as _l
from peewee import fn

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Part, PartsRequest, PurchaseOrder, PurchaseOrderLine, StockMove, WorkOrder
from kiosk.services import workorders
from kiosk.services.catalogue import find_part
from kiosk.core.errors import NotFound, ServiceError
from kiosk.services.numbers import next_number
from kiosk.core.prepared import Prepared
from kiosk.services.stock import quantity_of
from sync import changelog

PO_PREFIX = "PO-"
ZERO = Decimal(0)


def on_hand_by_part(before: dt.datetime | None = None) -> dict:
    """Sellable stock of every part (all bins) in one query: ``{part_id: qty}``
    (kiosk.services.stock.on_hand for one part; old warranty parts are not stock)."""
    query = (StockMove.select(StockMove.part, fn.SUM(StockMove.qty).alias("qty"))
             .where(StockMove.old_part == False).group_by(StockMove.part))  # noqa: E712
    if before is not None:
        query = query.where(StockMove.at <= before)
    return {row.part_id: Decimal(str(row.qty or 0)) for row in query}


def received_qty(line: PurchaseOrderLine) -> Decimal:
    """How much of ``line`` has arrived (its receipt facts)."""
    total = (StockMove.select(fn.SUM(StockMove.qty))
             .where((StockMove.order_line == line) & (StockMove.kind == "receipt")).scalar())
    return Decimal(str(total or 0))


def on_order_by_part() -> dict:
    """What is ordered and not yet arrived, per part: ``{part_id: qty}``."""
    lines = (PurchaseOrderLine.select(PurchaseOrderLine, PurchaseOrder).join(PurchaseOrder)
             .where((PurchaseOrderLine.status == "ordered") & (PurchaseOrderLine.deleted == False)  # noqa: E712
                    & (PurchaseOrder.status.in_(("open", "sent")))))
    out: dict = {}
    for line in lines:
        out[line.part_id] = out.get(line.part_id, ZERO) + max(line.qty - received_qty(line), ZERO)
    return out


def get_order(number: str) -> PurchaseOrder:
    """The purchase order with this number (as printed or typed, any case)."""
    text = (number or "").strip().upper()
    order = PurchaseOrder.get_or_none((PurchaseOrder.number == text) & (PurchaseOrder.deleted == False))  # noqa: E712
    if order is None:
        raise NotFound(_l("No purchase order %(number)s on this kiosk.", number=text), field="number")
    return order


def open_orders() -> list[PurchaseOrder]:
    """Purchase orders still expecting goods, newest first."""
    return list(PurchaseOrder.select()
                .where(PurchaseOrder.status.in_(("open", "sent")) & (PurchaseOrder.deleted == False))  # noqa: E712
                .order_by(PurchaseOrder.created_at.desc()))


def lines_of(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The order's lines with their parts, in the order they were added."""
    return list(PurchaseOrderLine.select(PurchaseOrderLine, Part).join(Part)
                .where((PurchaseOrderLine.order == order) & (PurchaseOrderLine.deleted == False))  # noqa: E712
                .order_by(PurchaseOrderLine.id))


def create_order(supplier: str = "", staff=None, note: str = "") -> PurchaseOrder:
    """A new, open purchase order; its number carries the node prefix like a work order's."""
    with transaction():
        order = PurchaseOrder(number=PO_PREFIX + next_number("PO"), supplier=(supplier or "").strip(),
                              created_at=times.utcnow(), created_by=staff, note=(note or "").strip())
        changelog.save(order)
    return order


def draft_order(staff=None) -> PurchaseOrder:
    """The open (not yet sent) purchase order new lines go on; a new one when there is none."""
    found = (PurchaseOrder.select().where((PurchaseOrder.status == "open") & (PurchaseOrder.deleted == False))  # noqa: E712
             .order_by(PurchaseOrder.created_at.desc()).first())
    return found or create_order(staff=staff)


def add_line(order: PurchaseOrder, part: Part, qty, *, work_order=None, job=None, request=None,
             status: str = "ordered") -> PurchaseOrderLine:
    """One part on a purchase order, for a work order when it was ordered for one."""
    if order.status not in ("open", "sent"):
        raise ServiceError(_l("Purchase order %(number)s is closed.", number=order.number), status=409)
    amount = quantity_of(qty)
    with transaction():
        line = PurchaseOrderLine(order=order, part=part, qty=amount, work_order=work_order, job=job,
                                 request=request, status=status)
        changelog.save(line)
    return line


def order_parts(items, staff=None) -> PurchaseOrder:
    """Put ``[(part, qty), …]`` (the reorder list) on the draft purchase order, all or nothing."""
    if not items:
        raise ServiceError(_l("Nothing is below its reorder point."))
    with transaction():
        order = draft_order(staff)
        for part, qty in items:
            add_line(order, part, qty)
    return order


def order_request(request: PartsRequest, staff=None, order: PurchaseOrder | None = None) -> PurchaseOrderLine:
    """Order what a bay asked for and the store lacks (配件订购).

    The shortfall (asked for minus on hand) goes on the draft purchase order,
    the request turns "ordered", and a work order in repair waits for parts.
    """
    if request.status != "requested":
        raise ServiceError(_l("This parts request is already %(status)s.", status=request.status), status=409)
    part = find_part(request.part_no)
    if part is None:
        raise ServiceError(_l("Part %(part)s is not in the catalogue. Add it first.", part=request.part_no),
                           field="part_no")
    short = request.qty - max(on_hand_by_part().get(part.id, ZERO), ZERO)
    if short <= 0:
        raise ServiceError(_l("%(part)s is in stock: issue it instead of ordering.", part=part.part_no),
                           status=409)
    with transaction():
        line = add_line(order or draft_order(staff), part, short, work_order=request.work_order,
                        job=request.job, request=request)
        request.status = "ordered"
        changelog.save(request, fields=["status"])
        work_order = request.work_order
        if work_order.status == "in_repair":
            workorders.move(work_order, "waiting_parts", staff=staff, note=part.part_no)
    return line


def send(order: PurchaseOrder, staff=None) -> PurchaseOrder:
    """The order went to the supplier: no more lines are added to it as the draft."""
    if order.status != "open":
        raise ServiceError(_l("Purchase order %(number)s was already sent.", number=order.number), status=409)
    if not lines_of(order):
        raise ServiceError(_l("Add at least one part before sending the order."))
    with transaction():
        order.status = "sent"
        changelog.save(order, fields=["status"])
    return order


def waiting_parts(order: WorkOrder) -> list[PurchaseOrderLine]:
    """The lines ordered for ``order`` that have not arrived (for the board and reception)."""
    return list(PurchaseOrderLine.select(PurchaseOrderLine, Part, PurchaseOrder)
                .join(Part).switch(PurchaseOrderLine).join(PurchaseOrder)
                .where((PurchaseOrderLine.work_order == order) & (PurchaseOrderLine.status == "ordered")
                       & (PurchaseOrderLine.deleted == False))  # noqa: E712
                .order_by(PurchaseOrderLine.id))


def arrived_for(order: WorkOrder) -> list[PurchaseOrderLine]:
    """The lines ordered for ``order`` that have arrived (shown until the parts are issued)."""
    return list(PurchaseOrderLine.select(PurchaseOrderLine, Part).join(Part)
                .where((PurchaseOrderLine.work_order == order) & (PurchaseOrderLine.status == "arrived")
                       & (PurchaseOrderLine.deleted == False))  # noqa: E712
                .order_by(PurchaseOrderLine.id))


# The work-order page asks on every view: its SQL is built once.
_ON_ORDER = Prepared(lambda slot: (
    PurchaseOrderLine.select(PurchaseOrderLine, Part).join(Part)
    .where((PurchaseOrderLine.work_order == slot(PurchaseOrderLine.work_order))
           & PurchaseOrderLine.status.in_(("ordered", "arrived"))
           & (PurchaseOrderLine.deleted == False))  # noqa: E712
    .order_by(PurchaseOrderLine.id)))


def on_order(order: WorkOrder) -> list[PurchaseOrderLine]:
    """The lines ordered for ``order``, waiting or arrived, with their parts (one query)."""
    return _ON_ORDER.rows(order.id)


@dataclass
class Receipt:
    """What one confirmed delivery did: its moves, the lines it filled, lines not on the order."""

    moves: list = field(default_factory=list)
    arrived: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    resumed: list = field(default_factory=list)  # work orders back in repair


def _take(order: PurchaseOrder, part: Part, qty: Decimal) -> list[tuple[PurchaseOrderLine, Decimal]]:
    """Share ``qty`` of ``part`` among the order's open lines: work orders first (a car waits), then oldest."""
    lines = [line for line in lines_of(order) if line.part_id == part.id and line.status == "ordered"]
    lines.sort(key=lambda line: (line.work_order_id is None, line.id))
    out = []
    for line in lines:
        if qty <= 0:
            break
        portion = min(qty, line.qty - received_qty(line))
        if portion > 0:
            out.append((line, portion))
            qty -= portion
    if qty > 0:
        out.append((None, qty))
    return out


def receive(order: PurchaseOrder, counted, staff=None) -> Receipt:
    """Book a delivery against ``order``: ``counted`` is ``[(part, qty), …]`` as scanned.

    A part that is not on the order (or more than was ordered) is still taken
    into stock: it is on the shelf, so the ledger must say so. It is added to
    the order as an extra line, already arrived, and the screen says so.
    """
    if order.status not in ("open", "sent"):
        raise ServiceError(_l("Purchase order %(number)s is closed.", number=order.number), status=409)
    totals: dict = {}
    for part, qty in counted:
        totals[part] = totals.get(part, ZERO) + quantity_of(qty)
    if not totals:
        raise ServiceError(_l("Scan the parts that arrived first."))
    receipt, now = Receipt(), times.utcnow()
    with transaction():
        for part, qty in totals.items():
            for line, portion in _take(order, part, qty):
                if line is None:
                    line = add_line(order, part, portion, status="arrived")
                    receipt.extra.append(line)
                move = StockMove(part=part, bin=part.bin, qty=portion, kind="receipt", at=now, staff=staff,
                                 work_order=line.work_order, job=line.job, request=line.request,
                                 order_line=line, unit_cost=part.cost, unit_price=part.price,
                                 slip=order.number)
                changelog.save(move)
                receipt.moves.append(move)
                if line.status == "ordered" and received_qty(line) >= line.qty:
                    _arrived(line, receipt)
        _resume_work_orders(receipt, staff, order.number)
        if not PurchaseOrderLine.select().where((PurchaseOrderLine.order == order)
                                                & (PurchaseOrderLine.status == "ordered")
                                                & (PurchaseOrderLine.deleted == False)).exists():  # noqa: E712
            order.status = "received"
            changelog.save(order, fields=["status"])
    return receipt


def _arrived(line: PurchaseOrderLine, receipt: Receipt) -> None:
    line.status = "arrived"
    changelog.save(line, fields=["status"])
    receipt.arrived.append(line)
    request = line.request
    if request is not None and request.status == "ordered":
        request.status = "arrived"
        changelog.save(request, fields=["status"])


def _resume_work_orders(receipt: Receipt, staff, note: str) -> None:
    """Work orders whose last awaited part arrived go back in repair."""
    seen = set()
    for line in receipt.arrived:
        order = line.work_order
        if order is None or order.id in seen:
            continue
        seen.add(order.id)
        order = WorkOrder.get_by_id(order.id)  # fresh: an earlier line may have moved it
        if order.status == "waiting_parts" and not waiting_parts(order):
            workorders.move(order, "in_repair", staff=staff, note=note)
            receipt.resumed.append(order)
