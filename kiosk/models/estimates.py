"""The estimate's catalogues and what the customer signed.

* ``LabourOperation`` — the labour-operation catalogue (工时目录): a code, names,
  standard hours and the labour rate per pay type.
* ``ServicePackage`` — a service package (保养套餐): jobs and parts for a model
  and an interval, at a fixed or a summed price.
* ``AuthorizationVersion`` — one version of the estimate the customer signed:
  the priced lines with their payers, the totals, the promised time, the hash
  of all that, the signature and who signed when. Append-only: a change after
  signing is a new version, never an edit.
* ``DeclinedChanges`` — the customer refused the changes made since the last
  signed version (the lines went back to what was signed).
* ``CheckInPhoto``, ``CheckInSignature`` — the walk-around's photos and the
  customer's signature on the check-in record (接车单).
* ``VehicleCampaign`` — a recall or service campaign recorded for a VIN.
"""
from __future__ import annotations

from peewee import CharField, DateField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, TextField

from kiosk.models.base import Fact, Record
from kiosk.models.people import Staff
from kiosk.models.workorders import WorkOrder, money


def hours_field():
    return DecimalField(max_digits=8, decimal_places=2, auto_round=True, default=0)


class LabourOperation(Record):
    """One labour operation of the store's catalogue; price = hours × the pay type's rate."""

    code = CharField(index=True)
    name = CharField()
    name_en = CharField(default="")
    hours = hours_field()
    rate_customer = money()
    rate_warranty = money()
    rate_insurance = money()
    rate_internal = money()


class ServicePackage(Record):
    """A named set of jobs and parts for a model and an interval (e.g. 朗逸 10,000 km)."""

    code = CharField(index=True)
    name = CharField()
    model = CharField(default="")  # the vehicle model it is made for ("" for any)
    interval_km = IntegerField(default=0)
    pricing = CharField(default="sum")  # "sum" of the lines' catalogue prices, or "fixed"
    price = money()  # the package price when fixed
    # JSON list: {"kind": "labour", "code"} or {"kind": "part", "part_no", "qty"}
    items = TextField(default="[]")


class AuthorizationVersion(Fact):
    """A version of the estimate as the customer signed it (see kiosk.services.estimate)."""

    work_order = ForeignKeyField(WorkOrder, backref="authorization_versions")
    version = IntegerField()
    snapshot = TextField()  # canonical JSON: lines (with payers), totals, promised time
    total = money()
    by_payer = TextField(default="{}")  # JSON {payer: amount as text}
    promised_at = DateTimeField(null=True)
    content_hash = CharField()  # SHA-256 of the snapshot's canonical JSON
    signature = CharField()  # content hash of the signature PNG (kiosk.services.files)
    signer = CharField(default="")  # the name of the person who signed
    staff = ForeignKeyField(Staff, null=True)  # the advisor who took the signature
    at = DateTimeField()


class DeclinedChanges(Fact):
    """The customer declined the changes made after a signed version; the lines were put back."""

    work_order = ForeignKeyField(WorkOrder, backref="declined_changes")
    base_version = IntegerField(default=0)
    changes = TextField(default="[]")  # JSON: the difference that was declined
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField()
    note = TextField(default="")


class CheckInPhoto(Record):
    """A photo taken at the walk-around; removable (tombstone) until the car leaves."""

    work_order = ForeignKeyField(WorkOrder, backref="checkin_photos")
    photo = CharField()  # kiosk.services.files content hash
    note = CharField(default="")
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField()


class CheckInSignature(Fact):
    """The customer signed the check-in record (接车单) as it stood then."""

    work_order = ForeignKeyField(WorkOrder, backref="checkin_signatures")
    snapshot = TextField()  # JSON: mileage, fuel or battery, damage, lights, belongings, photos
    content_hash = CharField()
    signature = CharField()
    signer = CharField(default="")
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField()


class VehicleCampaign(Record):
    """A recall (召回) or service campaign (服务活动) the maker announced for one VIN."""

    vin = CharField(index=True)
    code = CharField()  # the campaign's code; a job with this operation code carries it out
    title = CharField()
    kind = CharField(default="recall")  # "recall" | "campaign"
    announced = DateField(null=True)
