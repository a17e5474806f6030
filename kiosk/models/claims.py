"""Claims (索赔): warranty claims to the manufacturer, old parts' chain of custody,
insurance repairs (保险理赔) with their assessments, and the manufacturer's code lists.

A claim's header is a ``Record`` (the clerk corrects codes and texts until it is
submitted); everything that happens to it is a ``Fact``: its states
(``ClaimEvent``), the old part's scans (``OldPartScan``), the insurer's
assessments and supplements (``Assessment`` / ``AssessmentLine`` /
``AssessmentPhoto``) and the insurer's payments. Derived figures (a claim's
state, where its old part is, the insurer's share, receivables, the 三包
counters) are computed from them by the services (kiosk.services.claims,
old_parts, insurance, sanbao), never stored. Migration ``m0012d_claims`` adds
the tables.
"""
from __future__ import annotations

from peewee import BooleanField, CharField, DateField, DateTimeField, DecimalField, ForeignKeyField, IntegerField, TextField

from kiosk.models.base import Fact, Record
from kiosk.models.people import Staff, Vehicle
from kiosk.models.workorders import JobLine, WorkOrder


def money():
    return DecimalField(max_digits=12, decimal_places=2, auto_round=True, default=0)


class ManufacturerCode(Record):
    """One code of the manufacturer's lists: a symptom, a diagnosis (fault) or a rejection reason."""

    kind = CharField(index=True)  # "symptom" | "diagnosis" | "reason"
    code = CharField(index=True)
    text = CharField(default="")


class WarrantyClaim(Record):
    """A warranty claim for one job line of a work order, as the manufacturer will read it."""

    number = CharField(index=True)
    work_order = ForeignKeyField(WorkOrder, backref="warranty_claims")
    job = ForeignKeyField(JobLine, backref="warranty_claims")
    vehicle = ForeignKeyField(Vehicle, backref="warranty_claims")
    vin = CharField(default="", index=True)
    mileage = IntegerField(default=0)
    failure_date = DateField(null=True)
    repair_date = DateField(null=True)  # the submission deadline counts from it
    symptom_code = CharField(default="")
    symptom_text = TextField(default="")
    diagnosis_code = CharField(default="")
    diagnosis_text = TextField(default="")
    causal_part_no = CharField(default="")
    operation = CharField(default="")  # the labour operation code
    standard_hours = DecimalField(max_digits=8, decimal_places=2, auto_round=True, default=0)
    technician = ForeignKeyField(Staff, null=True, backref="warranty_claims")
    campaign = CharField(default="")  # the recall or campaign number the job carries out
    labour_amount = money()
    parts_amount = money()
    safety = BooleanField(default=False)  # a serious safety fault (三包: 严重安全性能故障)
    major_part = CharField(default="")  # the 三包 system whose main part was replaced ("" none)
    batch = CharField(default="")  # the export batch it last left in
    created_by = ForeignKeyField(Staff, null=True)
    created_at = DateTimeField()


class ClaimEvent(Fact):
    """A claim moved to a state: draft, submitted, approved, partly_approved, rejected,
    resubmitted, credited, closed (the latest one is the claim's state)."""

    claim = ForeignKeyField(WarrantyClaim, backref="events")
    state = CharField()
    amount = money()  # approved (partly_approved, approved) or credited amount
    reason_code = CharField(default="")  # the manufacturer's rejection code
    note = TextField(default="")
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField(index=True)


class OldPartTag(Record):
    """The tag on a part replaced under warranty: its barcode is ``number``. Printed at the bay,
    the parts counter or the claims desk, for the warranty job the part came off; the job's
    claim (kiosk.services.old_parts.claim_of) finds it whenever the claim is built."""

    number = CharField(index=True)
    work_order = ForeignKeyField(WorkOrder, backref="old_part_tags")
    job = ForeignKeyField(JobLine, backref="old_part_tags")
    part_no = CharField(default="")
    vin = CharField(default="")
    tagged_at = DateTimeField()
    tagged_by = ForeignKeyField(Staff, null=True)


class OldPartScan(Fact):
    """The tagged part scanned: into the old-parts store (with its bin), out into a
    return shipment, or scrapped. The latest scan says where it is."""

    tag = ForeignKeyField(OldPartTag, backref="scans")
    action = CharField()  # "store" | "ship" | "scrap"
    bin = CharField(default="")
    shipment = CharField(default="")  # the return shipment's number
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField(index=True)
    terminal = CharField(default="")


class InsuranceCase(Record):
    """An accident repair paid (in part) by an insurer."""

    work_order = ForeignKeyField(WorkOrder, backref="insurance_cases")
    insurer = CharField(default="")
    policy_no = CharField(default="")
    report_no = CharField(default="")  # 报案号
    accident_date = DateField(null=True)
    liability = CharField(default="")  # full, main, equal, minor, none
    assessor = CharField(default="")
    excess = money()  # 免赔额
    depreciation = money()  # 折旧
    direct_billing = BooleanField(default=False)  # 直赔
    assignment_signature = CharField(default="")  # the customer's signed assignment (file hash)
    assignment_signed_at = DateTimeField(null=True)
    opened_at = DateTimeField()
    opened_by = ForeignKeyField(Staff, null=True)


class Assessment(Fact):
    """The insurer's assessment (定损, ``seq`` 0) or a supplement (追加定损, 1, 2 …)."""

    case = ForeignKeyField(InsuranceCase, backref="assessments")
    seq = IntegerField(default=0)
    assessor = CharField(default="")
    staff = ForeignKeyField(Staff, null=True)
    at = DateTimeField()
    note = TextField(default="")


class AssessmentLine(Fact):
    """One line of an assessment: replace, repair, paint, labour or material."""

    assessment = ForeignKeyField(Assessment, backref="lines")
    kind = CharField()
    description = CharField(default="")
    store_amount = money()
    assessed_amount = money()


class AssessmentPhoto(Fact):
    """A photo taken for an assessment or a supplement (content hash)."""

    assessment = ForeignKeyField(Assessment, backref="photos")
    photo = CharField()
    at = DateTimeField()
