"""The bay kiosk (维修技师 / 钣喷): badge in, scan the work order, clock the jobs.

The physical badge is the shop-floor credential for a technician's own work: a
technician's badge opens their bay session without a PIN. Anyone else — a
foreman, a QC inspector, a manager — types their PIN once per visit before the
bay opens dispatch or the QC gate for them (``kiosk.access``: a badge session,
kept on the server, ended at badge-out and after the idle time). Everything the
technician does goes through the services (kiosk.services.clock, attendance,
findings, extrawork, partsrequests), the same ones the JSON API calls.

One blueprint, split by task into the modules imported at the bottom.
"""
from __future__ import annotations

from flask import Blueprint, g

from kiosk import access
from kiosk.models import Staff

bp = Blueprint("bay", __name__, url_prefix="/bay")


def idle_seconds() -> int:
    """How long a bay session lasts without a touch (the bay's idle time, kiosk.access.idle_limit)."""
    return access.idle_limit(access.BADGE)


def bay_person() -> Staff | None:
    """Who badged in at this bay screen, or None (never badged, timed out, badged out or deactivated)."""
    if "bay_person" not in g:
        g.bay_person = access.session_person(access.BADGE)[0]
    return g.bay_person


def open_session(person: Staff, *, pin: bool = False) -> None:
    """The badge scanned at this screen (and, for anyone but a technician, the PIN typed):
    from now on the bay acts for ``person``."""
    access.open_session(person, access.BADGE, pin=pin)
    g.bay_person = person


def end_session() -> None:
    access.end_session(access.BADGE)
    g.bay_person = None


from kiosk.stations.bay import screens, jobs, extras, rules  # noqa: E402,F401
