"""Appointments, work orders (维修委托书), their job lines and estimated parts."""
from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from kiosk.models.base import DEFAULT_FALSE, DEFAULT_TEXT, Fact, Record
from kiosk.models.people import Customer, Staff, Vehicle


def money():
    return DecimalField(max_digits=12, decimal_places=2, auto_round=True, default=0)


class Appointment(Record):
    customer = ForeignKeyField(Customer, backref="appointments")
    vehicle = ForeignKeyField(Vehicle, backref="appointments")
    advisor = ForeignKeyField(Staff, null=True, backref="appointments")
    scheduled_at = DateTimeField(index=True)
    service = TextField(default="")
    status = CharField(default="booked")  # booked, checked_in, cancelled, no_show
    work_order_id = CharField(default="")  # set on check-in (UUID of the order)


class WorkOrder(Record):
    number = CharField(index=True)
    customer = ForeignKeyField(Customer, backref="work_orders")
    vehicle = ForeignKeyField(Vehicle, backref="work_orders")
    advisor = ForeignKeyField(Staff, null=True, backref="work_orders")
    status = CharField(default="checked_in", index=True)
    opened_at = DateTimeField()
    promised_at = DateTimeField(null=True)
    # Walk-around (环车检查)
    mileage = IntegerField(default=0)
    fuel_eighths = IntegerField(default=4)
    damage = TextField(default="[]")  # JSON list of {"x", "y", "kind", "note"} on the car outline
    belongings = TextField(default="")
    warning_lights = TextField(default="[]")  # JSON list of light names
    complaint = TextField(default="")
    under_warranty = BooleanField(default=False)
    # Authorization: content hash of the signature PNG (see kiosk.services.files)
    signature = CharField(default="")
    authorized_at = DateTimeField(null=True)
    notes = TextField(default="")
    # Added by m0009a_estimates: an electric or plug-in hybrid car's battery
    # charge at check-in (per cent), recorded instead of the fuel level.
    battery_percent = IntegerField(null=True)
    # Added by m0012a_aftersales_shared (nullable, added in place). A comeback (返修) names
    # the earlier order of the same vehicle it repeats (its NUMBER); the repair type
    # ("major", "maintenance", "minor") sets the quality-guarantee period and the next
    # service proposed; an accident repair names its insurer and claim number.
    comeback_of = CharField(default="", null=True)
    repair_type = CharField(default="", null=True)
    insurer = CharField(default="", null=True)
    insurance_claim_no = CharField(default="", null=True)


# The number prefix of an order (its store on a dealer group's hub, "SH1-20261005-0001" → "SH1"),
# a column the database derives from ``number`` (m0013f_store_prefix: generated, indexed), so it
# is right on every node whatever wrote the row (a service, the sync merge, a bulk load). Not a
# model field: nothing ever writes it, queries filter on it.
STORE_PREFIX = CharField(column_name="store_prefix")
STORE_PREFIX.bind(WorkOrder, "store_prefix", set_attribute=False)


class JobLine(Record):
    work_order = ForeignKeyField(WorkOrder, backref="jobs")
    position = IntegerField(default=0)
    operation = CharField(default="")  # labour operation code
    description = TextField()
    sold_hours = DecimalField(max_digits=8, decimal_places=2, auto_round=True, default=0)
    price = money()
    pay_type = CharField(default="customer")  # customer, warranty, insurance, internal
    # open, in_progress, paused, done, rework (see kiosk.services.clock)
    status = CharField(default="open")
    technician = ForeignKeyField(Staff, null=True, backref="jobs")
    # Added by m0005_workshop. Extra work found in the bay (增项): "" for the
    # estimate the customer signed; "pending" until reception records the
    # customer's answer, then "approved" or "declined" (kept for follow-up).
    authorization = CharField(default="")
    proposed_by = ForeignKeyField(Staff, null=True, backref="proposed_jobs")
    bay = CharField(default="")  # the workshop bay it is dispatched to
    team = BooleanField(default=False)  # several technicians may clock it together
    # Added by m0009a_estimates: the service package (its code) the line came with. Its default
    # is the table's too (DEFAULT_TEXT): the previous release, which knows nothing of it, still
    # adds lines to a database this one upgraded (a rollback, a node not yet upgraded).
    package = CharField(default="", constraints=[DEFAULT_TEXT])


class PartLine(Record):
    """An estimated part on the work order (issues from stock are facts, elsewhere)."""

    work_order = ForeignKeyField(WorkOrder, backref="part_lines")
    job = ForeignKeyField(JobLine, null=True, backref="part_lines")
    part_no = CharField(default="")
    description = CharField(default="")
    qty = DecimalField(max_digits=10, decimal_places=2, auto_round=True, default=1)
    unit_price = money()
    pay_type = CharField(default="customer")
    # Added by m0009a_estimates: a line typed in by hand for a part the catalogue
    # does not have; a part not in stock when estimated (ordered for the car);
    # the service package (its code) the line came with.
    non_catalogue = BooleanField(default=False, constraints=[DEFAULT_FALSE])
    to_order = BooleanField(default=False, constraints=[DEFAULT_FALSE])
    package = CharField(default="", constraints=[DEFAULT_TEXT])


class StatusChange(Fact):
    """A work order moved from one status to the next (who, when)."""

    work_order = ForeignKeyField(WorkOrder, backref="status_changes")
    from_status = CharField(default="")
    to_status = CharField()
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField()
    note = TextField(default="")


class Part(Record):
    """The parts catalogue: one row a part number (see kiosk.models.parts for the rest)."""

    part_no = CharField(index=True)
    name = CharField()
    name_en = CharField(default="")
    barcodes = TextField(default="[]")  # JSON list of codes printed on the packaging
    price = money()
    bin = CharField(default="")
    # Added by m0006_parts_counter.
    manufacturer_no = CharField(default="")
    supplier_no = CharField(default="")
    unit = CharField(default="pc")
    cost = money()
    reorder_point = DecimalField(max_digits=10, decimal_places=2, auto_round=True, default=0)
    superseded_by = CharField(default="")  # the part number that replaces this one
