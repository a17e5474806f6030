"""Store-wide settings for running the store: backups and when a quiet kiosk turns red.

Kept as ``StoreSetting`` records (one row id per key, merged field by field
like the foreman's rules in kiosk.services.clock_rules), so they survive a
hub restored from an older backup as long as one kiosk still holds them.
"""
from __future__ import annotations

import re

from kiosk.i18n import lazy_gettext as _l

from kiosk.db import transaction
from kiosk.models import StoreSetting
from kiosk.services.clock_rules import setting_id, write_setting
from kiosk.core.errors import ServiceError

BACKUP_TIME, KEEP_DAILY, KEEP_MONTHLY, SILENT_MINUTES = "backup_time", "backup_keep_daily", \
    "backup_keep_monthly", "silent_minutes"
DEFAULTS = {BACKUP_TIME: "02:30", KEEP_DAILY: "14", KEEP_MONTHLY: "12", SILENT_MINUTES: "15"}
RANGES = {KEEP_DAILY: (1, 366), KEEP_MONTHLY: (0, 120), SILENT_MINUTES: (2, 24 * 60)}
_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def get(key: str) -> str:
    """The store's value for ``key`` (its default until someone sets it)."""
    row = StoreSetting.get_or_none((StoreSetting.id == setting_id(key)) & (StoreSetting.deleted == False))  # noqa: E712
    return row.value if row is not None and row.value else DEFAULTS[key]


def number(key: str) -> int:
    return int(get(key))


def backup_time() -> tuple[int, int]:
    """When the nightly backup runs (hour, minute), the store's time."""
    match = _HH_MM.match(get(BACKUP_TIME)) or _HH_MM.match(DEFAULTS[BACKUP_TIME])
    return int(match[1]), int(match[2])


def save(values: dict) -> None:
    """Check and save the settings given (the manager's page); one message per wrong field."""
    cleaned = {}
    if BACKUP_TIME in values:
        match = _HH_MM.match(str(values[BACKUP_TIME] or "").strip())
        if not match:
            raise ServiceError(_l("Enter the backup time as hours and minutes, e.g. 02:30."), field=BACKUP_TIME)
        cleaned[BACKUP_TIME] = f"{int(match[1]):02d}:{match[2]}"
    for key, (low, high) in RANGES.items():
        if key in values:
            try:
                value = int(str(values[key]).strip())
            except ValueError:
                value = low - 1
            if not low <= value <= high:
                raise ServiceError(_l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high),
                                   field=key)
            cleaned[key] = str(value)
    with transaction():
        for key, text in cleaned.items():
            write_setting(key, text)
