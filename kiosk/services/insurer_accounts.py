"""What each insurer owes the store on direct-billed repairs (直赔) and its payments.

One rule with the cashier (#12): the insurer's share is the insurance share of the
order's frozen bill (which follows ``kiosk.services.insurance.insurer_share``), its
payments are ``kiosk.services.payments.pay(..., payer="insurance")``, and what it
still owes is ``payments.payer_account(order, "insurance")``. The claims desk's
receivables list only reads that account, per insurer, aged from the delivery.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Delivery, Payment
from kiosk.models.claims import InsuranceCase
from kiosk.services import claim_codes, payments

ZERO = Decimal("0.00")


def record_payment(case: InsuranceCase, amount, reference: str = "", staff=None) -> Payment:
    """The insurer paid (part of) its share: a payment of payer ``insurance`` on the case's order."""
    value = claim_codes.money(amount, "amount")
    if value <= 0:
        raise ServiceError(_l("Enter an amount in yuan, e.g. 120.50."), field="amount")
    return payments.pay(case.work_order, staff, value, "transfer", reference=reference, payer="insurance")


def receivables(today: dt.date | None = None, until: dt.datetime | None = None, of_orders=None) -> list[dict]:
    """What each insurer owes on direct-billed, delivered orders: the open cases with their age.
    ``until`` (UTC): as it stood then (deliveries and payments before it; the figures' period end).
    ``of_orders``: the cases of those work orders only (a subquery of ids: a group's store)."""
    today = today or times.today()
    by_insurer: dict = {}
    cases = InsuranceCase.select().where((InsuranceCase.deleted == False)  # noqa: E712
                                         & (InsuranceCase.direct_billing == True))  # noqa: E712
    if of_orders is not None:
        cases = cases.where(InsuranceCase.work_order.in_(of_orders))
    for case in cases:
        delivered = Delivery.select().where(Delivery.work_order == case.work_order_id).order_by(Delivery.at).first()
        if delivered is None or (until is not None and delivered.at >= until):
            continue
        owed = payments.payer_account(case.work_order, "insurance")
        paid = owed["paid"] if until is None else _paid_before(case, until)
        due = owed["due"] - paid
        if due <= 0:
            continue
        entry = by_insurer.setdefault(case.insurer, {"insurer": case.insurer, "due": ZERO, "cases": []})
        entry["due"] += due
        entry["cases"].append({"case": case, "due": due, "paid": paid,
                               "age_days": (today - times.local_date(delivered.at)).days})
    return sorted(by_insurer.values(), key=lambda e: -e["due"])


def _paid_before(case: InsuranceCase, until: dt.datetime) -> Decimal:
    """The insurer's payments on the case's order made before ``until``."""
    rows = Payment.select(Payment.amount).where((Payment.work_order == case.work_order_id)
                                                & (Payment.payer == "insurance") & (Payment.at < until))
    return sum((row.amount for row in rows), ZERO)
