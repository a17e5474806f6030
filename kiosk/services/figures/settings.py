"""The figures' store settings: each figure's target and the first-service window (首保).
The quality-guarantee period of each repair type (a comeback counts against first-time
fix within it) is the cashier's (kiosk.services.cashier_settings): one rule.

Replicated ``StoreSetting`` records (one id per key, see
kiosk.services.clock_rules.setting_id), so every kiosk and the hub judge the
same numbers against the same targets. A target is kept in the unit the
dashboard shows (percent for a rate, 0–100 for CSI).
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import StoreSetting
from kiosk.services import cashier_settings
from kiosk.services.clock_rules import setting_id, write_setting

UNKNOWN_REPAIR_TYPE = "maintenance"  # an order nobody typed: the middle period
FIRST_SERVICE_DAYS = 180  # the first service is due within six months of the sale
RETENTION_DAYS = 183  # "came back within the next six months"


def _read(key: str) -> str | None:
    row = StoreSetting.get_or_none((StoreSetting.id == setting_id(key)) & (StoreSetting.deleted == False))  # noqa: E712
    return row.value if row is not None and row.value else None


def target(key: str, default: Decimal | None) -> Decimal | None:
    """The store's target for the figure ``key`` (its default until a manager sets one)."""
    text = _read(f"figure_target:{key}")
    try:
        return Decimal(text) if text is not None else default
    except InvalidOperation:
        return default


def guarantee_days(repair_type: str | None) -> int:
    """The quality-guarantee period (days) of a repair type: the cashier's setting (an order
    nobody typed: maintenance's)."""
    kind = repair_type if repair_type in cashier_settings.GUARANTEE_MINIMUM else UNKNOWN_REPAIR_TYPE
    return cashier_settings.guarantee(kind)[1]


def first_service_days() -> int:
    """Days after the sale within which the first service (首保) is due."""
    text = _read("first_service_days")
    return int(text) if text and text.isdigit() else FIRST_SERVICE_DAYS


def _put(key: str, text: str) -> None:
    write_setting(key, text)


def _number(text, field: str, low: Decimal, high: Decimal) -> Decimal:
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not low <= value <= high:
        raise ServiceError(_l("Enter a number from %(low)s to %(high)s.", low=low, high=high), field=field)
    return value.quantize(Decimal("0.1")).normalize()


def save(targets: dict, ranges: dict, first_service: str | None = None) -> None:
    """Check and save targets (``{figure key: text}``, each within ``ranges[key]``) and the
    first-service window, in one transaction; a ServiceError naming the first wrong field
    saves nothing."""
    cleaned = {}
    for key, text in targets.items():
        if key not in ranges:
            raise ServiceError(_l("There is no such figure."), field=f"target_{key}")
        if str(text).strip() == "":
            continue  # left empty: keep what is set
        low, high = ranges[key]
        cleaned[f"figure_target:{key}"] = str(_number(text, f"target_{key}", low, high))
    if first_service is not None and str(first_service).strip():
        cleaned["first_service_days"] = str(int(_number(first_service, "first_service_days", Decimal(30),
                                                        Decimal(730))))
    with transaction():
        for key, text in cleaned.items():
            _put(key, text)
