"""The workshop's facts: clock events, shift attendance, findings, customers'
answers on extra work, QC results, and parts requests from the bay.

Clock and attendance rows are facts: intervals, clocked hours, efficiency and
loss time are computed from them (kiosk.services.clock / figures), so two
kiosks that clocked offline simply add their events together.
"""
from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, DecimalField, ForeignKeyField, TextField

from kiosk.models.base import Fact, Record
from kiosk.models.people import Staff
from kiosk.models.workorders import JobLine, WorkOrder

# Why a technician stopped a job without finishing it (the loss reasons).
LOSS_REASONS = ("parts", "authorization", "break", "tool", "other")


class ClockEvent(Fact):
    """A technician clocked on ("on") or off ("off") a job line."""

    technician = ForeignKeyField(Staff, backref="clock_events")
    job = ForeignKeyField(JobLine, backref="clock_events")
    work_order = ForeignKeyField(WorkOrder, backref="clock_events")
    action = CharField()  # "on" | "off"
    # Off only: "pause", "finish", "switch" (started another job), "shift_end"
    # (closed automatically), "stop" (API or foreman).
    reason = CharField(default="")
    loss_reason = CharField(default="")  # one of LOSS_REASONS when reason == "pause"
    at = DateTimeField(index=True)
    terminal = CharField(default="")  # the kiosk or bay it was made at
    flagged = BooleanField(default=False)  # closed automatically or an odd clock: for review
    note = TextField(default="")


class ClockReview(Fact):
    """The foreman looked at a flagged clock (closed at shift end, started twice,
    a kiosk clock that jumped …) and settled it with the technician."""

    technician = ForeignKeyField(Staff, backref="clock_reviews")
    job = ForeignKeyField(JobLine, backref="clock_reviews")
    started_at = DateTimeField()  # the start of the interval reviewed (with technician and job: which one)
    reviewer = ForeignKeyField(Staff, null=True)
    at = DateTimeField()
    note = TextField(default="")


class Attendance(Fact):
    """Clocking in and out of the day's shift, kept apart from job time."""

    technician = ForeignKeyField(Staff, backref="attendance")
    action = CharField()  # "in" | "out"
    at = DateTimeField(index=True)
    terminal = CharField(default="")
    flagged = BooleanField(default=False)
    note = TextField(default="")


class Finding(Fact):
    """What a technician found on a job line: text and/or a photo (content hash)."""

    job = ForeignKeyField(JobLine, backref="findings")
    work_order = ForeignKeyField(WorkOrder, backref="findings")
    technician = ForeignKeyField(Staff, null=True)
    text = TextField(default="")
    photo = CharField(default="")  # kiosk.services.files content hash, "" for none
    at = DateTimeField()


class JobDecision(Fact):
    """The customer's answer on proposed extra work (approved with signature, or declined)."""

    job = ForeignKeyField(JobLine, backref="decisions")
    work_order = ForeignKeyField(WorkOrder, backref="job_decisions")
    decision = CharField()  # "approved" | "declined"
    signature = CharField(default="")
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField()
    note = TextField(default="")


class QcCheck(Fact):
    """A QC inspection: the checklist, the road test, pass or fail with rework lines."""

    work_order = ForeignKeyField(WorkOrder, backref="qc_checks")
    inspector = ForeignKeyField(Staff, null=True)
    passed = BooleanField()
    checklist = TextField(default="{}")  # JSON {item: true/false}
    road_test = TextField(default="")
    rework_jobs = TextField(default="[]")  # JSON list of job-line ids (hex) sent back
    at = DateTimeField()
    note = TextField(default="")


class PartsRequest(Record):
    """A bay asks the parts counter for parts for a job line; the counter moves its status."""

    work_order = ForeignKeyField(WorkOrder, backref="parts_requests")
    job = ForeignKeyField(JobLine, null=True, backref="parts_requests")
    requested_by = ForeignKeyField(Staff, null=True)
    part_no = CharField(default="")
    description = CharField(default="")
    qty = DecimalField(max_digits=10, decimal_places=2, auto_round=True, default=1)
    # requested, issued, ordered (not in stock: on a purchase order), arrived, cancelled
    status = CharField(default="requested", index=True)
    requested_at = DateTimeField()
    note = TextField(default="")
    # Added by m0009a_estimates: the estimate's part line (id hex) this was ordered for.
    part_line = CharField(default="")


class StoreSetting(Record):
    """A store-wide rule the foreman sets (e.g. may technicians take jobs of others).

    The key is in the row's id too (kiosk.services.clock_rules.setting_id), so the same
    setting made on two kiosks is one row that merges field by field.
    """

    key = CharField(index=True)
    value = CharField(default="")
