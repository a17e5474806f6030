"""Who badged in at this screen: the bay kiosk's session, which the workshop's
pages (QC, dispatch) read too.

A badge scanned at the bay opens the person's session without a PIN; it is
kept in the Flask session apart from the desk login and dropped after the idle
time. A QC inspector's badge also marks them as the inspector at this screen.
Shared by the bay and workshop blueprints, so neither imports the other's views.
"""
from __future__ import annotations

import time

from flask import current_app, g, session

from kiosk.models import Staff

SESSION_KEY = "bay_staff"
SEEN_KEY = "bay_seen"


def idle_seconds() -> int:
    """How long a bay session lasts without a touch (``BAY_IDLE_SECONDS``, else the kiosk's idle timeout)."""
    return current_app.config["BAY_IDLE_SECONDS"] or current_app.config["IDLE_TIMEOUT_SECONDS"]


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


QC_KEY = "qc_inspector"


def set_inspector(staff: Staff) -> None:
    """Remember the QC inspector who badged in at this screen (at the bay or the QC gate)."""
    session[QC_KEY] = {"id": staff.id.hex, "seen": time.time()}
