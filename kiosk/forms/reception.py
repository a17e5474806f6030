"""The reception desk's form posts: booking and check-in.

The forms check the shape of what was typed (a number where a number goes, a
date that parses, what may not be left empty) so every mistake is marked at
its field at once; the services still own the rules (no appointment in the
past, no duplicate plate) and their errors are put back at the field too.
"""
from __future__ import annotations

import datetime as dt
import json

from kiosk.i18n import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import ValidationError

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.services import appointments, customers, identifiers
from kiosk.services.findings import photo_jpeg
from kiosk.services.workorders import CHARGED, POWERTRAINS, WARNING_LIGHTS

WARNING_LIGHT_LABELS = {
    "engine": _l("Check engine"),
    "oil": _l("Oil pressure"),
    "battery": _l("Battery / charging"),
    "brake": _l("Brake"),
    "abs": _l("ABS"),
    "airbag": _l("Airbag"),
    "tpms": _l("Tyre pressure"),
    "coolant": _l("Coolant temperature"),
}
DAMAGE_KIND_LABELS = {
    "scratch": _l("Scratch"),
    "dent": _l("Dent"),
    "crack": _l("Crack"),
    "chip": _l("Stone chip"),
    "other": _l("Other"),
}
FUEL_LABELS = {0: _l("Empty"), 2: "1/4", 4: "1/2", 6: "3/4", 8: _l("Full")}
POWERTRAIN_LABELS = {"": _l("Petrol or diesel"), "hev": _l("Hybrid"), "phev": _l("Plug-in hybrid"),
                     "ev": _l("Electric")}


def fuel_label(eighths: int) -> str:
    """0–8 eighths as the gauge reads: Empty, 1/8, 1/4 … Full."""
    return str(FUEL_LABELS.get(eighths, f"{eighths}/8"))


class ManyValues(Field):
    """Every value posted under the field's name (a group of checkboxes)."""

    def process_formdata(self, valuelist):
        self.data = [str(v) for v in valuelist]


class ReceptionForm(FlaskForm):
    """Base form. CSRFProtect already checks every post app-wide (the token
    travels as ``csrf_token``), so the form does not check it a second time."""

    # A service's name for a field → the form field where its error shows.
    SERVICE_FIELDS: dict[str, str] = {}

    class Meta:
        csrf = False

    def add_service_error(self, error) -> None:
        """Show a service's ServiceError at its field (or at the top of the form)."""
        name = self.SERVICE_FIELDS.get(error.field, error.field)
        field = getattr(self, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, error.message]
        else:
            self.form_errors.append(error.message)


def _checked(check, value, **kwargs):
    """Run a service's check, its refusal as the field's message."""
    try:
        return check(value, **kwargs)
    except ServiceError as error:
        raise ValidationError(error.message)


class VehicleChoiceForm(ReceptionForm):
    """A vehicle on file (``vehicle_id``), or a new customer and vehicle typed in.

    The phone, plate and VIN are checked by the identifier rule
    (``identifiers.check_identifiers``) with the person's confirmations; a
    confirmation's checkbox shows once its doubt was raised (``doubts``), or
    always for the unusual plate.
    """

    vehicle_id = HiddenField()
    name = StringField(_l("Customer's name"))
    phone = StringField(_l("Phone"))
    landline = BooleanField(_l("Landline, no mobile"))
    plate = StringField(_l("Plate"))
    unusual_plate = BooleanField(_l("Unusual plate (foreign or temporary)"))
    vin = StringField(_l("VIN"))
    vin_confirmed = BooleanField(_l("VIN checked on the car"))
    model = StringField(_l("Model"))
    doubts: frozenset = frozenset()  # the confirmations the rule asked for on this post (their checkboxes show)

    @property
    def is_new(self) -> bool:
        return not (self.vehicle_id.data or "").strip()

    def confirmations(self) -> identifiers.Confirmations:
        return identifiers.Confirmations(unusual_plate=bool(self.unusual_plate.data),
                                         vin_confirmed=bool(self.vin_confirmed.data),
                                         landline=bool(self.landline.data))

    def _identify(self, **identifier) -> None:
        try:
            identifiers.check_identifiers(**identifier, confirm=self.confirmations())
        except ServiceError as error:
            if isinstance(error.detail, dict) and error.detail.get("confirmation"):
                self.doubts = self.doubts | {error.detail["confirmation"]}
            raise ValidationError(error.message)

    def validate_name(self, field):
        if self.is_new and not (field.data or "").strip():
            raise ValidationError(_l("Enter the customer's name."))

    def validate_phone(self, field):
        if self.is_new:
            self._identify(phone=field.data or "")

    def validate_plate(self, field):
        if not self.is_new:
            return
        if not customers.normalize_plate(field.data) and not identifiers.normalize_vin(self.vin.data):
            raise ValidationError(_l("Enter the plate or the VIN."))
        self._identify(plate=field.data or "")

    def validate_vin(self, field):
        if self.is_new:
            self._identify(vin=field.data or "")

    def new_vehicle(self) -> dict | None:
        """What ``customers.find_or_create`` needs, or None when a vehicle on file was chosen."""
        if not self.is_new:
            return None
        return {"name": self.name.data, "phone": self.phone.data, "plate": self.plate.data, "vin": self.vin.data,
                "model": self.model.data, "confirm": self.confirmations()}


