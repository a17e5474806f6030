"""Staff: badges, PINs, login (with the store-wide lockout of kiosk.services.pin_lock), and API tokens."""
from __future__ import annotations

import datetime as dt
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from kiosk.i18n import lazy_gettext as _l

from kiosk.core import times
from kiosk.db import transaction
from kiosk.models import Staff
from kiosk.roles import ROLES, allowed
from kiosk.services import api_keys, pin_lock
from kiosk.core.errors import Forbidden, ServiceError
from sync import changelog

# Light argon2 settings: a kiosk PC verifies a PIN in ~20 ms, and the lockout,
# not the hash cost, is what stops guessing a 4–6 digit PIN at the screen.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def normalize_badge(badge: str) -> str:
    return (badge or "").strip().upper()


def find_by_badge(badge: str) -> Staff | None:
    return Staff.get_or_none((Staff.badge == normalize_badge(badge)) & (Staff.deleted == False))  # noqa: E712


def create_staff(name: str, badge: str, roles: list[str], pin: str, *, admin_allowed: bool = True) -> Staff:
    """A new staff member with a badge code and a PIN of 4 to 8 digits.

    ``admin_allowed``: whether whoever asks may make an administrator (a door open to
    outsiders — the API — passes what its caller may: an admin, or a token with the
    ``staff_admin`` scope)."""
    name, badge = (name or "").strip(), normalize_badge(badge)
    if not name:
        raise ServiceError(_l("Enter the name."), field="name")
    if not re.fullmatch(r"[A-Z0-9\-]{3,32}", badge):
        raise ServiceError(_l("A badge code has 3 to 32 letters, digits or dashes."), field="badge")
    unknown = [r for r in roles or [] if r not in ROLES]
    if not roles or unknown:
        raise ServiceError(_l("Choose one or more valid roles."), field="roles", detail={"unknown": unknown})
    if not admin_allowed and any(allowed([role], "staff_admin") for role in roles):
        raise Forbidden(_l("Only an administrator, or an API token with the staff_admin scope, may create an "
                           "administrator."), field="roles", status=403)
    if not re.fullmatch(r"\d{4,8}", str(pin or "")):
        raise ServiceError(_l("A PIN has 4 to 8 digits."), field="pin")
    if find_by_badge(badge):
        raise ServiceError(_l("This badge is already in use."), field="badge", status=409)
    with transaction():
        person = Staff(name=name, badge=badge, roles=",".join(roles), pin_hash=_hasher.hash(str(pin)))
        changelog.save(person)
    return person


def badge_step(badge: str, client: str = "", now: dt.datetime | None = None) -> Staff:
    """The first step of a login: the badge. Unknown badges count against the screen
    (``client``) they came from, which waits a little after too many (kiosk.services.pin_lock)."""
    now = now or times.utcnow()
    pin_lock.check_client(client, now)
    person = find_by_badge(badge)
    if person is None or not person.active:
        raise pin_lock.unknown_badge(client, now)
    return person


def login(badge: str, pin: str, now: dt.datetime | None = None, client: str = "") -> Staff:
    """Check a badge and PIN. Wrong PINs lock the badge on every kiosk of the store, for longer
    each time; a locked badge is refused without its PIN being checked (kiosk.services.pin_lock)."""
    now = now or times.utcnow()
    person = badge_step(badge, client, now)

    def pin_ok() -> bool:
        try:
            return _hasher.verify(person.pin_hash, str(pin or ""))
        except (VerificationError, InvalidHashError):
            return False

    pin_lock.check_pin(person, pin_ok, now, client)
    pin_lock.known_badge(client)
    return person


def issue_token(label: str = "") -> str:
    """A new read-and-write API token that never expires (``bayflow token``); see kiosk.services.api_keys."""
    return api_keys.issue(name=label)


def active_staff() -> list[Staff]:
    """Everyone who may log in, by name."""
    return list(Staff.select().where((Staff.deleted == False) & (Staff.active == True))  # noqa: E712
                .order_by(Staff.badge))
