"""The after-sales schema the cashier, the care desk, claims and the figures share.

``Delivery`` is the car handed back to the customer (交车): written only by
``kiosk.services.delivery.deliver`` (the cashier and reception stations, and the
API's delivery call); the follow-up calls (due some days after ``at``), the
maintenance reminders (``next_service_*``), the on-time figure (``on_time``) and
the 三包 watch read it.

The vehicle's sale (``Vehicle.sold_on``, ``sold_here``) starts its first-service
and warranty windows; ``insurance_until`` and ``insurer`` drive the insurance
reminders. A work order may repeat an earlier one (``WorkOrder.comeback_of``:
返修, against first-time fix), has a repair type that sets its quality-guarantee
period and the next-service proposal, and, for an accident repair, the insurer
and the claim number the bill names. Those columns live on their models
(kiosk.models.people, kiosk.models.workorders); migration
``m0012a_aftersales_shared`` adds them.
"""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from kiosk.models.base import Fact
from kiosk.models.people import Staff, Vehicle
from kiosk.models.workorders import WorkOrder

REPAIR_TYPES = ("major", "maintenance", "minor")


class Delivery(Fact):
    """The car handed back: when, by whom, at what mileage, against which promise."""

    work_order = ForeignKeyField(WorkOrder, backref="deliveries")
    vehicle = ForeignKeyField(Vehicle, backref="deliveries")
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField(index=True)  # UTC
    mileage = IntegerField(default=0)  # the odometer when the car left
    promised_at = DateTimeField(null=True)  # the promise as it stood at delivery (UTC)
    on_time = BooleanField(null=True)  # None when nothing was promised
    next_service_date = DateField(null=True)
    next_service_mileage = IntegerField(null=True)
    signature = CharField(default="")  # the customer's signature (stored file hash)
    checklist = TextField(default="{}")  # JSON: what was explained and shown
    note = TextField(default="")
