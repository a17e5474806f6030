"""The care desk's store settings: when calls are due, how often to retry, the questionnaire,
complaint deadlines, the reminder windows.

Replicated ``StoreSetting`` rows like the store's other runtime rules
(kiosk.services.store_settings): the service manager changes them at /care/settings
and every kiosk follows. Each getter falls back to the default until someone sets it.
"""
from __future__ import annotations

from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import StoreSetting
from kiosk.core.errors import ServiceError
from kiosk.services.clock_rules import setting_id, write_setting

FOLLOW_UP_DAYS, FOLLOW_UP_ATTEMPTS = "care_follow_up_days", "care_follow_up_attempts"
RESPOND_HOURS, RESOLVE_DAYS = "care_respond_hours", "care_resolve_days"
INSURANCE_WINDOW, KM_PER_DAY = "care_insurance_window_days", "care_km_per_day"
FIRST_SERVICE_DAYS, FIRST_SERVICE_KM = "care_first_service_days", "care_first_service_km"
QUESTIONS = "care_questions"

# The parts of the visit the questionnaire asks about, in order.
PARTS = ("booking", "reception", "repair", "delivery", "price")
DEFAULT_QUESTIONS = {
    "booking": {"zh": "预约是否方便？", "en": "Was booking easy?"},
    "reception": {"zh": "接待是否热情周到？", "en": "How were you received?"},
    "repair": {"zh": "维修质量是否满意？", "en": "Are you satisfied with the repair?"},
    "delivery": {"zh": "交车是否准时、讲解清楚？", "en": "Was the car handed back on time and explained?"},
    "price": {"zh": "价格是否合理透明？", "en": "Was the price fair and clear?"},
}
PART_LABELS = {"booking": _l("Booking"), "reception": _l("Reception"), "repair": _l("The repair"),
               "delivery": _l("Delivery"), "price": _l("Price and charges")}
# key: (default, lowest, highest)
NUMBERS = {
    FOLLOW_UP_DAYS: (3, 0, 60),
    FOLLOW_UP_ATTEMPTS: (3, 1, 10),
    RESPOND_HOURS: (24, 1, 24 * 14),
    RESOLVE_DAYS: (7, 1, 180),
    INSURANCE_WINDOW: (30, 1, 180),
    KM_PER_DAY: (40, 1, 1000),
    FIRST_SERVICE_DAYS: (90, 7, 730),
    FIRST_SERVICE_KM: (5000, 500, 30000),
}
LABELS = {
    FOLLOW_UP_DAYS: _l("Follow-up call, days after delivery"),
    FOLLOW_UP_ATTEMPTS: _l("Call attempts before unreachable"),
    RESPOND_HOURS: _l("Complaint: first response within (hours)"),
    RESOLVE_DAYS: _l("Complaint: resolved within (days)"),
    INSURANCE_WINDOW: _l("Insurance and warranty reminders, days ahead"),
    KM_PER_DAY: _l("Kilometres a day when a car has no history"),
    FIRST_SERVICE_DAYS: _l("First service (首保) after the sale, days"),
    FIRST_SERVICE_KM: _l("First service (首保) at kilometres"),
}


def _stored(key: str) -> str:
    row = StoreSetting.get_or_none((StoreSetting.id == setting_id(key)) & (StoreSetting.deleted == False))  # noqa: E712
    return row.value if row is not None else ""


def number(key: str) -> int:
    """The store's whole-number setting ``key`` (its default until set, or when unreadable)."""
    default, low, high = NUMBERS[key]
    try:
        value = int(_stored(key))
    except ValueError:
        return default
    return value if low <= value <= high else default


def numbers() -> dict[str, int]:
    """Every whole-number setting with its value now."""
    return {key: number(key) for key in NUMBERS}


def questions() -> dict[str, dict[str, str]]:
    """The questionnaire: part of the visit -> {"zh": question, "en": question}.

    One setting a question (a store setting's value is at most 255 characters on PostgreSQL)."""
    return {part: {lang: _stored(f"{QUESTIONS}.{part}.{lang}") or DEFAULT_QUESTIONS[part][lang]
                   for lang in ("zh", "en")} for part in PARTS}


def save(values: dict, texts: dict | None = None) -> None:
    """Check and save whole-number settings (``values``: key -> text) and the questions
    (``texts``: "part.lang" -> question); a wrong field is refused by name, nothing saved."""
    cleaned = {}
    for key, raw in values.items():
        if key not in NUMBERS:
            continue
        _default, low, high = NUMBERS[key]
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise ServiceError(_l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high), field=key)
        cleaned[key] = str(value)
    for name, text in (texts or {}).items():
        part, _dot, lang = name.partition(".")
        if part in PARTS and lang in ("zh", "en"):
            if not str(text or "").strip():
                raise ServiceError(_l("Write the question."), field=name)
            if len(str(text).strip()) > 200:
                raise ServiceError(_l("A question is at most 200 characters."), field=name)
            cleaned[f"{QUESTIONS}.{name}"] = str(text).strip()
    with transaction():
        for key, text in cleaned.items():
            write_setting(key, text)
