"""Personal data (个人信息保护法): the customer's consent per purpose, and the audited unmask.

Consent is given or withdrawn, with when and how.

Each change is a ``Consent`` fact; the latest one for a customer and purpose counts.
Service calls are what the customer expects from the visit itself, so a customer is
called unless they withdrew that consent (said "do not call"); marketing and sharing
with the manufacturer or an insurer need a consent given. Every call list and
reminder list asks ``allows`` and leaves the others out.

Phone numbers are masked on shared screens; ``unmask`` shows one whole to someone allowed
and leaves a ``PhoneUnmask`` fact (who, when, which customer), which ``audit`` lists.
"""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.core.errors import Forbidden, NotFound, ServiceError
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Consent, Customer, PhoneUnmask, Staff
from kiosk.roles import allowed
from kiosk.services.customers import parse_id
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
    "reception": _l("At the reception desk, on the screen"),
}
# How check-in records what the advisor ticked with the customer at the desk.
AT_RECEPTION = "reception"


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


def answer(customer: Customer, agreed, *, how: str, staff: Staff | None = None) -> list[Consent]:
    """The customer was asked about every purpose and agreed to those in ``agreed`` (the rest declined).

    Records a fact for each purpose whose answer is new (never recorded, or changed), through
    ``record``: one rule for the care desk and the reception desk. Joins the caller's transaction.
    """
    agreed = set(agreed)
    if agreed - set(PURPOSES):
        raise ServiceError(_l("Unknown purpose of consent."), field="consents")
    if how not in HOW:
        raise ServiceError(_l("Say how the customer gave consent."), field="how")
    with transaction():
        now = state(customer)
        return [record(customer, purpose, purpose in agreed, how=how, staff=staff) for purpose in PURPOSES
                if not now[purpose]["recorded"] or now[purpose]["granted"] != (purpose in agreed)]


def asked_defaults(customer: Customer | None) -> list[str]:
    """The purposes ticked when the question is put: what stands for this customer, or the defaults."""
    if customer is None:
        return [purpose for purpose, granted in DEFAULTS.items() if granted]
    return [purpose for purpose, row in state(customer).items() if row["granted"]]


def withdraw(customer: Customer, purpose: str, *, staff: Staff | None = None) -> Consent:
    """One tap: the customer withdraws ``purpose``; every list for it drops them from now on."""
    return record(customer, purpose, False, how="", staff=staff)


def get_customer(customer_id) -> Customer:
    """The customer with this id (404 when unknown)."""
    key = parse_id(customer_id)
    row = key and Customer.get_or_none((Customer.id == key) & (Customer.deleted == False))  # noqa: E712
    if row is None:
        raise NotFound(_l("No such customer."))
    return row


def unmask(person: Staff, who: Customer, screen: str = "") -> str:
    """``who``'s full phone number for ``person``, if their role may see it; recorded as a fact."""
    if person is None or not allowed(person.role_list, "unmask"):
        raise Forbidden(_l("You may not see full phone numbers."))
    with transaction():
        changelog.save(PhoneUnmask(customer=who, staff=person, at=times.utcnow(), screen=screen[:60]))
    return who.phone


def audit(since: dt.datetime | None = None, limit: int = 200) -> list[PhoneUnmask]:
    """The latest showings of full numbers, newest first (with the person and the customer)."""
    query = (PhoneUnmask.select(PhoneUnmask, Staff, Customer).join(Staff).switch(PhoneUnmask).join(Customer)
             .order_by(PhoneUnmask.at.desc()).limit(limit))
    if since is not None:
        query = query.where(PhoneUnmask.at >= since)
    return list(query)
