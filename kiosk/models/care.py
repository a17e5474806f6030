"""The customer-care desk (客服): follow-up calls, complaints, reminders, consent, messages.

Everything that happens is a ``Fact`` (a call attempt, a complaint's action, a consent
given or withdrawn, a phone number shown unmasked, a reminder handled), so two kiosks
that acted on the same complaint while apart merge by union and agree on its state,
which the services derive from the facts in time order. The complaint itself and a
queued message are ``Record``s (their header can be corrected; a message is marked
exported). Migration ``m0012c_care_tables`` creates them.
"""
from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, TextField

from kiosk.models.base import Fact, Record
from kiosk.models.people import Customer, Staff, Vehicle
from kiosk.models.workorders import WorkOrder


class FollowUpCall(Fact):
    """One attempt to call a customer back after delivery (回访), and what came of it."""

    work_order = ForeignKeyField(WorkOrder, backref="follow_up_calls")
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField(index=True)  # UTC
    outcome = CharField()  # reached, no_answer, refused, wrong_number
    score = IntegerField(null=True)  # overall 0-10 (reached)
    answers = TextField(default="{}")  # JSON: part of the visit -> 0-10
    repeat_fault = BooleanField(default=False)
    comment = TextField(default="")


class Complaint(Record):
    """A customer's complaint (投诉): what, about what, and the deadlines set when it was opened.

    Owner and status are not stored: they follow from its ``ComplaintEvent`` facts."""

    number = CharField(index=True)
    work_order = ForeignKeyField(WorkOrder, null=True, backref="complaints")
    vehicle = ForeignKeyField(Vehicle, null=True, backref="complaints")
    customer = ForeignKeyField(Customer, null=True, backref="complaints")
    channel = CharField()
    category = CharField()
    text = TextField(default="")
    opened_at = DateTimeField(index=True)  # UTC
    opened_by = ForeignKeyField(Staff, null=True)
    respond_by = DateTimeField()  # first-response deadline (UTC)
    resolve_by = DateTimeField()  # resolution deadline (UTC)


class ComplaintEvent(Fact):
    """An action on a complaint: assigned, called, root cause, measures, compensation, note,
    resolved (the customer agreed), closed, reopened."""

    complaint = ForeignKeyField(Complaint, backref="events")
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField(index=True)  # UTC
    action = CharField()
    to_staff = ForeignKeyField(Staff, null=True)  # assign: the new owner
    text = TextField(default="")
    amount = DecimalField(max_digits=12, decimal_places=2, auto_round=True, null=True)  # compensation


class Consent(Fact):
    """The customer's consent for one purpose, given or withdrawn (个人信息保护法): the latest counts."""

    customer = ForeignKeyField(Customer, backref="consents")
    purpose = CharField()  # service_calls, marketing, share_oem, share_insurer
    granted = BooleanField()
    how = CharField(default="")  # paper, signature, phone, wechat, in_person
    at = DateTimeField(index=True)  # UTC
    staff = ForeignKeyField(Staff, null=True)


class PhoneUnmask(Fact):
    """Someone saw a customer's full phone number on a shared screen (the audit the manager lists)."""

    customer = ForeignKeyField(Customer, backref="unmasks")
    staff = ForeignKeyField(Staff)
    at = DateTimeField(index=True)  # UTC
    screen = CharField(default="")


class ReminderAction(Fact):
    """A reminder worked: called (with an outcome), booked into an appointment, or dismissed."""

    vehicle = ForeignKeyField(Vehicle, backref="reminder_actions")
    key = CharField(index=True)  # which reminder (kind and what it is due for)
    kind = CharField()
    action = CharField()  # called, booked, dismissed
    outcome = CharField(default="")  # called: as for follow-ups
    reason = TextField(default="")
    appointment_id = CharField(default="")
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField(index=True)  # UTC


class OutboxMessage(Record):
    """A text (SMS or WeChat) written from a template, waiting to be exported to a sender."""

    customer = ForeignKeyField(Customer, backref="messages")
    vehicle = ForeignKeyField(Vehicle, null=True)
    channel = CharField()  # sms, wechat
    template = CharField()
    phone = CharField(default="")
    text = TextField()
    queued_at = DateTimeField(index=True)  # UTC
    staff = ForeignKeyField(Staff, null=True)
    exported_at = DateTimeField(null=True)
