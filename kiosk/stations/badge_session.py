"""Who badged in at this screen: the bay kiosk's badge session, which the
workshop's pages (QC, dispatch) read too, and the PIN step that opens it for
anyone but a technician.

A technician's badge opens their bay session without a PIN; a foreman, a QC
inspector or a manager types their PIN once per visit (``kiosk.access``: a
badge session kept on the server, ended at badge-out and after the idle time).
Shared by the bay and workshop blueprints, so neither imports the other's views.
"""
from __future__ import annotations

from flask import g, render_template
from flask_babel import gettext as _

from kiosk import access
from kiosk.models import Staff
from kiosk.templating import scan_reply


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


def ask_pin(badge: str, next_url: str, cancel_url: str):
    """The PIN step for ``badge`` in place of the station's screen (the scan's target);
    the form posts to the bay's ``/bay/pin``, which opens the session and goes to ``next_url``."""
    card = render_template("bay/_badge_pin.html", badge=badge, next=next_url, cancel=cancel_url, error=None)
    return scan_reply(_("Enter your PIN."), True, card)
