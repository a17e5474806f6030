"""Orders for the cashier's tests: signed, parts issued from stock, moved on to ``ready``."""
from __future__ import annotations

import itertools

from kiosk.demo import with_check_digit
from kiosk.services import authorization, customers, parts, staff as staff_service, stock, workorders

_n = itertools.count(1)


def technician():
    n = next(_n)
    return staff_service.create_staff(f"技师{n}", f"TEC-C{n}", ["technician"], "2468")


def part(part_no="06L115562B", name="机油滤清器", price="68.00", qty=10):
    """A catalogue part with ``qty`` in stock."""
    made = parts.create_part(part_no, name, price=price, cost="40", bin="A-01-01")
    stock.receive(made, qty)
    return made


def ready_order(jobs=({"description": "更换机油机滤", "sold_hours": "1", "price": "200"},), issue=(),
                *, status="ready", estimated=(), customer=("张先生", "13812345678"), plate=None, **walk):
    """An order with ``jobs``, the customer's signature, ``issue`` = [(part, qty, job index or None)]
    taken from stock, ``estimated`` part lines [(part_no, qty, job index or None)], moved to ``status``."""
    n = next(_n)
    person = customers.find_or_create_customer(*customer)
    vehicle = customers.create_vehicle(person, plate or f"沪B·C{n:04d}", vin=with_check_digit(f"LSVAB2BM{n:09d}"),
                                       model="大众 朗逸")
    order = workorders.open_work_order(person, vehicle, complaint="保养", jobs=[dict(j) for j in jobs],
                                       walkaround={"mileage": 30000, **walk})
    lines = workorders.live_jobs(order)
    for part_no, qty, index in estimated:
        workorders.add_part_line(order, part_no=part_no, qty=qty, job=lines[index] if index is not None else None)
    authorization.authorize(order, "0" * 64)
    if issue:
        stock.hand_over(order, [(p, q, lines[i] if i is not None else None) for p, q, i in issue],
                        receiver=technician())
    path = ["in_repair", "qc", "washing", "ready", "settled", "delivered"]
    for target in path[: path.index(status) + 1] if status in path else []:
        workorders.move(order, target)
    return workorders.get_by_id(order.id)
