"""The cashier's day: today's takings by payment method and the day-end close (日结).

``takings(day)`` sums every payment taken on the store's date ``day`` (refunds
subtract), by method; ``close(staff, day, counted)`` records a ``DayClose`` fact the
cashier signs off with: the cash counted against the cash payments, the difference
kept. A second close of the same day is a new fact (a recount), never an edit.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import DayClose, Payment, Staff
from kiosk.models.cashier import PAYMENT_METHODS
from kiosk.services import billing
from sync import changelog


def takings(day: dt.date) -> dict[str, Decimal]:
    """Every method's total of the payments taken on ``day`` (the store's date)."""
    start, end = times.day_bounds(day)
    totals = {m: Decimal(0) for m in PAYMENT_METHODS}
    for payment in Payment.select().where((Payment.at >= start) & (Payment.at < end)):
        totals[payment.method] = totals.get(payment.method, Decimal(0)) + payment.amount
    return {k: billing.money(v) for k, v in totals.items()}


def close(staff: Staff, day: dt.date, counted, note: str = "") -> DayClose:
    """Sign the day off: ``counted`` is the cash in the drawer (yuan)."""
    try:
        cash = billing.money(Decimal(str(counted).strip()))
    except ArithmeticError:
        raise ServiceError(_l("Enter the cash counted in yuan, e.g. 1250.00."), field="counted")
    if not cash.is_finite() or cash < 0:
        raise ServiceError(_l("Enter the cash counted in yuan, e.g. 1250.00."), field="counted")
    if day > times.today():
        raise ServiceError(_l("A day can be closed only when it has come."), field="day")
    totals = takings(day)
    with transaction():
        row = DayClose(staff=staff, day=day, cash_expected=totals["cash"], cash_counted=cash,
                       takings=json.dumps({k: str(v) for k, v in totals.items()}), at=times.utcnow(),
                       note=" ".join(str(note or "").split())[:200])
        changelog.save(row)
    return row


def closes(day: dt.date) -> list[DayClose]:
    """The closes recorded for ``day``, the latest first."""
    return list(DayClose.select().where(DayClose.day == day).order_by(DayClose.at.desc()))
