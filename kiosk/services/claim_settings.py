"""The claims desk's store settings: the manufacturer's rules and the 三包 thresholds.

Replicated ``StoreSetting`` records (one row id per key, see
kiosk.services.clock_rules.setting_id), changed by a manager at runtime. The
三包 defaults are the law's values (家用汽车产品修理更换退货责任规定, 2022; the
README cites the articles); a store may set stricter ones a manufacturer promises.
"""
from __future__ import annotations

from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import StoreSetting
from kiosk.core.errors import ServiceError
from kiosk.services.clock_rules import setting_id, write_setting

# key: (default, lowest, highest, label)
SETTINGS = {
    "claim_deadline_days": (30, 1, 365, _l("Days after the repair to submit a warranty claim")),
    "claim_photo_required": (1, 0, 1, _l("A warranty claim needs a photo (1 yes, 0 no)")),
    "old_part_return_days": (5, 1, 60, _l("Days for an old part to reach the old-parts store")),
    "old_part_retention_days": (90, 0, 730, _l("Days the manufacturer wants old parts kept before scrapping")),
    "sanbao_years": (2, 1, 10, _l("三包 validity in years from the sale")),
    "sanbao_km": (50000, 1000, 500000, _l("三包 validity in kilometres")),
    "sanbao_repair_days": (30, 1, 365, _l("三包: days in the shop for repairs that give a replacement or refund")),
    "sanbao_same_fault": (4, 1, 20, _l("三包: repairs of the same fault")),
    "sanbao_safety_repairs": (2, 1, 20, _l("三包: repairs of a serious safety fault")),
    "sanbao_part_replacements": (2, 1, 20, _l("三包: replacements of the same major part")),
    "sanbao_loan_car_days": (5, 1, 60, _l("Days in the shop under warranty after which a loan car is due")),
    "sanbao_early_days": (60, 1, 365, _l("三包: days after the sale of the early-failure window")),
    "sanbao_early_km": (3000, 1, 100000, _l("三包: kilometres of the early-failure window")),
    "sanbao_first_days": (7, 1, 60, _l("三包: days after the sale of the first-week window")),
}


def get(key: str) -> int:
    """The store's value for ``key`` (its default until a manager sets it)."""
    row = StoreSetting.get_or_none((StoreSetting.id == setting_id(key)) & (StoreSetting.deleted == False))  # noqa: E712
    try:
        return int(row.value) if row is not None and row.value else SETTINGS[key][0]
    except ValueError:
        return SETTINGS[key][0]


def all_settings() -> list[dict]:
    """Every setting with its label, value and range, for the settings form."""
    return [{"key": k, "label": label, "value": get(k), "low": low, "high": high}
            for k, (_default, low, high, label) in SETTINGS.items()]


def save(values: dict) -> None:
    """Check and save the given settings; a wrong one is refused with its field, nothing saved."""
    cleaned = {}
    for key, raw in values.items():
        if key not in SETTINGS:
            continue
        _default, low, high, _label = SETTINGS[key]
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise ServiceError(_l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high), field=key)
        cleaned[key] = str(value)
    with transaction():
        for key, text in cleaned.items():
            write_setting(key, text)
