"""Phone numbers on shared screens: masked everywhere, shown whole only to someone allowed,
and every showing leaves an audit fact (who, when, which customer) the manager lists."""
from __future__ import annotations

import datetime as dt

from kiosk.core import times
from kiosk.core.errors import Forbidden, NotFound
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import Customer, PhoneUnmask, Staff
from kiosk.roles import allowed
from kiosk.services.customers import mask_phone, parse_id
from sync import changelog

__all__ = ["mask_phone", "unmask", "audit", "customer"]


def customer(customer_id) -> Customer:
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
