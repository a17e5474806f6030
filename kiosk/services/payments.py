"""Payments as facts (issue #12): cash, WeChat Pay, Alipay, UnionPay, transfer, prepaid
card, or the customer's account (挂账, only for customers a manager allowed credit).

``pay(order, staff, amount, method, reference=..., approver=..., payer="customer")``
records one ``Payment``: several per order (a deposit at check-in, the rest at
pickup); a negative amount is a refund, needs a service manager's badge and queues
a red-letter invoice reversal. Balances are computed (``account(order)``), never
stored: two kiosks that took a payment offline both keep theirs after sync, and an
overpaid order shows in ``overpaid()`` as an exception to settle.

An insurer paying its share directly (直赔, claims #14) is ``pay(..., payer="insurance")``:
it counts against the insurance share, not the customer's balance; ``payer_account(order,
"insurance")`` says what the insurer owes and paid. ``statement(order)`` is the bill as the
cashier and the API read it; ``overpaid()`` the exceptions.
"""
from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from peewee import fn

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import CreditAccount, Customer, Payment, Staff, WorkOrder
from kiosk.models.cashier import PAYMENT_METHODS
from kiosk.services import billing, invoices, settlement
from sync import changelog

METHOD_LABELS = {"cash": _l("Cash"), "wechat": _l("WeChat Pay"), "alipay": _l("Alipay"),
                 "unionpay": _l("UnionPay card"), "transfer": _l("Bank transfer"), "prepaid": _l("Prepaid card"),
                 "account": _l("Customer account (on credit)")}
_NAMESPACE = uuid.UUID("6d1f6f0e-7a52-4c41-9a8a-2b1f0c1e0012")


def credit_id(customer: Customer) -> uuid.UUID:
    """The one id every node gives a customer's credit account (merged field by field)."""
    return uuid.uuid5(_NAMESPACE, f"credit:{customer.id.hex}")


def has_credit(customer: Customer) -> bool:
    row = CreditAccount.get_or_none(CreditAccount.id == credit_id(customer))
    return row is not None and row.allowed and not row.deleted


def allow_credit(customer: Customer, manager: Staff, allowed: bool = True, note: str = "") -> CreditAccount:
    """A manager allows (or stops) a customer paying on account."""
    if not settlement.is_manager(manager):
        raise ServiceError(_l("Only a service manager allows paying on account."), field="approver", status=403)
    with transaction():
        row = CreditAccount.get_or_none(CreditAccount.id == credit_id(customer))
        if row is None:
            row = CreditAccount(id=credit_id(customer), customer=customer, allowed=allowed, approver=manager, note=note)
            changelog.save(row)
        else:
            row.allowed, row.approver, row.note = allowed, manager, note
            changelog.save(row, fields=["allowed", "approver", "note"])
    return row


def amount_of(value) -> Decimal:
    """A typed or JSON amount as money (a refund is negative); refused when it is not a number."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(_l("Enter the amount in yuan, e.g. 120.50."), field="amount")
    if not number.is_finite() or number == 0 or number != number.quantize(billing.Q) or abs(number) >= 10**9:
        raise ServiceError(_l("Enter the amount in yuan, e.g. 120.50."), field="amount")
    return number


def pay(order: WorkOrder, staff: Staff | None, amount, method: str, *, reference: str = "",
        approver: Staff | None = None, payer: str = "customer", now=None) -> Payment:
    """Record one payment (or, negative, a refund) on ``order`` at ``now`` (UTC, default the
    present: the demo's history pays when its cars were handed back); see the module's docstring."""
    amount = amount_of(amount)
    if method not in PAYMENT_METHODS:
        raise ServiceError(_l("Choose how the customer pays."), field="method")
    if payer not in billing.PAYERS:
        raise ServiceError(_l("Choose who pays."), field="payer")
    if order.status == "cancelled":
        raise ServiceError(_l("Work order %(number)s is cancelled.", number=order.number), status=409)
    if method == "account" and not has_credit(order.customer):
        raise ServiceError(_l("%(name)s may not pay on account: a service manager must allow credit first.",
                              name=order.customer.name), field="method", status=409)
    if amount < 0 and not settlement.is_manager(approver):
        raise ServiceError(_l("A refund needs a service manager's badge."), field="approver", status=403)
    with transaction():
        row = Payment(work_order=order, amount=amount, method=method, payer=payer,
                      reference=" ".join(str(reference or "").split())[:60], staff=staff,
                      approver=approver if amount < 0 else None, at=now or times.utcnow())
        changelog.save(row)
        if amount < 0:
            invoices.red_letter(order, staff, amount)
    return row


def paid(order: WorkOrder, payer: str = "customer") -> Decimal:
    total = (Payment.select(fn.SUM(Payment.amount))
             .where((Payment.work_order == order) & (Payment.payer == payer)).scalar())
    return billing.money(total or 0)


def account(order: WorkOrder) -> dict:
    """The customer's side of the order: due (the settled share, else the live one), paid, balance."""
    live = settlement.current(order)
    due = live.customer_due if live else Decimal(billing.bill_of(order)["by_payer"]["customer"])
    got = paid(order)
    return {"due": billing.money(due), "paid": got, "balance": billing.money(due - got), "settled": live is not None}


def payer_account(order: WorkOrder, payer: str) -> dict:
    """Another payer's side of a settled order (the insurer's share paid to the store directly, 直赔;
    the manufacturer's warranty): its share on the frozen bill, what it paid, what is left."""
    live = settlement.current(order)
    share = Decimal(settlement.frozen_bill(live)["by_payer"].get(payer, "0")) if live else Decimal(0)
    got = paid(order, payer)
    return {"due": billing.money(share), "paid": got, "balance": billing.money(share - got),
            "settled": live is not None}


def statement(order: WorkOrder) -> dict:
    """The bill as the cashier and the API read it: the frozen bill once settled, else the live one,
    with the discount, the customer's due, paid and balance, and the settlement (or None)."""
    live = settlement.current(order)
    bill = settlement.frozen_bill(live) if live else billing.bill_of(order)
    money = account(order)
    return {**bill, "discount": live.discount if live else Decimal(0), "customer_due": money["due"],
            "paid": money["paid"], "balance": money["balance"],
            "settlement": {"number": live.number, "at": live.at, "version": live.version,
                           "old_parts": live.old_parts, "reason": live.discount_reason} if live else None}


def payments_of(order: WorkOrder) -> list[Payment]:
    return list(Payment.select().where(Payment.work_order == order).order_by(Payment.at))


def overpaid() -> list[tuple[WorkOrder, Decimal]]:
    """Orders the customer paid more than due (two kiosks took the rest offline): (order, excess)."""
    found = []
    ids = {p.work_order_id for p in Payment.select(Payment.work_order).distinct()}
    for order in WorkOrder.select().where(WorkOrder.id.in_(list(ids))) if ids else []:
        money = account(order)
        if money["settled"] and money["balance"] < 0:
            found.append((order, -money["balance"]))
    return found
