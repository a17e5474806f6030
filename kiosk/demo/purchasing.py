"""The demo store's purchase order: a delivery on its way, to receive at the parts counter.

Lines for the demo parts, one of them ordered for the work order that waits
for parts (its front shock absorbers), so receiving the delivery shows the
order going back into repair. Made through kiosk.services.purchasing, so it
syncs like any other order.
"""
from __future__ import annotations

from kiosk.models import WorkOrder
from kiosk.services import purchasing

SUPPLIER = "上汽大众华东配件中心"
# part_no, qty: stock for the shelves
LINES = (("06L115562B", 10), ("5QD698151", 4), ("G052195M4", 6), ("5QD955427", 3))
FOR_WAITING_ORDER = ("5Q0413031", 2)


def seed_purchasing(manager, parts: dict) -> None:
    """One purchase order sent to the supplier, with a line for the order waiting for parts."""
    order = purchasing.create_order(SUPPLIER, staff=manager, note="演示")
    for part_no, qty in LINES:
        purchasing.add_line(order, parts[part_no], qty)
    waiting = (WorkOrder.select().where(WorkOrder.status == "waiting_parts").order_by(WorkOrder.number).first())
    part_no, qty = FOR_WAITING_ORDER
    purchasing.add_line(order, parts[part_no], qty, work_order=waiting)
    purchasing.send(order, staff=manager)
