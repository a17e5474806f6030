"""The domain tables. The full, ordered list of tables is in ``kiosk.schema``."""
from kiosk.models.base import Fact, LocalModel, Record, Replicated
from kiosk.models.local import ApiToken, AppliedMigration, CounterDraft, LoginFailure, NumberCounter
from kiosk.models.security import ApiKey, ApiKeyUse, IdempotentAnswer, LoginAttempt, StaffSession
from kiosk.models.people import Customer, Staff, Vehicle
from kiosk.models.workorders import Appointment, JobLine, Part, PartLine, StatusChange, WorkOrder
from kiosk.models.bay import Attendance, ClockEvent, ClockReview, Finding, JobDecision, PartsRequest, QcCheck, StoreSetting
from kiosk.models.parts import (
    CountScan, PartBarcode, PurchaseOrder, PurchaseOrderLine, StockCount, StockMove,
)
from kiosk.models.estimates import (
    AuthorizationVersion, CheckInPhoto, CheckInSignature, DeclinedChanges, LabourOperation, ServicePackage,
    VehicleCampaign,
)
from kiosk.models.aftersales import Delivery
from kiosk.models.care import (
    Complaint, ComplaintEvent, Consent, FollowUpCall, OutboxMessage, PhoneUnmask, ReminderAction,
)
from kiosk.models.cashier import (
    CreditAccount, DayClose, EhealthRecord, InvoiceRequest, LoanCarNotice, Payment, Settlement,
)

__all__ = [
    "Fact", "LocalModel", "Record", "Replicated",
    "ApiToken", "AppliedMigration", "CounterDraft", "LoginFailure", "NumberCounter",
    "ApiKey", "ApiKeyUse", "IdempotentAnswer", "LoginAttempt", "StaffSession",
    "Customer", "Staff", "Vehicle",
    "Appointment", "JobLine", "Part", "PartLine", "StatusChange", "WorkOrder",
    "Attendance", "ClockEvent", "ClockReview", "Finding", "JobDecision", "PartsRequest", "QcCheck", "StoreSetting",
    "CountScan", "PartBarcode", "PurchaseOrder", "PurchaseOrderLine", "StockCount", "StockMove",
    "AuthorizationVersion", "CheckInPhoto", "CheckInSignature", "DeclinedChanges", "LabourOperation",
    "ServicePackage", "VehicleCampaign",
    "Delivery",
    "Complaint", "ComplaintEvent", "Consent", "FollowUpCall", "OutboxMessage", "PhoneUnmask", "ReminderAction",
    "CreditAccount", "DayClose", "EhealthRecord", "InvoiceRequest", "LoanCarNotice", "Payment", "Settlement",
]
