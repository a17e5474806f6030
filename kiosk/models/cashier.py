"""The cashier's tables (issue #12): settlements, payments, invoice requests, the
e-health archive records, the day-end close, credit accounts and loan-car notices.

Everything that is money is a ``Fact``: a settlement is never edited (a
correction is a reversal fact and a new version), a payment is never edited (a
refund is a negative payment), so two offline cashiers' writes both survive a
merge. Balances, takings and "paid" are computed from these facts, never stored.

Readers elsewhere: claims (#14) reads a settlement's frozen bill (``bill`` JSON,
its warranty and insurance lines) and settles the insurer's share through
``kiosk.services.settlement``; the figures (#15) read revenue by payer from the
live settlements (``kiosk.services.settlement.revenue_by_payer``).
"""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from kiosk.models.base import Fact, Record
from kiosk.models.people import Customer, Staff
from kiosk.models.workorders import WorkOrder, money

PAYMENT_METHODS = ("cash", "wechat", "alipay", "unionpay", "transfer", "prepaid", "account")


class Settlement(Fact):
    """The bill of an order frozen at settling (kind "settlement"), or the reversal of one
    (kind "reversal", ``reverses`` = the settled fact's id hex) by a manager."""

    work_order = ForeignKeyField(WorkOrder, backref="settlements")
    number = CharField(index=True)  # node prefix + day + counter: unique without coordination
    version = IntegerField(default=1)
    kind = CharField(default="settlement")  # "settlement" | "reversal"
    reverses = CharField(default="")
    at = DateTimeField(index=True)  # UTC
    staff = ForeignKeyField(Staff, null=True)
    approver = ForeignKeyField(Staff, null=True)  # the manager: discount above the limit, a reversal
    bill = TextField(default="{}")  # JSON: kiosk.services.billing.bill_of(...) as text, frozen
    total = money()
    discount = money()
    discount_reason = TextField(default="")
    customer_due = money()  # the customer's share after the discount
    old_parts = CharField(default="none")  # "returned" to the customer, "left" with the store, "none"
    note = TextField(default="")


class Payment(Fact):
    """Money taken for an order (a refund is negative and names its approver)."""

    work_order = ForeignKeyField(WorkOrder, backref="payments")
    amount = money()
    method = CharField()  # one of PAYMENT_METHODS
    payer = CharField(default="customer")  # "insurance" for an insurer paying its share directly (直赔)
    reference = CharField(default="")  # the terminal's or the transfer's reference
    staff = ForeignKeyField(Staff, null=True)
    approver = ForeignKeyField(Staff, null=True)
    at = DateTimeField(index=True)
    note = TextField(default="")


class InvoiceRequest(Fact):
    """An invoice (发票) to be issued by the store's invoicing system, or its red-letter
    reversal (kind "red") after a refund. Queued until exported (kiosk.services.invoices)."""

    work_order = ForeignKeyField(WorkOrder, backref="invoice_requests")
    settlement_number = CharField(default="")
    kind = CharField(default="blue")  # "blue" (normal) | "red" (reversal)
    title = CharField(default="")  # the buyer's name (抬头)
    tax_no = CharField(default="")  # 纳税人识别号; "" for a personal invoice
    personal = BooleanField(default=False)
    payer = CharField(default="customer")
    amount = money()
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField(index=True)


class EhealthRecord(Fact):
    """The repair record for the vehicle maintenance e-health archive (汽车维修电子健康档案)."""

    work_order = ForeignKeyField(WorkOrder, backref="ehealth_records")
    settlement_number = CharField(default="")
    payload = TextField(default="{}")  # JSON, the documented export line (kiosk.services.ehealth)
    at = DateTimeField(index=True)


class DayClose(Fact):
    """A cashier's day-end close: cash counted against the day's cash payments."""

    staff = ForeignKeyField(Staff, null=True)
    day = DateField(index=True)  # the store's date
    cash_expected = money()
    cash_counted = money()
    takings = TextField(default="{}")  # JSON {method: amount} as text
    at = DateTimeField()
    note = TextField(default="")


class CreditAccount(Record):
    """A customer a manager allowed to pay on account (挂账: a fleet). One row per customer
    (its id derived from the customer's, kiosk.services.payments.credit_id)."""

    customer = ForeignKeyField(Customer, backref="credit_accounts")
    allowed = BooleanField(default=True)
    approver = ForeignKeyField(Staff, null=True)
    note = TextField(default="")


class LoanCarNotice(Fact):
    """The advisor was told that a warranty car's customer is due a loan car or transport
    costs (more than 5 days in the shop); recorded on the order."""

    work_order = ForeignKeyField(WorkOrder, backref="loan_car_notices")
    days = IntegerField(default=0)
    at = DateTimeField()
    advisor = ForeignKeyField(Staff, null=True)
