"""The bay kiosk (维修技师 / 钣喷): badge in, scan the work order, clock the jobs.

The physical badge is the shop-floor credential for a technician's own work: a
technician's badge opens their bay session without a PIN. Anyone else — a
foreman, a QC inspector, a manager — types their PIN once per visit before the
bay opens dispatch or the QC gate for them (``kiosk.stations.badge_session``
over ``kiosk.access``: a badge session, kept on the server, ended at badge-out
and after the idle time). Everything the technician does goes through the
services (kiosk.services.clock, attendance, findings, extrawork,
partsrequests), the same ones the JSON API calls.

One blueprint, split by task into the modules imported at the bottom.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("bay", __name__, url_prefix="/bay")

from kiosk.stations.bay import screens, jobs, extras, rules  # noqa: E402,F401
