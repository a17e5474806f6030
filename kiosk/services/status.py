"""The work order's life, as a state machine that only moves forward.

Rank decides "forward": a merge between two kiosks keeps the higher rank.
The in-repair family shares one rank, so the workshop can move between
waiting states freely; a QC fail sends the order back to rework, which is the
one deliberate step back, recorded as a fact so it counts against first-time fix.
"""
from __future__ import annotations

from kiosk.i18n import lazy_gettext as _l

STATUSES = {
    "booked": (0, _l("Booked")),
    "checked_in": (1, _l("Checked in")),
    "diagnosis": (2, _l("Diagnosis")),
    "estimate": (3, _l("Estimate")),
    "authorized": (4, _l("Authorized")),
    "in_repair": (5, _l("In repair")),
    "waiting_parts": (5, _l("Waiting for parts")),
    "waiting_authorization": (5, _l("Waiting for re-authorization")),
    "rework": (5, _l("Rework")),
    "qc": (6, _l("Quality check")),
    "washing": (7, _l("Washing")),
    "ready": (8, _l("Ready for delivery")),
    "settled": (9, _l("Settled")),
    "delivered": (10, _l("Delivered")),
    "followed_up": (11, _l("Followed up")),
    "closed": (12, _l("Closed")),
    "cancelled": (99, _l("Cancelled")),
}

OPEN_STATUSES = [s for s, (rank, _) in STATUSES.items() if rank < STATUSES["settled"][0]]
LOCKED_FROM = STATUSES["settled"][0]


def rank(status: str) -> int:
    return STATUSES[status][0]


def label(status: str):
    return STATUSES.get(status, (0, status))[1]


def can_move(current: str, target: str) -> bool:
    """Forward moves, sideways within a rank, QC back to rework, and cancel until settled."""
    if target not in STATUSES or current == target:
        return False
    if target == "cancelled":
        return rank(current) < LOCKED_FROM
    if current == "cancelled":
        return False
    if current == "qc" and target == "rework":
        return True
    return rank(target) >= rank(current)


def is_locked(status: str) -> bool:
    """Settled (and later) orders take no more edits to their lines."""
    return rank(status) >= LOCKED_FROM
