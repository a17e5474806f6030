"""The bay kiosk (维修技师 / 钣喷): badge in, scan the work order, clock the jobs.

The physical badge is the shop-floor credential: a badge scan opens that
person's bay session (no PIN, ``kiosk.stations.badge_session``), kept in the
Flask session apart from the desk login and dropped after the idle timeout. Everything the technician does goes
through the services (kiosk.services.clock, attendance, findings, extrawork,
partsrequests), the same ones the JSON API calls.

One blueprint, split by task into the modules imported at the bottom.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("bay", __name__, url_prefix="/bay")

from kiosk.stations.bay import screens, jobs, extras, rules  # noqa: E402,F401
