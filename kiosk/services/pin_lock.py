"""Guessing PINs: wrong PINs lock a badge on every kiosk of the store; unknown badges
slow down the screen they are typed at; a manager unlocks a locked colleague.

Wrong PINs are ``LoginAttempt`` facts, so every node counts the guesses made at
every other one (after sync). The count is read and the attempt recorded in one
write transaction (``BEGIN IMMEDIATE``: one at a time, across server processes
too), and a badge that is locked is answered without looking at the PIN at all:
a hundred tries at once are a hundred tries in a row, and the right PIN among
them opens nothing while the lock lasts.

A lock can be a nuisance (anyone may type someone else's badge), so:
* a manager's unlock (``unlock``) lets the person in at once, but it does not
  give new free tries: the next wrong PIN locks the badge again, for longer;
* a wrong badge (one that does not exist) locks only the screen it was typed
  at, and for much less time than wrong PINs lock a badge;
* wrong PINs older than a day are forgotten.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.core import times
from kiosk.db import transaction
from kiosk.i18n import lazy_gettext as _l
from kiosk.models import LoginAttempt, LoginFailure, Staff
from kiosk.core.errors import Forbidden, NotFound, ServiceError
from sync import changelog

FREE_TRIES = 3          # wrong PINs before the first lockout
BASE_LOCK_SECONDS = 30  # doubled for every further wrong PIN
MAX_LOCK_SECONDS = 30 * 60
MEMORY = dt.timedelta(hours=24)  # wrong PINs older than this no longer count

FREE_UNKNOWN = 5              # unknown badges a screen may try before it waits
UNKNOWN_LOCK_SECONDS = 30     # doubled for every further unknown badge …
MAX_UNKNOWN_LOCK_SECONDS = 5 * 60  # … up to a few minutes, far less than a badge's lock


@dataclass(frozen=True)
class PinState:
    """Where a badge stands: wrong PINs counted, and until when it is locked (None: not locked)."""

    failures: int
    locked_until: dt.datetime | None

    def locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def lock_seconds(failures: int) -> int:
    """How long ``failures`` wrong PINs in a row lock a badge."""
    if failures < FREE_TRIES:
        return 0
    return min(BASE_LOCK_SECONDS * 2 ** (failures - FREE_TRIES), MAX_LOCK_SECONDS)


def state(badge: str, now: dt.datetime | None = None) -> PinState:
    """The badge's wrong PINs since its last right one (within ``MEMORY``), from the facts of every node."""
    now = now or times.utcnow()
    failures, last_wrong, last_unlock = 0, None, None
    for outcome, at in (LoginAttempt.select(LoginAttempt.outcome, LoginAttempt.at)
                        .where((LoginAttempt.badge == badge) & (LoginAttempt.at >= now - MEMORY))
                        .order_by(LoginAttempt.at, LoginAttempt.hlc).tuples()):
        if outcome == "ok":
            failures, last_wrong = 0, None
        elif outcome == "wrong_pin":
            failures, last_wrong = failures + 1, at
        elif outcome == "unlock":
            last_unlock = at
    seconds = lock_seconds(failures)
    locked_until = last_wrong + dt.timedelta(seconds=seconds) if seconds and last_wrong else None
    if locked_until is not None and last_unlock is not None and last_unlock >= last_wrong:
        locked_until = None  # a manager let the person in; the count stays (no new free tries)
    return PinState(failures, locked_until)


def _record(badge: str, outcome: str, now: dt.datetime, terminal: str = "", by: str = "") -> None:
    changelog.save(LoginAttempt(badge=badge, outcome=outcome, at=now, terminal=terminal[:100], by=by))


def _locked_error(seconds: int):
    return Forbidden(_l("Too many wrong PINs. Try again in %(seconds)s seconds, or ask a manager to unlock "
                        "your badge.", seconds=seconds), field="pin", status=429, detail={"retry_after": seconds})


