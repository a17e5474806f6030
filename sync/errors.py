"""What can stop sync with the hub, one class each (re-exported by ``sync.transport``).

``str(error)`` is one line a person can act on; the background worker and
``bayflow sync`` / ``bayflow pair`` print it as it is.
"""
from __future__ import annotations


class SyncError(Exception):
    """Sync with the hub cannot go on; ``str(error)`` says why in one line."""


class NotPaired(SyncError):
    """This kiosk has not been paired with a hub (bayflow pair)."""


class Offline(SyncError):
    """The hub did not answer (refused, timed out, unreachable, or failing)."""


class RogueHub(SyncError):
    """Something answered at the hub's address that is not the pinned hub."""


class Revoked(SyncError):
    """The hub revoked this kiosk; it must be paired again."""


class UpgradeRequired(SyncError):
    """The hub no longer speaks this kiosk's protocol version."""


class Diverged(SyncError):
    """The kiosk's history does not match the hub's (restored backup or cloned disk)."""


class PairingRefused(SyncError):
    """The hub refused the pairing (wrong, expired or used code, too many attempts …)."""


class AnswerRefused(Offline):
    """An answer at the hub's address was refused before it could be authenticated: larger
    than a sync batch may be, or slower than an exchange may take (``kind``: "too_large" or
    "too_slow"). It may be a device pretending to be the hub, or a broken link."""

    def __init__(self, message: str, kind: str, address: str):
        super().__init__(message)
        self.kind, self.address = kind, address
