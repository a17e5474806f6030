"""Every table, in creation order (referenced tables first)."""
from kiosk.models import (
    ApiToken,
    CounterDraft,
    Attendance,
    ClockEvent,
    ClockReview,
    CountScan,
    Finding,
    JobDecision,
    PartBarcode,
    PartsRequest,
    PurchaseOrder,
    PurchaseOrderLine,
    QcCheck,
    StoreSetting,
    StockCount,
    StockMove,
    Appointment,
    Customer,
    JobLine,
    LoginFailure,
    NumberCounter,
    Part,
    PartLine,
    Staff,
    StatusChange,
    Vehicle,
    WorkOrder,
)
from kiosk.models.aftersales import Delivery
from kiosk.models.care import (
    Complaint, ComplaintEvent, Consent, FollowUpCall, OutboxMessage, PhoneUnmask, ReminderAction,
)
from kiosk.models.base import Replicated
from kiosk.models.cashier import (
    CreditAccount, DayClose, EhealthRecord, InvoiceRequest, LoanCarNotice, Payment, Settlement,
)
from kiosk.models.claims import (
    Assessment, AssessmentLine, AssessmentPhoto, ClaimEvent, InsuranceCase, ManufacturerCode,
    OldPartScan, OldPartTag, WarrantyClaim,
)
from kiosk.models.estimates import (
    AuthorizationVersion, CheckInPhoto, CheckInSignature, DeclinedChanges, LabourOperation, ServicePackage,
    VehicleCampaign,
)
from kiosk.models.ops import NodeReport, NodeSetting
from kiosk.models.printing import PrinterSetting, PrintJob
from kiosk.models.security import ApiKey, ApiKeyUse, IdempotentAnswer, LoginAttempt, StaffSession
from sync.tables import ChangeEvent, NodeInfo, SyncState

ALL_MODELS = [
    NodeInfo, SyncState, ChangeEvent, NumberCounter, ApiToken, LoginFailure,
    Staff, Customer, Vehicle, Part, WorkOrder, JobLine, PartLine, StatusChange, Appointment,
]
WORKSHOP_MODELS = [ClockEvent, ClockReview, Attendance, Finding, JobDecision, QcCheck, PartsRequest, StoreSetting]
PARTS_MODELS = [PartBarcode, PurchaseOrder, PurchaseOrderLine, StockMove, StockCount, CountScan, CounterDraft]
ALL_MODELS += WORKSHOP_MODELS + PARTS_MODELS
PRINTING_MODELS = [PrinterSetting, PrintJob]  # this kiosk's printers and print queue (local)
ALL_MODELS += PRINTING_MODELS
# The estimate's catalogues, signed versions, check-in photos and signatures, recalls (issue #11).
ESTIMATE_MODELS = [LabourOperation, ServicePackage, AuthorizationVersion, DeclinedChanges, CheckInPhoto,
                   CheckInSignature, VehicleCampaign]
ALL_MODELS += ESTIMATE_MODELS
OPS_MODELS = [NodeSetting, NodeReport]  # running a store (local)
ALL_MODELS += OPS_MODELS
# Server-side sessions and kept answers (local); PIN attempts, API keys and their uses (replicated).
SECURITY_MODELS = [StaffSession, IdempotentAnswer, LoginAttempt, ApiKey, ApiKeyUse]
ALL_MODELS += SECURITY_MODELS
# The after-sales chain (cashier, care desk, claims, figures) shares these; each station adds its own.
AFTERSALES_MODELS = [Delivery]
ALL_MODELS += AFTERSALES_MODELS
# The cashier and delivery (issue #12): settlements, payments, invoices, e-health records, day closes.
CASHIER_MODELS = [Settlement, Payment, InvoiceRequest, EhealthRecord, DayClose, CreditAccount, LoanCarNotice]
ALL_MODELS += CASHIER_MODELS
# The care desk (issue #13): follow-up calls, complaints, consent, unmask audit, reminders, outbox.
CARE_MODELS = [FollowUpCall, Complaint, ComplaintEvent, Consent, PhoneUnmask, ReminderAction, OutboxMessage]
ALL_MODELS += CARE_MODELS
# Claims: warranty claims, old parts, insurance repairs, the manufacturer's codes (issue #14).
CLAIMS_MODELS = [ManufacturerCode, WarrantyClaim, ClaimEvent, OldPartTag, OldPartScan, InsuranceCase, Assessment,
                 AssessmentLine, AssessmentPhoto]
ALL_MODELS += CLAIMS_MODELS


def replicated_models():
    """The tables that travel between nodes."""
    return [m for m in ALL_MODELS if issubclass(m, Replicated)]
