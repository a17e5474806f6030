"""The cashier's store-wide rules a manager may change at runtime: the VAT rate, the
discount a cashier may give alone, the quality-guarantee periods per repair type, the
next service proposed when the work done names no interval, and the loan-car day.

Kept as replicated ``StoreSetting`` rows (one id per key, kiosk.services.clock_rules.setting_id),
like the foreman's rules and the store's backup settings.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import StoreSetting
from kiosk.services.clock_rules import setting_id, write_setting
from kiosk.core.errors import ServiceError

VAT_PERCENT, DISCOUNT_LIMIT = "vat_percent", "discount_limit_percent"
NEXT_KM, NEXT_MONTHS, LOAN_CAR_DAYS = "next_service_km", "next_service_months", "loan_car_days"
# The legal minimum quality-guarantee period per repair type (km, days); a store may set longer.
GUARANTEE_MINIMUM = {"major": (20000, 100), "maintenance": (5000, 30), "minor": (2000, 10)}
DEFAULTS = {VAT_PERCENT: "13", DISCOUNT_LIMIT: "10", NEXT_KM: "5000", NEXT_MONTHS: "6", LOAN_CAR_DAYS: "5"}
for _kind, (_km, _days) in GUARANTEE_MINIMUM.items():
    DEFAULTS[f"guarantee_{_kind}_km"], DEFAULTS[f"guarantee_{_kind}_days"] = str(_km), str(_days)
RANGES = {VAT_PERCENT: (0, 30), DISCOUNT_LIMIT: (0, 100), NEXT_KM: (500, 100000), NEXT_MONTHS: (1, 60),
          LOAN_CAR_DAYS: (1, 60)}


def get(key: str) -> str:
    """The store's value for ``key`` (its default until a manager sets it)."""
    row = StoreSetting.get_or_none((StoreSetting.id == setting_id(key)) & (StoreSetting.deleted == False))  # noqa: E712
    return row.value if row is not None and row.value else DEFAULTS[key]


def percent(key: str) -> Decimal:
    """A percentage setting as a fraction (13 → 0.13)."""
    return Decimal(get(key)) / 100


def number(key: str) -> int:
    return int(get(key))


def guarantee(repair_type: str) -> tuple[int, int] | None:
    """The quality-guarantee period (km, days) of ``repair_type``; None when the order has none."""
    if repair_type not in GUARANTEE_MINIMUM:
        return None
    return number(f"guarantee_{repair_type}_km"), number(f"guarantee_{repair_type}_days")


def _check(key: str, raw) -> str:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(_l("Enter a number."), field=key)
    if key.startswith("guarantee_"):
        kind, unit = key[len("guarantee_"):].rsplit("_", 1)
        low = GUARANTEE_MINIMUM[kind][0 if unit == "km" else 1]
        high = low * 10
    else:
        low, high = RANGES[key]
    if not value.is_finite() or value != value.to_integral_value() or not low <= value <= high:
        # The legal minimum guarantee cannot be shortened: a store may only set longer.
        raise ServiceError(_l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high), field=key)
    return str(int(value))


def save(values: dict) -> None:
    """Check and save the settings given (a manager's page or the CLI); one message per wrong field."""
    cleaned = {key: _check(key, raw) for key, raw in values.items() if key in DEFAULTS}
    with transaction():
        for key, text in cleaned.items():
            write_setting(key, text)
