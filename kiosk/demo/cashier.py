"""The demo store's cashier and delivery (issue #12): what a new user finds at ``/cashier/``.

- the workshop's ready order (更换防冻液和雨刮片) with its parts issued from stock: the one
  to settle first, then pay and hand back at ``/delivery/``;
- a second car ready to settle, with a part estimated but never issued (the warning);
- a settled order the customer paid a deposit on (settled, not paid);
- a delivered order, settled and paid (cash and WeChat), its follow-up due;
- 上海顺达物流有限公司, a fleet a manager allowed to pay on account (挂账), with its van settled
  on account, waiting for its driver: the car to hand back at ``/delivery/``.
"""
from __future__ import annotations

import datetime as dt

from kiosk.demo.data import JOBS
from kiosk.models import Part, Staff, WorkOrder
from kiosk.services import authorization, customers, delivery, payments, settlement, stock, workorders

FLEET = ("上海顺达物流有限公司", "13901771234")  # its fleet manager's mobile
# (customer, phone, plate, model, VIN, job keys, issue the estimated parts, how far it goes)
ORDERS = (
    ("钱志明", "13916620088", "沪AK5821", "大众 帕萨特", "LSVAU2A3XN2165821", ["maint", "ac"], False, "ready"),
    ("孙丽娟", "13761835502", "沪B3Q917", "大众 途观L", "LSVUY60T9P2113917", ["brakes"], True, "settled"),
    ("冯建国", "13817765523", "沪C72256", "大众 朗逸", "LSVNV2188N2072256", ["maint", "spark"], True, "delivered"),
    (FLEET[0], FLEET[1], "沪DF3090", "大众 威然", "LSVCZ6C46P2093090", ["maint"], True, "on_account"),
)


def _issue_estimated(order: WorkOrder, staff: dict[str, Staff]) -> None:
    """The parts counter hands the order's estimated parts to its technician."""
    lines = []
    for line in workorders.live_part_lines(order):
        part = Part.get_or_none(Part.part_no == line.part_no)
        if part is not None:
            lines.append((part, line.qty, line.job))
    if lines:
        stock.hand_over(order, lines, staff=staff["PRT-001"], receiver=staff["TEC-002"])


def _to_ready(vehicle, job_keys, staff, signature: str, issue: bool) -> WorkOrder:
    order = workorders.open_work_order(vehicle.customer, vehicle, advisor=staff["ADV-001"], complaint="常规保养",
                                       walkaround={"mileage": vehicle.mileage + 300}, staff=staff["ADV-001"])
    for key in job_keys:
        operation, description, hours, price, pay_type, lines = JOBS[key]
        job = workorders.add_job(order, description, hours, price, pay_type, operation)
        for part_no, qty in lines:
            part = Part.get(Part.part_no == part_no)
            workorders.add_part_line(order, part.name, qty, part.price, part_no, pay_type, job=job)
    authorization.authorize(order, signature, staff=staff["ADV-001"])
    workorders.move(order, "in_repair", staff=staff["FOR-001"])
    if issue:
        _issue_estimated(order, staff)
    for step in ("qc", "washing", "ready"):
        workorders.move(order, step, staff=staff["QC-001"])
    return order


def seed_cashier(staff: dict[str, Staff], signature: str, now: dt.datetime) -> None:
    """Orders at every step of the cashier's day (see the module's docstring)."""
    ready = (WorkOrder.select().where(WorkOrder.status == "ready").order_by(WorkOrder.number).first())
    if ready is not None:
        _issue_estimated(ready, staff)
    cashier, manager = staff["CSH-001"], staff["MGR-001"]
    for name, phone, plate, model, vin, keys, issue, step in ORDERS:
        customer = customers.find_or_create_customer(name, phone)
        vehicle = customers.create_vehicle(customer, plate, vin, model, mileage=41200)
        order = _to_ready(vehicle, keys, staff, signature, issue)
        if step == "ready":
            continue
        if step == "on_account":
            payments.allow_credit(customer, manager, note="车队月结")
        settled = settlement.settle(order, cashier, old_parts="returned" if step == "delivered" else "left",
                                    repair_type="maintenance")
        due = settled.customer_due
        if step == "settled":
            payments.pay(order, cashier, "200", "cash", reference="接车定金")
            continue
        if step == "on_account":  # charged to the fleet's account: its driver picks the van up
            payments.pay(order, cashier, due, "account", reference="车队月结")
            continue
        payments.pay(order, cashier, "300", "cash")
        payments.pay(order, cashier, due - 300, "wechat", reference="WX4200001")
        delivery.deliver(workorders.get_by_id(order.id), staff["ADV-001"], now=now)
