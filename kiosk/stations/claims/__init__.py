"""The claims desk (索赔专员) of the care station: warranty claims and their checks, the
manufacturer's files, old parts by scan, insurance repairs and the 三包 watch.

One blueprint for the claims role, split by task into the modules imported at the
bottom; registered with the care station (``--station care``). Views are thin:
each reads the form, calls one service, and redirects or renders.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for

from kiosk.access import current_staff
from kiosk.core.errors import ServiceError

bp = Blueprint("claims", __name__, url_prefix="/claims")

TABS = (("desk", "claims.index"), ("old_parts", "claims.old_parts"), ("insurance", "claims.insurance"),
        ("sanbao", "claims.sanbao"), ("files", "claims.files"))


def clerk():
    """The person at the desk (the views all require the claims permission)."""
    return current_staff()


def done(message: str, endpoint: str, **values):
    """Say what happened and go back to the page (post, redirect, get)."""
    flash(message, "info")
    return redirect(url_for(endpoint, **values))


def refused(error: ServiceError, endpoint: str, **values):
    """A refusal read on the page it came from; nothing was written."""
    flash(str(error.message), "error")
    return redirect(url_for(endpoint, **values))


from kiosk.stations.claims import desk, claim, old_parts, insurance, sanbao  # noqa: E402,F401
