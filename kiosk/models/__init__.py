"""The domain tables. The full, ordered list of tables is in ``kiosk.schema``."""
from kiosk.models.base import Fact, LocalModel, Record, Replicated
from kiosk.models.local import ApiToken, LoginFailure, NumberCounter
from kiosk.models.people import Customer, Staff, Vehicle
from kiosk.models.workorders import Appointment, JobLine, Part, PartLine, StatusChange, WorkOrder

__all__ = [
    "Fact", "LocalModel", "Record", "Replicated",
    "ApiToken", "LoginFailure", "NumberCounter",
    "Customer", "Staff", "Vehicle",
    "Appointment", "JobLine", "Part", "PartLine", "StatusChange", "WorkOrder",
]
