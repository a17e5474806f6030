"""The bay kiosk (维修技师 / 钣喷): badge in, scan the work order, clock the jobs.

The physical badge is the shop-floor credential: a badge scan opens that
person's bay session (no PIN), kept in the Flask session apart from the desk
login and dropped after the idle timeout. Everything the technician does goes
through the services (kiosk.services.clock, attendance, findings, extrawork,
partsrequests), the same ones the JSON API calls.

One blueprint, split by task into the modules imported at the bottom.
"""
from __future__ import annotations

import time

from flask import Blueprint, g, session

from kiosk.models import Staff

bp = Blueprint("bay", __name__, url_prefix="/bay")

SESSION_KEY = "bay_staff"
SEEN_KEY = "bay_seen"


def idle_seconds() -> int:
    """How long a bay session lasts without a touch (the bay's idle time, kiosk.access.idle_seconds)."""
    from kiosk.access import idle_seconds as station_idle

    return station_idle("bay")


def bay_person() -> Staff | None:
    """Who badged in at this bay screen, or None (never badged, timed out, or deactivated).

    The workshop pages (QC, dispatch) read it too: a QC inspector's or a
    foreman's badge scanned at the bay opens the same session before the
    kiosk sends them there.
    """
    if "bay_person" in g:
        return g.bay_person
    person = None
    staff_id = session.get(SESSION_KEY)
    if staff_id and time.time() - session.get(SEEN_KEY, 0) <= idle_seconds():
        person = Staff.get_or_none((Staff.id == staff_id) & (Staff.active == True))  # noqa: E712
    if person is None and staff_id:
        end_session()
    elif person is not None and time.time() - session.get(SEEN_KEY, 0) > 5:
        session[SEEN_KEY] = time.time()  # not on every request: each change re-signs the cookie
    g.bay_person = person
    return person


def open_session(person: Staff) -> None:
    """The badge scanned at this screen: from now on the bay acts for ``person``."""
    session[SESSION_KEY] = person.id.hex
    session[SEEN_KEY] = time.time()
    g.bay_person = person


def end_session() -> None:
    session.pop(SESSION_KEY, None)
    session.pop(SEEN_KEY, None)
    g.bay_person = None


from kiosk.stations.bay import screens, jobs, extras, rules  # noqa: E402,F401
