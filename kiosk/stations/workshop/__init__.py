"""The workshop manager's pages (车间主任 / 技术总监) beside the bay kiosk: dispatch,
the QC gate, the live wall board and the figures. Registered with the "bay"
station; one blueprint, split by task into the modules imported at the bottom."""
from __future__ import annotations

import functools

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _

from kiosk.core import times
from kiosk.access import BADGE, badge_may, current_staff, go_to, session_person
from kiosk.models import Staff
from kiosk.roles import allowed
from kiosk.services import dispatch

bp = Blueprint("workshop", __name__, url_prefix="/workshop")


def bays() -> list[str]:
    """The store's bay names (config ``WORKSHOP_BAYS``; bays 1 to 8 when unset)."""
    return [str(b) for b in current_app.config["WORKSHOP_BAYS"]]


def close_overdue_clocks() -> None:
    """Pages that show clocks first close the ones left running past the shift end
    (the server's timer does it too; this covers a kiosk whose timer is not running)."""
    dispatch.close_open_clocks(times.utcnow())


def acting_person(permission: str) -> Staff | None:
    """The person these pages act for: the logged-in one, else the one badged in at this
    bay screen — who, for anything but a technician's own work, typed their PIN there."""
    person = current_staff()
    if person is not None and allowed(person.role_list, permission):
        return person
    return badge_may(permission)


def requires_workshop(permission: str):
    """Like kiosk.access.requires, but a foreman's badge and PIN at the bay count as a login."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if acting_person(permission) is not None:
                return view(*args, **kwargs)
            if current_staff() is None:
                return go_to(url_for("auth.login", next=request.full_path))
            return render_template("forbidden.html", permission=permission), 403

        return wrapped

    return decorator


@bp.context_processor
def _workshop_helpers() -> dict:
    # The workshop's tabs show only the pages the person here may open.
    helpers = {"bays": bays(), "ws_may": lambda permission: acting_person(permission) is not None}
    if current_staff() is None and session_person(BADGE)[0] is not None:
        # Someone who badged in at the bay (a QC inspector, a foreman): the bay's header, not the desk's.
        helpers["kiosk_chrome"] = _("Workshop bay")
    return helpers


from kiosk.stations.workshop import board, dispatching, figures, qc  # noqa: E402,F401