def check_pin(person: Staff, pin_ok, now: dt.datetime, terminal: str = "") -> None:
    """Check ``person``'s PIN (``pin_ok()`` verifies it) unless the badge is locked; record the
    attempt; raise when it is locked or the PIN is wrong. One write transaction for all of it."""
    refusal = None
    with transaction():
        current = state(person.badge, now)
        if current.locked(now):
            # Answered without checking the PIN: no guess is tried while the badge is locked.
            refusal = _locked_error(int((current.locked_until - now).total_seconds()) + 1)
        elif pin_ok():
            if current.failures:
                _record(person.badge, "ok", now, terminal)  # the count starts again, on every node
        else:
            _record(person.badge, "wrong_pin", now, terminal)
            seconds = lock_seconds(current.failures + 1)
            if seconds:
                refusal = Forbidden(_l("Wrong PIN. This badge is locked for %(seconds)s seconds.",
                                       seconds=seconds), field="pin", status=429, detail={"retry_after": seconds})
            else:
                refusal = Forbidden(_l("Wrong PIN. Please try again."), field="pin", status=401)
    if refusal is not None:
        raise refusal


def _client_key(terminal: str) -> str:
    return f"client:{terminal}"[:255]


def check_client(terminal: str, now: dt.datetime) -> None:
    """Refuse a screen (client address) that typed too many unknown badges lately."""
    if not terminal:
        return
    row = LoginFailure.get_or_none(LoginFailure.badge == _client_key(terminal))
    if row is not None and row.locked_until and row.locked_until > now:
        wait = int((row.locked_until - now).total_seconds()) + 1
        raise Forbidden(_l("Too many unknown badges from this screen. Try again in %(seconds)s seconds.",
                           seconds=wait), field="badge", status=429, detail={"retry_after": wait})


def unknown_badge(terminal: str, now: dt.datetime) -> NotFound:
    """Count an unknown badge against the screen it came from (this node only); the refusal to raise."""
    if terminal:
        with transaction():
            key = _client_key(terminal)
            row = LoginFailure.get_or_none(LoginFailure.badge == key)
            failures = (row.failures if row else 0) + 1
            extra = failures - FREE_UNKNOWN
            locked_until = (now + dt.timedelta(seconds=min(UNKNOWN_LOCK_SECONDS * 2 ** (extra - 1),
                                                           MAX_UNKNOWN_LOCK_SECONDS))) if extra > 0 else None
            (LoginFailure.insert(badge=key, failures=failures, locked_until=locked_until)
             .on_conflict(conflict_target=[LoginFailure.badge],
                          update={LoginFailure.failures: failures, LoginFailure.locked_until: locked_until})
             .execute())
    return NotFound(_l("This badge is not known. Ask the service manager to register it."), field="badge")


def known_badge(terminal: str) -> None:
    """A real badge from this screen: its count of unknown badges starts again."""
    if terminal:
        LoginFailure.delete().where(LoginFailure.badge == _client_key(terminal)).execute()


def locked_badges(now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """Badges locked now, with the time each lock ends (for the manager's staff page)."""
    now = now or times.utcnow()
    recent = (LoginAttempt.select(LoginAttempt.badge).distinct()
              .where((LoginAttempt.outcome == "wrong_pin") & (LoginAttempt.at >= now - MEMORY)))
    found = {}
    for (badge,) in recent.tuples():
        current = state(badge, now)
        if current.locked(now):
            found[badge] = current.locked_until
    return found


def unlock(badge: str, manager: Staff, now: dt.datetime | None = None) -> None:
    """A manager lets a locked colleague in. The wrong PINs still count: the next one locks again."""
    now = now or times.utcnow()
    with transaction():
        if not state(badge, now).locked(now):
            raise ServiceError(_l("This badge is not locked."), field="badge", status=409)
        _record(badge, "unlock", now, by=manager.badge)
