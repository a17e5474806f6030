"""The parts counter's tables: barcodes of a part, the stock ledger, purchase
orders and stock counts.

Stock on hand is never stored: it is the sum of ``StockMove`` facts per part
and bin, so moves made on two offline kiosks add up (and may go negative,
which the counter shows as an exception).
"""
from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, DecimalField, ForeignKeyField, TextField

from kiosk.models.bay import PartsRequest
from kiosk.models.base import Fact, Record
from kiosk.models.people import Staff
from kiosk.models.workorders import JobLine, Part, WorkOrder, money

MOVE_KINDS = ("receipt", "issue", "return", "adjustment", "count")


def quantity(**kwargs):
    return DecimalField(max_digits=10, decimal_places=2, auto_round=True, **kwargs)


class PartBarcode(Record):
    """One code printed on a part's packaging (a part has several)."""

    part = ForeignKeyField(Part, backref="codes")
    code = CharField(index=True)
    symbology = CharField(default="")  # EAN13, Code128, Code39, DataMatrix … ("" unknown)


class PurchaseOrder(Record):
    number = CharField(index=True)
    supplier = CharField(default="")
    status = CharField(default="open")  # open, sent, received, cancelled
    created_at = DateTimeField()
    created_by = ForeignKeyField(Staff, null=True)
    note = TextField(default="")


class PurchaseOrderLine(Record):
    order = ForeignKeyField(PurchaseOrder, backref="lines")
    part = ForeignKeyField(Part, backref="order_lines")
    qty = quantity(default=1)
    # Ordered for a work order (配件订购): arrival is shown to its advisor and bay.
    work_order = ForeignKeyField(WorkOrder, null=True, backref="order_lines")
    job = ForeignKeyField(JobLine, null=True)
    request = ForeignKeyField(PartsRequest, null=True, backref="order_lines")
    status = CharField(default="ordered")  # ordered, arrived, cancelled


class StockMove(Fact):
    """One movement of stock; ``qty`` is signed (+ in, - out)."""

    part = ForeignKeyField(Part, backref="moves")
    bin = CharField(default="")
    qty = quantity()
    kind = CharField()  # one of MOVE_KINDS
    at = DateTimeField(index=True)
    staff = ForeignKeyField(Staff, null=True)
    receiver = ForeignKeyField(Staff, null=True)  # the technician who took the parts
    work_order = ForeignKeyField(WorkOrder, null=True, backref="stock_moves")
    job = ForeignKeyField(JobLine, null=True)
    request = ForeignKeyField(PartsRequest, null=True)
    order_line = ForeignKeyField(PurchaseOrderLine, null=True)
    unit_cost = money()
    unit_price = money()
    reason = TextField(default="")
    old_part = BooleanField(default=False)  # a returned warranty part kept for the claim
    slip = CharField(default="")  # groups the moves of one issue/return slip


class StockCount(Record):
    """Counting one bin: scans are ``CountScan`` facts; differences become adjustments."""

    bin = CharField(index=True)
    status = CharField(default="open")  # open, submitted, approved, rejected
    started_by = ForeignKeyField(Staff, null=True)
    started_at = DateTimeField()
    # Differences are taken against on-hand as of this moment (kiosk.services.counting).
    submitted_at = DateTimeField(null=True)
    decided_by = ForeignKeyField(Staff, null=True)
    decided_at = DateTimeField(null=True)


class CountScan(Fact):
    """One scan (or keyed quantity) while counting; an undo is a negative scan."""

    count = ForeignKeyField(StockCount, backref="scans")
    part = ForeignKeyField(Part)
    qty = quantity(default=1)
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField()
