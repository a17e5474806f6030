"""What the cashier's station lists: the orders ready to settle, the ones settled but not
paid, the overpaid ones (two kiosks took the rest offline), and finding an order by
its tag or the car's plate."""
from __future__ import annotations

from kiosk.core.errors import NotFound
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import CreditAccount, Customer, Vehicle, WorkOrder
from kiosk.services import customers, payments

# Orders the cashier looks at: ready to settle, settled (maybe unpaid), delivered on account.
AT_THE_CASHIER = ("ready", "settled")


def _orders(statuses) -> list[WorkOrder]:
    return list(WorkOrder.select(WorkOrder, Vehicle, Customer).join(Vehicle).switch(WorkOrder).join(Customer)
                .where(WorkOrder.status.in_(list(statuses)) & (WorkOrder.deleted == False))  # noqa: E712
                .order_by(WorkOrder.promised_at.asc(nulls="LAST"), WorkOrder.opened_at))


def ready() -> list[WorkOrder]:
    """QC passed and washed: waiting to be settled, the earliest promise first."""
    return _orders(["ready"])


def unpaid() -> list[tuple[WorkOrder, dict]]:
    """Settled with a balance still due, or handed back on account and not paid yet: (order, its
    account). Only the customers allowed credit are looked at among the cars handed back (a
    store's year of delivered orders is not summed on every view of the queue)."""
    credit = {row.id for row in CreditAccount.select(CreditAccount.id)
              .where((CreditAccount.allowed == True) & (CreditAccount.deleted == False))}  # noqa: E712
    handed = [o for o in _orders(["delivered", "followed_up"]) if payments.credit_id(o.customer) in credit]
    found = []
    for order in _orders(["settled"]) + handed:
        money = payments.account(order)
        if money["balance"] > 0:
            found.append((order, money))
    return found


def find(text: str) -> list[WorkOrder]:
    """The cashier's orders of the cars whose plate (or phone) matches ``text``, else NotFound."""
    vehicles = customers.find_vehicles(text)
    ids = [v.id for v in vehicles]
    orders = [o for o in _orders(AT_THE_CASHIER + ("delivered",)) if o.vehicle_id in ids] if ids else []
    if not orders:
        raise NotFound(_l("No work order at the cashier for “%(text)s”.", text=text))
    return orders


def waiting_delivery() -> list[WorkOrder]:
    """Settled cars waiting for their customers (the delivery list)."""
    return _orders(["settled"])