class BookingForm(VehicleChoiceForm):
    """Book an appointment: who, when, what for, with which advisor.

    ``advisors`` maps a staff id (hex) to the advisors who may be chosen.
    """

    SERVICE_FIELDS = {"scheduled_at": "day", "vehicle_id": "plate"}

    day = StringField(_l("Date"))
    time = StringField(_l("Time"))
    service = TextAreaField(_l("Requested service"))
    advisor = StringField(_l("Service advisor"))

    def __init__(self, *args, advisors: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.advisors = advisors or {}

    def validate_day(self, field):
        try:
            dt.date.fromisoformat((field.data or "").strip())
        except ValueError:
            raise ValidationError(_l("Choose the date."))
        try:
            when = self.scheduled_at
        except ValueError:
            return  # the time's own message says what is wrong
        try:
            appointments.check_time(when)  # the service's rule, shown with the other mistakes
        except ServiceError as error:
            raise ValidationError(error.message)

    def validate_time(self, field):
        try:
            dt.time.fromisoformat((field.data or "").strip())
        except ValueError:
            raise ValidationError(_l("Choose the time."))

    def validate_service(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Write what service the customer asks for."))

    def validate_advisor(self, field):
        if field.data and field.data not in self.advisors:
            raise ValidationError(_l("Choose a service advisor from the list."))

    @property
    def scheduled_at(self) -> dt.datetime:
        """The typed day and time (the store's wall time) as stored (UTC)."""
        time = dt.time.fromisoformat(self.time.data.strip()).replace(second=0, microsecond=0)
        return times.at_local(dt.date.fromisoformat(self.day.data.strip()), time)


class CheckInForm(VehicleChoiceForm):
    """The walk-around (环车检查) that opens a work order."""

    SERVICE_FIELDS = {"vehicle_id": "plate"}

    appointment_id = HiddenField()
    mileage = StringField(_l("Mileage (km)"))
    powertrain = StringField(_l("Powered by"))
    fuel_eighths = StringField(_l("Fuel level"))
    battery_percent = StringField(_l("Battery charge (%)"))
    photos = MultipleFileField(_l("Walk-around photos"))
    damage = HiddenField(default="[]")
    belongings = TextAreaField(_l("Belongings left in the car"))
    warning_lights = ManyValues(_l("Warning lights on"), default=list)
    complaint = TextAreaField(_l("The customer's complaint, in their own words"))
    under_warranty = BooleanField(_l("Under warranty"))
    promised_at = StringField(_l("Promised delivery"))
    # Personal data: the purposes the customer agrees to, asked at the desk (kiosk.services.consent).
    consents = ManyValues(_l("The customer agrees to"), default=list)
    consent_asked = HiddenField()

    def consent_answer(self) -> list[str] | None:
        """The ticked purposes when the question was on the form, else None (nothing to record)."""
        return list(self.consents.data or []) if self.consent_asked.data == "1" else None

    def validate_mileage(self, field):
        text = (field.data or "").strip().replace(",", "")
        if not text.isdigit() or int(text) > 2_000_000:
            raise ValidationError(_l("Enter the mileage in kilometres (a whole number, not negative)."))

    @property
    def charged(self) -> bool:
        """An electric or plug-in hybrid car: its battery charge instead of the fuel level."""
        return (self.powertrain.data or "") in CHARGED

    def validate_powertrain(self, field):
        if (field.data or "") not in POWERTRAINS:
            raise ValidationError(_l("Choose how the car is powered."))

    def validate_fuel_eighths(self, field):
        if not self.charged and (field.data or "").strip() not in {str(n) for n in range(9)}:
            raise ValidationError(_l("Choose the fuel level."))

    def validate_battery_percent(self, field):
        text = (field.data or "").strip().rstrip("%")
        if self.charged and not (text.isdigit() and 0 <= int(text) <= 100):
            raise ValidationError(_l("Enter the battery charge in per cent (0 to 100)."))

    def validate_photos(self, field):
        for upload in self.uploads():
            _checked(photo_jpeg, upload)

    def uploads(self) -> list[bytes]:
        """The photos chosen at the walk-around, read once (an empty file input sends none)."""
        if not hasattr(self, "_uploads"):
            self._uploads = [f.read() for f in (self.photos.data or []) if getattr(f, "filename", "")]
        return self._uploads

    def validate_damage(self, field):
        try:
            marks = json.loads(field.data or "[]")
        except ValueError:
            marks = None
        if not isinstance(marks, list):
            raise ValidationError(_l("The damage marks could not be read."))

    def validate_complaint(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Write down the customer's complaint in their own words."))

    def validate_promised_at(self, field):
        text = (field.data or "").strip()
        if not text:
            return
        try:
            when = times.parse_local(text)  # the store's wall time, as stored (UTC)
        except ValueError:
            raise ValidationError(_l("Enter the promised date and time."))
        if when < times.utcnow() - dt.timedelta(minutes=5):
            raise ValidationError(_l("The promised time cannot be in the past."))

    def walkaround(self) -> dict:
        """The walk-around as ``workorders.open_work_order`` takes it."""
        return {
            "mileage": self.mileage.data.strip().replace(",", ""),
            "powertrain": self.powertrain.data or "",
            **({"battery_percent": self.battery_percent.data.strip().rstrip("%")} if self.charged
               else {"fuel_eighths": int(self.fuel_eighths.data)}),
            "damage": self.damage.data or "[]",
            "belongings": self.belongings.data or "",
            "warning_lights": [x for x in self.warning_lights.data or [] if x in WARNING_LIGHTS],
            "under_warranty": bool(self.under_warranty.data),
            "promised_at": (self.promised_at.data or "").strip() or None,
        }
