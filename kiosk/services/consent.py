"""The customer's consent per purpose (个人信息保护法): given or withdrawn, when and how.

Each change is a ``Consent`` fact; the latest one for a customer and purpose counts.
Service calls are what the customer expects from the visit itself, so a customer is
called unless they withdrew that consent (said "do not call"); marketing and sharing
with the manufacturer or an insurer need a consent given. Every call list and
reminder list asks ``allowed_customers`` and leaves the others out.
"""
from __future__ import annotations

from kiosk.core import times
from kiosk.core.errors import ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Consent, Customer, Staff
from sync import changelog

SERVICE_CALLS, MARKETING, SHARE_OEM, SHARE_INSURER = "service_calls", "marketing", "share_oem", "share_insurer"
PURPOSES = {
    SERVICE_CALLS: _l("Service calls and reminders"),
    MARKETING: _l("Marketing and offers"),
    SHARE_OEM: _l("Sharing with the manufacturer"),
    SHARE_INSURER: _l("Sharing with an insurer"),
}
# Without any record: service calls are part of the service the customer came for.
DEFAULTS = {SERVICE_CALLS: True, MARKETING: False, SHARE_OEM: False, SHARE_INSURER: False}
HOW = {
    "paper": _l("Signed on paper"),
    "screen": _l("Signed on the screen"),
    "phone": _l("Said on the phone"),
    "wechat": _l("By WeChat"),
    "in_person": _l("Said in person"),
}


def _latest() -> dict[tuple, Consent]:
    """(customer id, purpose) -> the latest fact (by time, then HLC: every node picks the same)."""
    latest = {}
    for row in Consent.select().order_by(Consent.at, Consent.hlc):
        latest[(row.customer_id, row.purpose)] = row
    return latest


def state(customer: Customer) -> dict[str, dict]:
    """Per purpose: ``granted`` (bool), ``recorded`` (a fact exists), ``at``, ``how``, ``staff``."""
    rows = {}
    for row in (Consent.select().where(Consent.customer == customer).order_by(Consent.at, Consent.hlc)):
        rows[row.purpose] = row
    result = {}
    for purpose in PURPOSES:
        row = rows.get(purpose)
        result[purpose] = {"granted": DEFAULTS[purpose] if row is None else row.granted, "recorded": row is not None,
                           "at": row.at if row else None, "how": row.how if row else "",
                           "staff": row.staff if row else None, "label": PURPOSES[purpose]}
    return result


def allows(customer_id, purpose: str, latest: dict | None = None) -> bool:
    """Whether ``purpose`` is allowed for the customer (``latest`` from ``snapshot`` for many at once)."""
    latest = _latest() if latest is None else latest
    row = latest.get((customer_id, purpose))
    return DEFAULTS[purpose] if row is None else row.granted


def snapshot() -> dict[tuple, Consent]:
    """Everyone's latest consent facts, for a list that checks many customers."""
    return _latest()


def record(customer: Customer, purpose: str, granted: bool, *, how: str = "", staff: Staff | None = None) -> Consent:
    """Give or withdraw consent for ``purpose``; giving needs to say how it was given."""
    if purpose not in PURPOSES:
        raise ServiceError(_l("Unknown purpose of consent."), field="purpose")
    if granted and how not in HOW:
        raise ServiceError(_l("Say how the customer gave consent."), field="how")
    if how and how not in HOW:
        raise ServiceError(_l("Say how the customer gave consent."), field="how")
    with transaction():
        fact = Consent(customer=customer, purpose=purpose, granted=bool(granted), how=how, at=times.utcnow(),
                       staff=staff)
        changelog.save(fact)
    return fact


def withdraw(customer: Customer, purpose: str, *, staff: Staff | None = None) -> Consent:
    """One tap: the customer withdraws ``purpose``; every list for it drops them from now on."""
    return record(customer, purpose, False, how="", staff=staff)
