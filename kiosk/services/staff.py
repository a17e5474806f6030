"""Staff: badges, PINs, login with a growing lockout, and API tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

from kiosk import times
from kiosk.db import transaction
from kiosk.models import ApiToken, LoginFailure, Staff
from kiosk.roles import ROLES
from kiosk.services.errors import Forbidden, NotFound, ServiceError
from kiosk.services.prepared import Prepared
from sync import changelog

# Light argon2 settings: a kiosk PC verifies a PIN in ~20 ms, and the lockout,
# not the hash cost, is what stops guessing a 4–6 digit PIN at the screen.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)

FREE_TRIES = 3          # wrong PINs before the first lockout
BASE_LOCK_SECONDS = 30  # doubled for every further wrong PIN
MAX_LOCK_SECONDS = 30 * 60


def normalize_badge(badge: str) -> str:
    return (badge or "").strip().upper()


def find_by_badge(badge: str) -> Staff | None:
    return Staff.get_or_none((Staff.badge == normalize_badge(badge)) & (Staff.deleted == False))  # noqa: E712


def create_staff(name: str, badge: str, roles: list[str], pin: str) -> Staff:
    """A new staff member with a badge code and a PIN of 4 to 8 digits."""
    name, badge = (name or "").strip(), normalize_badge(badge)
    if not name:
        raise ServiceError(_l("Enter the name."), field="name")
    if not re.fullmatch(r"[A-Z0-9\-]{3,32}", badge):
        raise ServiceError(_l("A badge code has 3 to 32 letters, digits or dashes."), field="badge")
    unknown = [r for r in roles or [] if r not in ROLES]
    if not roles or unknown:
        raise ServiceError(_l("Choose one or more valid roles."), field="roles", detail={"unknown": unknown})
    if not re.fullmatch(r"\d{4,8}", str(pin or "")):
        raise ServiceError(_l("A PIN has 4 to 8 digits."), field="pin")
    if find_by_badge(badge):
        raise ServiceError(_l("This badge is already in use."), field="badge", status=409)
    with transaction():
        person = Staff(name=name, badge=badge, roles=",".join(roles), pin_hash=_hasher.hash(str(pin)))
        changelog.save(person)
    return person


def _lock_seconds(failures: int) -> int:
    if failures < FREE_TRIES:
        return 0
    return min(BASE_LOCK_SECONDS * 2 ** (failures - FREE_TRIES), MAX_LOCK_SECONDS)


def login(badge: str, pin: str, now: dt.datetime | None = None) -> Staff:
    """Check a badge and PIN. Wrong PINs lock the badge on this kiosk for longer each time."""
    now = now or times.utcnow()
    person = find_by_badge(badge)
    if person is None or not person.active:
        raise NotFound(_l("This badge is not known. Ask the service manager to register it."), field="badge")
    record = LoginFailure.get_or_none(LoginFailure.badge == person.badge)
    if record and record.locked_until and record.locked_until > now:
        wait = int((record.locked_until - now).total_seconds()) + 1
        raise Forbidden(_l("Too many wrong PINs. Try again in %(seconds)s seconds.", seconds=wait),
                        field="pin", status=429, detail={"retry_after": wait})
    try:
        ok = _hasher.verify(person.pin_hash, str(pin or ""))
    except (VerificationError, InvalidHashError):
        ok = False
    if ok:
        LoginFailure.delete().where(LoginFailure.badge == person.badge).execute()
        return person
    # Count the failure first and only then refuse: raising inside the
    # transaction would roll the count back and the lockout would never grow.
    failures = (record.failures if record else 0) + 1
    seconds = _lock_seconds(failures)
    with transaction():
        locked_until = now + dt.timedelta(seconds=seconds) if seconds else None
        # An upsert both SQLite and PostgreSQL (a hub) understand.
        (LoginFailure.insert(badge=person.badge, failures=failures, locked_until=locked_until)
         .on_conflict(conflict_target=[LoginFailure.badge],
                      update={LoginFailure.failures: failures, LoginFailure.locked_until: locked_until})
         .execute())
    if seconds:
        raise Forbidden(_l("Wrong PIN. This badge is locked for %(seconds)s seconds.", seconds=seconds),
                        field="pin", status=429, detail={"retry_after": seconds})
    raise Forbidden(_l("Wrong PIN. Please try again."), field="pin", status=401)


def issue_token(label: str = "") -> str:
    """A new API token; only its hash is kept, so it is shown once."""
    token = secrets.token_urlsafe(32)
    ApiToken.create(token_hash=_token_hash(token), label=label, created_at=times.utcnow())
    return token


# Asked on every API call: the SQL is built once.
_TOKEN = Prepared(lambda slot: ApiToken.select(ApiToken.token_hash).where(
    ApiToken.token_hash == slot(ApiToken.token_hash)).limit(1).dicts())


def check_token(token: str) -> bool:
    return bool(token) and _TOKEN.first(_token_hash(token)) is not None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_staff() -> list[Staff]:
    """Everyone who may log in, by name."""
    return list(Staff.select().where((Staff.deleted == False) & (Staff.active == True))  # noqa: E712
                .order_by(Staff.badge))
